/**
 * {@code kad.properties}: where a cache manager's settings come from (classpath root, the manager's
 * URI, the {@code Properties} argument, {@code -Dkad.*} system properties; later wins), how they are
 * checked (an unknown {@code kad.*} key or a bad value fails with a message naming both), and how
 * they become a {@link io.kad.core.NodeConfig} and per-cache configurations. Every key is listed in
 * {@code CONFIGURATION.md}. Internal: not part of the public API; the keys are.
 */
package io.kad.jcache.configuration;
