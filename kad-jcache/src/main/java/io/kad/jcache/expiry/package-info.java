/**
 * Expiry: turns a cache's {@link javax.cache.expiry.ExpiryPolicy} into the absolute expiry times
 * that record writes carry, at the caller, with the record protocol's clock. Internal: not part of
 * the public API.
 */
package io.kad.jcache.expiry;
