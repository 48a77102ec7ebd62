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

/**
 * Registers a {@link KadHealthIndicator} named {@code kad} for the kad-jcache cache manager (a
 * composite of one indicator per manager when the application has several), when Actuator is on the
 * class path. {@code management.health.kad.enabled=false} switches it off.
 */
@AutoConfiguration(after = KadCacheAutoConfiguration.class)
@ConditionalOnClass({HealthContributor.class, ConditionalOnEnabledHealthIndicator.class})
@ConditionalOnBean(KadCacheManager.class)
@ConditionalOnEnabledHealthIndicator("kad")
public class KadHealthContributorAutoConfiguration
        extends CompositeHealthContributorConfiguration<KadHealthIndicator, KadCacheManager> {

    /** Created by Spring Boot's auto-configuration. */
    public KadHealthContributorAutoConfiguration() {
        super(KadHealthIndicator::new);
    }

    /**
     * @param beanFactory the bean factory holding the cache managers
     * @return the health contributor of the kad-jcache cache managers
     */
    @Bean
    @ConditionalOnMissingBean(name = {"kadHealthIndicator", "kadHealthContributor"})
    public HealthContributor kadHealthContributor(ConfigurableListableBeanFactory beanFactory) {
        return createContributor(beanFactory, KadCacheManager.class);
    }
}
