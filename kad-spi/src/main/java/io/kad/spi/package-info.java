/**
 * The extension points of kad-jcache, each found with {@link java.util.ServiceLoader} and also accepted
 * as an instance: {@link io.kad.spi.KeyHashFunction key hash functions},
 * {@link io.kad.spi.RequestInterceptor request interceptors} and
 * {@link io.kad.spi.StorageTierProvider storage tiers}. This module has no run-time dependencies.
 */
package io.kad.spi;
