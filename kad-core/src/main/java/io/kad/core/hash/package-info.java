/**
 * The built-in key hash functions ({@code sha1}, {@code sha256}, {@code md5}) and
 * {@link io.kad.core.hash.KeyHashFunctions}, which finds any {@link io.kad.spi.KeyHashFunction} by name.
 * Every function here is pure and thread-safe, so all nodes of a swarm map a key to the same id.
 */
package io.kad.core.hash;
