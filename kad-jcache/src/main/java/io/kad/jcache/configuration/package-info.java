/**
 * {@code kad.properties}: where a cache manager's settings come from (classpath root, the manager's
 * URI, the {@code Properties} argument, {@code -Dkad.*} system properties; later wins), how they are
 * checked (an unknown {@code kad.*} key or a bad value fails with a message naming both), and how
 * they become a {@link io.kad.core.NodeConfig} and per-cache configurations. Every key, with its default
 * and range, is in {@link io.kad.jcache.configuration.SettingCatalog}, and is listed in
 * {@code CONFIGURATION.md} (a test keeps the two in step). Internal: not part of the public API; the keys
 * are.
 */
package io.kad.jcache.configuration;
