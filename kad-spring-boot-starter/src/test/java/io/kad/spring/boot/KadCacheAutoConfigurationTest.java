package io.kad.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.kad.jcache.KadCacheManager;
import io.kad.jcache.KadCachingProvider;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.cache.configuration.CompleteConfiguration;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.expiry.CreatedExpiryPolicy;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.autoconfigure.cache.CacheAutoConfiguration;
import org.springframework.boot.autoconfigure.cache.JCacheManagerCustomizer;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cache.CacheManager;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.cache.concurrent.ConcurrentMapCacheManager;
import org.springframework.cache.jcache.JCacheCacheManager;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.SystemEnvironmentPropertySource;

class KadCacheAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(KadCacheAutoConfiguration.class, CacheAutoConfiguration.class))
            .withUserConfiguration(CachingApplication.class)
            .withPropertyValues("kad.host=127.0.0.1", "kad.port=0");

    @Configuration(proxyBeanMethods = false)
    @EnableCaching
    static class CachingApplication {
        @Bean
        Squares squares() {
            return new Squares();
        }
    }

    static class Squares {
        private final AtomicInteger computed = new AtomicInteger();

        /** @return how often a square was computed (a method: the caching proxy does not share fields) */
        public int computed() {
            return computed.get();
        }

        @Cacheable("squares")
        public Integer square(Integer n) {
            computed.incrementAndGet();
            return n * n;
        }
    }

    private static KadCacheManager kad(org.springframework.context.ApplicationContext context) {
        return context.getBean(javax.cache.CacheManager.class).unwrap(KadCacheManager.class);
    }

    @Test
    void kadIsSpringsCacheManagerWithoutAnySpringCacheSetting() {
        runner.run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).hasSingleBean(KadCacheManager.class);
            assertThat(context.getBean(CacheManager.class)).isInstanceOf(JCacheCacheManager.class);
            JCacheCacheManager spring = (JCacheCacheManager) context.getBean(CacheManager.class);
            assertThat(spring.getCacheManager()).isSameAs(context.getBean(KadCacheManager.class));
            assertThat(spring.getCacheManager().getCachingProvider()).isInstanceOf(KadCachingProvider.class);
            assertThat(kad(context).getURI()).isEqualTo(KadCachingProvider.DEFAULT_URI);
        });
    }

    @Test
    void cacheableMethodsAreCachedInKad() {
        runner.withPropertyValues("kad.cache.squares.statistics=true").run(context -> {
            Squares squares = context.getBean(Squares.class);
            assertThat(squares.square(7)).isEqualTo(49);
            assertThat(squares.square(7)).isEqualTo(49);
            assertThat(squares.computed()).isEqualTo(1);
            assertThat(kad(context).getCache("squares").get(7)).isEqualTo(49);
        });
    }

    @Test
    void kadPropertiesOfTheEnvironmentReachTheNode() {
        runner.withPropertyValues("kad.operation-timeout-ms=1234", "kad.replication=2",
                        "kad.cache.orders.v1.expiry=created:1h")
                .run(context -> {
                    KadCacheManager kad = kad(context);
                    assertThat(kad.node().config().operationTimeout()).isEqualTo(Duration.ofMillis(1234));
                    assertThat(kad.node().config().replication()).isEqualTo(2);
                    assertThat(kad.node().address().getAddress().getHostAddress()).isEqualTo("127.0.0.1");
                    @SuppressWarnings("unchecked")
                    CompleteConfiguration<Object, Object> c = kad.getCache("orders.v1")
                            .getConfiguration(CompleteConfiguration.class);
                    assertThat(c.getExpiryPolicyFactory().create().getExpiryForCreation().getDurationAmount())
                            .isEqualTo(TimeUnit.HOURS.toMillis(1));
                });
    }

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration(KadCacheAutoConfiguration.class)
    static class YamlApplication {
    }

    @Test
    void kadSettingsAreReadFromApplicationYaml() {
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(YamlApplication.class)
                .web(WebApplicationType.NONE)
                .properties("spring.config.name=kad-yaml-test", "spring.main.banner-mode=off")
                .run()) {
            KadCacheManager kad = kad(context);
            assertThat(kad.node().config().operationTimeout()).isEqualTo(Duration.ofMillis(3456));
            assertThat(kad.getCacheNames()).containsExactly("demo.Book");
            @SuppressWarnings("unchecked")
            CompleteConfiguration<Object, Object> book = kad.getCache("demo.Book")
                    .getConfiguration(CompleteConfiguration.class);
            assertThat(book.isStatisticsEnabled()).isTrue();
            assertThat(book.getExpiryPolicyFactory().create().getExpiryForCreation().getDurationAmount())
                    .isEqualTo(TimeUnit.MINUTES.toMillis(5));
        }
    }

    @Test
    void theCommandLineWinsOverApplicationYaml() {
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(YamlApplication.class)
                .web(WebApplicationType.NONE)
                .properties("spring.config.name=kad-yaml-test", "spring.main.banner-mode=off")
                .run("--kad.operation-timeout-ms=4567")) {
            assertThat(kad(context).node().config().operationTimeout()).isEqualTo(Duration.ofMillis(4567));
        }
    }

    @Test
    void anUnresolvablePlaceholderFailsTheStart() {
        runner.withPropertyValues("kad.seeds=${NO_SUCH_VARIABLE}").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).hasStackTraceContaining("NO_SUCH_VARIABLE");
        });
    }

    @Test
    void environmentVariablesReachTheNodeThroughPlaceholders() {
        runner.withInitializer(context -> context.getEnvironment().getPropertySources().addFirst(
                        new SystemEnvironmentPropertySource("test-environment", Map.of("KAD_TIMEOUT", "2345"))))
                .withPropertyValues("kad.operation-timeout-ms=${KAD_TIMEOUT:5000}", "kad.seeds=${KAD_SEEDS:}")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    KadCacheManager kad = kad(context);
                    assertThat(kad.node().config().operationTimeout()).isEqualTo(Duration.ofMillis(2345));
                    // an empty value is no value: no seeds
                    assertThat(kad.node().config().seeds()).isEmpty();
                });
    }

    @Test
    void kubernetesServiceVariablesNamedKadAreNotTakenForSettings() {
        runner.withInitializer(context -> context.getEnvironment().getPropertySources().addFirst(
                        new SystemEnvironmentPropertySource("test-environment", Map.of(
                                "KAD_PORT", "udp://10.96.0.5:4000", "KAD_SERVICE_HOST", "10.96.0.5"))))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(kad(context).node().config().port()).isZero();
                });
    }

    @Test
    void anUnknownKadKeyFailsTheStartNamingTheKey() {
        runner.withPropertyValues("kad.no-such-setting=1").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("kad.no-such-setting");
        });
    }

    @Test
    void cachesDeclaredInTheConfigFileExistAtStartUp() {
        runner.withPropertyValues("spring.cache.jcache.config=classpath:kad-starter-test.properties").run(context -> {
            KadCacheManager kad = kad(context);
            assertThat(kad.getURI().toString()).endsWith("kad-starter-test.properties");
            assertThat(kad.getCacheNames()).containsExactlyInAnyOrder("authors", "books");
            assertThat(context.getBean(CacheManager.class).getCacheNames()).contains("authors", "books");
        });
    }

    @Test
    void springCacheNamesKeepTheSettingsOfADeclaredCache() {
        runner.withPropertyValues("spring.cache.jcache.config=classpath:kad-starter-test.properties",
                        "spring.cache.cache-names=books,plain")
                .run(context -> {
                    KadCacheManager kad = kad(context);
                    @SuppressWarnings("unchecked")
                    CompleteConfiguration<Object, Object> books = kad.getCache("books")
                            .getConfiguration(CompleteConfiguration.class);
                    assertThat(books.isStatisticsEnabled()).isTrue();
                    assertThat(books.getExpiryPolicyFactory().create().getExpiryForAccess().getDurationAmount())
                            .isEqualTo(TimeUnit.MINUTES.toMillis(30));
                    @SuppressWarnings("unchecked")
                    CompleteConfiguration<Object, Object> plain = kad.getCache("plain")
                            .getConfiguration(CompleteConfiguration.class);
                    assertThat(plain.isStatisticsEnabled()).isFalse();
                    assertThat(context.getBean(CacheManager.class).getCacheNames())
                            .contains("authors", "books", "plain");
                });
    }

    @Test
    void undeclaredCacheNamesGetTheApplicationsDefaultConfiguration() {
        runner.withPropertyValues("spring.cache.cache-names=plain")
                .withBean(javax.cache.configuration.Configuration.class, () -> new MutableConfiguration<>()
                        .setStatisticsEnabled(true)
                        .setExpiryPolicyFactory(CreatedExpiryPolicy.factoryOf(javax.cache.expiry.Duration.ONE_MINUTE)))
                .run(context -> {
                    @SuppressWarnings("unchecked")
                    CompleteConfiguration<Object, Object> plain = kad(context).getCache("plain")
                            .getConfiguration(CompleteConfiguration.class);
                    assertThat(plain.isStatisticsEnabled()).isTrue();
                });
    }

    @Test
    void customizersSeeTheManager() {
        runner.withBean(JCacheManagerCustomizer.class, () -> m -> m.createCache("made-by-customizer",
                        new MutableConfiguration<>()))
                .run(context -> assertThat(context.getBean(CacheManager.class).getCacheNames())
                        .contains("made-by-customizer"));
    }

    @Test
    void theNodeClosesWithTheContext() {
        KadCacheManager[] kept = new KadCacheManager[1];
        runner.run(context -> kept[0] = kad(context));
        assertThat(kept[0].isClosed()).isTrue();
    }

    @Test
    void healthAndMetricsNeedActuatorButTheCacheManagerDoesNot() {
        ApplicationContextRunner all = runner.withConfiguration(AutoConfigurations.of(
                KadCacheMetricsAutoConfiguration.class, KadHealthContributorAutoConfiguration.class));
        all.run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).hasBean("kadHealthContributor");
            assertThat(context).hasSingleBean(KadCacheMeterBinderProvider.class);
        });
        // without the caching application, whose class-based proxy cannot be defined in the filtering loader
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(KadCacheAutoConfiguration.class,
                        KadCacheMetricsAutoConfiguration.class, KadHealthContributorAutoConfiguration.class))
                .withPropertyValues("kad.host=127.0.0.1", "kad.port=0")
                .withClassLoader(new FilteredClassLoader("org.springframework.boot.actuate")).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).hasSingleBean(KadCacheManager.class);
            assertThat(context).doesNotHaveBean("kadHealthContributor");
            assertThat(context).doesNotHaveBean(KadCacheMeterBinderProvider.class);
        });
        all.withPropertyValues("management.health.kad.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean("kadHealthContributor"));
    }

    @Test
    void backsOffForAnotherCacheType() {
        runner.withPropertyValues("spring.cache.type=simple").run(context -> {
            assertThat(context).doesNotHaveBean(KadCacheManager.class);
            assertThat(context.getBean(CacheManager.class)).isInstanceOf(ConcurrentMapCacheManager.class);
        });
    }

    @Test
    void backsOffForAnotherJCacheProvider() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(KadCacheAutoConfiguration.class))
                .withPropertyValues("spring.cache.jcache.provider=com.example.OtherProvider")
                .run(context -> assertThat(context).doesNotHaveBean(KadCacheManager.class));
    }

    @Test
    void backsOffForTheApplicationsOwnJCacheManager() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(KadCacheAutoConfiguration.class))
                .withBean("ownManager", javax.cache.CacheManager.class,
                        () -> javax.cache.Caching.getCachingProvider(KadCachingProvider.class.getName())
                                .getCacheManager(java.net.URI.create("kad:own-manager"), getClass().getClassLoader()))
                .run(context -> {
                    assertThat(context).hasSingleBean(javax.cache.CacheManager.class);
                    assertThat(context.getBean(javax.cache.CacheManager.class).getURI())
                            .hasToString("kad:own-manager");
                });
    }
}
