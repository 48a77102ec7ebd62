package io.kad.spring.boot;

import io.kad.jcache.KadCacheManager;
import io.kad.jcache.KadCachingProvider;
import java.io.IOException;
import java.net.URI;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Properties;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.Configuration;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.spi.CachingProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.BeanClassLoaderAware;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.cache.CacheAutoConfiguration;
import org.springframework.boot.autoconfigure.cache.CacheProperties;
import org.springframework.boot.autoconfigure.cache.JCacheManagerCustomizer;
import org.springframework.boot.autoconfigure.cache.JCachePropertiesCustomizer;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cache.jcache.JCacheCacheManager;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.core.io.Resource;

/**
 * Makes kad-jcache the application's JCache cache manager, and so (with {@code @EnableCaching}) the
 * store behind Spring's {@code @Cacheable}: Spring Boot's JCache support takes a
 * {@code javax.cache.CacheManager} bean when there is one, so neither {@code spring.cache.type} nor
 * {@code spring.cache.jcache.provider} needs to be set.
 *
 * <p>The cache manager bean, a {@link KadCacheManager}:
 * <ul>
 *   <li>is created by {@link KadCachingProvider} with the application's bean class loader and the
 *       resource of {@code spring.cache.jcache.config} as its URI (a {@code kad.properties}-style file;
 *       without one, the provider's default URI and the class path root {@code kad.properties});</li>
 *   <li>gets every {@code kad.*} property of the Spring environment, which win over the files
 *       (operating-system environment variables only where a placeholder names them, such as
 *       {@code kad.seeds=${KAD_SEEDS:}}; an empty value is no value), then what the
 *       {@link JCachePropertiesCustomizer} beans add;</li>
 *   <li>opens every cache declared in its settings ({@code kad.cache.<name>.*}) at start-up, so that
 *       Spring lists them ({@code /actuator/caches}) and Actuator binds their metrics;</li>
 *   <li>creates the caches of {@code spring.cache.cache-names}: one declared in the settings keeps its
 *       declared configuration (statistics, expiry...), any other gets the application's
 *       {@code javax.cache.configuration.Configuration} bean if it has one, else what the provider
 *       gives a cache opened by name where its settings say (defaults for every cache, in provider
 *       versions that have them), else JCache's defaults;</li>
 *   <li>is then handed to the {@link JCacheManagerCustomizer} beans, and closed (with its node) when the
 *       application context closes.</li>
 * </ul>
 * It backs off when the application defines its own {@code javax.cache.CacheManager}, when
 * {@code spring.cache.type} names another cache type, or {@code spring.cache.jcache.provider} another
 * provider.
 */
@AutoConfiguration(before = CacheAutoConfiguration.class)
@ConditionalOnClass({Caching.class, KadCachingProvider.class, JCacheCacheManager.class})
@ConditionalOnMissingBean(CacheManager.class)
@ConditionalOnProperty(name = "spring.cache.type", havingValue = "jcache", matchIfMissing = true)
@EnableConfigurationProperties(CacheProperties.class)
public class KadCacheAutoConfiguration implements BeanClassLoaderAware {

    private static final Logger LOG = LoggerFactory.getLogger(KadCacheAutoConfiguration.class);

    private ClassLoader beanClassLoader;

    /** Created by Spring Boot's auto-configuration. */
    public KadCacheAutoConfiguration() {
    }

    @Override
    public void setBeanClassLoader(ClassLoader classLoader) {
        this.beanClassLoader = classLoader;
    }

    /**
     * The kad-jcache cache manager: one Kademlia node and its caches.
     *
     * @param environment the environment holding the {@code kad.*} settings
     * @param cacheProperties Spring Boot's {@code spring.cache.*} settings
     * @param defaultCacheConfiguration the configuration of caches named in
     *     {@code spring.cache.cache-names} and not declared in the kad settings
     * @param propertiesCustomizers customizers of the properties given to the provider
     * @param managerCustomizers customizers of the created cache manager
     * @return the cache manager
     * @throws IOException if the resource of {@code spring.cache.jcache.config} has no URI
     */
    @Bean
    @ConditionalOnProperty(name = "spring.cache.jcache.provider", havingValue = "io.kad.jcache.KadCachingProvider",
            matchIfMissing = true)
    public KadCacheManager kadCacheManager(Environment environment, CacheProperties cacheProperties,
                                           ObjectProvider<Configuration<?, ?>> defaultCacheConfiguration,
                                           ObjectProvider<JCachePropertiesCustomizer> propertiesCustomizers,
                                           ObjectProvider<JCacheManagerCustomizer> managerCustomizers)
            throws IOException {
        Properties properties = EnvironmentKadProperties.of(environment);
        propertiesCustomizers.orderedStream().forEach(c -> c.customize(properties));
        Resource config = cacheProperties.resolveConfigLocation(cacheProperties.getJcache().getConfig());
        URI uri = config == null ? null : config.getURI();
        CachingProvider provider = Caching.getCachingProvider(KadCachingProvider.class.getName(), beanClassLoader);
        KadCacheManager manager = provider.getCacheManager(uri, beanClassLoader, properties)
                .unwrap(KadCacheManager.class);
        if (manager.getProperties() != properties) {
            // the provider keeps one manager per (URI, class loader): another context of this class loader opened it
            LOG.warn("kad-jcache cache manager {} was already open in this class loader (another application context?):"
                    + " this context shares it, with its settings, and closes it when it closes", manager.getURI());
        }
        try {
            for (String name : manager.configuredCacheNames()) {
                manager.getCache(name);
            }
            createNamedCaches(manager, cacheProperties.getCacheNames(), defaultCacheConfiguration);
            managerCustomizers.orderedStream().forEach(c -> c.customize(manager));
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
        LOG.info("kad-jcache cache manager {} on node {} with caches {}", manager.getURI(), manager.node().address(),
                manager.getCacheNames());
        return manager;
    }

    private static void createNamedCaches(KadCacheManager manager, List<String> names,
                                          ObjectProvider<Configuration<?, ?>> defaultCacheConfiguration) {
        for (String name : new LinkedHashSet<>(names)) {
            if (manager.configuredCacheNames().contains(name)) {
                // opened above with its declared settings, which JCache's createCache would drop
                continue;
            }
            Configuration<?, ?> applicationDefault = defaultCacheConfiguration.getIfAvailable();
            if (applicationDefault != null) {
                manager.createCache(name, applicationDefault);
            } else if (manager.getCache(name) == null) {
                // without the application's configuration, the provider's own defaults for a cache opened by name
                // apply where the settings have any; otherwise JCache's
                manager.createCache(name, new MutableConfiguration<>());
            }
        }
    }
}
