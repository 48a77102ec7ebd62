/**
 * Management: the per-cache statistics ({@link javax.cache.management.CacheStatisticsMXBean}) and the
 * configuration bean ({@link javax.cache.management.CacheMXBean}), and their registration in the
 * platform MBean server under the object names JSR-107 specifies. Internal: not part of the public
 * API; the MBeans are.
 */
package io.kad.jcache.management;
