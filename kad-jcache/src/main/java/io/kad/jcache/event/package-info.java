/**
 * Entry listeners: registrations built from {@link javax.cache.configuration.CacheEntryListenerConfiguration}s,
 * events, filters, and their delivery (synchronous ones on the calling thread before the operation
 * returns, asynchronous ones in order on the cache's event thread). Internal: not part of the public
 * API.
 */
package io.kad.jcache.event;
