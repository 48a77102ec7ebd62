package io.kad.spring.boot;

import io.kad.jcache.KadCacheManager;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.actuate.autoconfigure.health.CompositeHealthContributorConfiguration;
import org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.actuate.health.HealthContributor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Registers a {@link KadHealthIndicator} named {@code kad} for the kad-jcache cache manager (a
 * composite of one indicator per manager when the application has several), when Actuator is on the
 * class path. {@code management.health.kad.enabled=false} switches it off.
 *
 * <p>The Actuator-dependent part is a nested configuration: Spring loads the condition classes of a
 * configuration's annotations before it evaluates any of them, so {@code @ConditionalOnEnabledHealthIndicator}
 * may only appear once {@code @ConditionalOnClass} has found Actuator.
 */
@AutoConfiguration(after = KadCacheAutoConfiguration.class)
@ConditionalOnClass(name = {"org.springframework.boot.actuate.health.HealthContributor",
        "org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator"})
public class KadHealthContributorAutoConfiguration {

    /** Created by Spring Boot's auto-configuration. */
    public KadHealthContributorAutoConfiguration() {
    }

    /** The health contributor, with Actuator on the class path. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnBean(KadCacheManager.class)
    @ConditionalOnEnabledHealthIndicator("kad")
    static class KadHealthContributorConfiguration
            extends CompositeHealthContributorConfiguration<KadHealthIndicator, KadCacheManager> {

        KadHealthContributorConfiguration() {
            super(KadHealthIndicator::new);
        }

        @Bean
        @ConditionalOnMissingBean(name = {"kadHealthIndicator", "kadHealthContributor"})
        HealthContributor kadHealthContributor(ConfigurableListableBeanFactory beanFactory) {
            return createContributor(beanFactory, KadCacheManager.class);
        }
    }
}
