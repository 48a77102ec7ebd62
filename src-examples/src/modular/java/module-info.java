/**
 * A modular application using kad-jcache from the module path, where its jars are the automatic
 * modules {@code io.kad.spi}, {@code io.kad.core} and {@code io.kad.jcache} (their
 * {@code Automatic-Module-Name}). The JCache API jar has no module name of its own: its name,
 * {@code cache.api}, is derived from its file name.
 */
// javac warns that each requires names an automatic module (-Xlint:requires-automatic): that is the point here
module io.kad.examples.modular {
    requires cache.api;
    requires io.kad.jcache;
    requires io.kad.core;
}
