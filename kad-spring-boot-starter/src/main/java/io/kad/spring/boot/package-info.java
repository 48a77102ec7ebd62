/**
 * Spring Boot auto-configuration of kad-jcache: the provider as the application's JCache cache
 * manager ({@link io.kad.spring.boot.KadCacheAutoConfiguration}), {@code kad.*} settings from the
 * Spring environment, the meters of its caches in Actuator's cache metrics
 * ({@link io.kad.spring.boot.KadCacheMeterBinderProvider}) and a health indicator for its node
 * ({@link io.kad.spring.boot.KadHealthIndicator}). Actuator and Micrometer are optional.
 */
package io.kad.spring.boot;
