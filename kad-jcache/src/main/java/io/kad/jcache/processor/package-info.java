/**
 * Entry processors: the {@link javax.cache.processor.MutableEntry} an
 * {@link javax.cache.processor.EntryProcessor} works on, which records what the processor did
 * (nothing, read, load, create, update, remove) for the cache to apply with one conditional write.
 * Internal: not part of the public API.
 */
package io.kad.jcache.processor;
