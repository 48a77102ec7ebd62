/**
 * Integration with the system of record: read-through through a {@link javax.cache.integration.CacheLoader}
 * and write-through through a {@link javax.cache.integration.CacheWriter}, with the exception wrapping
 * and partial-failure rules of JSR-107. Internal: not part of the public API.
 */
package io.kad.jcache.integration;
