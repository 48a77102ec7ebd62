/**
 * kad-jcache: a JSR-107 (JCache 1.1) caching provider whose caches live on a Kademlia swarm.
 *
 * <p>The public API is the JCache API plus four classes: {@link io.kad.jcache.KadCachingProvider}
 * (registered for {@code Caching.getCachingProvider()}), {@link io.kad.jcache.KadCacheManager} (one
 * node per manager), {@link io.kad.jcache.KadCache} and {@link io.kad.jcache.KadCacheEntry}, reachable
 * through {@code unwrap}. Configuration is {@code kad.properties} (see {@code CONFIGURATION.md}). The
 * sub-packages, one per part of the specification, are internal.
 */
package io.kad.jcache;
