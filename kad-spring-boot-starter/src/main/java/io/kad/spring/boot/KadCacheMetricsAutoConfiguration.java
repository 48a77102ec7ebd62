package io.kad.spring.boot;

import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.boot.actuate.metrics.cache.CacheMeterBinderProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.cache.jcache.JCacheCache;
import org.springframework.context.annotation.Bean;

/**
 * Registers the {@link KadCacheMeterBinderProvider} when Actuator and Micrometer are on the class path.
 * It runs before Actuator's cache metrics configuration, so that the provider is consulted before
 * Spring Boot's JCache binder for the caches that exist at start-up.
 */
@AutoConfiguration(after = KadCacheAutoConfiguration.class,
        beforeName = "org.springframework.boot.actuate.autoconfigure.metrics.cache.CacheMetricsAutoConfiguration")
@ConditionalOnClass({MeterBinder.class, CacheMeterBinderProvider.class, JCacheCache.class})
public class KadCacheMetricsAutoConfiguration {

    /** Created by Spring Boot's auto-configuration. */
    public KadCacheMetricsAutoConfiguration() {
    }

    /** @return the binder provider of kad-jcache caches */
    @Bean
    @ConditionalOnMissingBean
    public KadCacheMeterBinderProvider kadCacheMeterBinderProvider() {
        return new KadCacheMeterBinderProvider();
    }
}
