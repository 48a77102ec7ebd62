package io.kad.tck.annotations;

import java.util.List;

import javax.cache.CacheException;
import javax.cache.Caching;
import javax.cache.configuration.MutableConfiguration;

import manager.CacheNameOnEachMethodBlogManagerImpl;
import manager.ClassLevelCacheConfigBlogManagerImpl;
import manager.UsingDefaultCacheNameBlogManagerImpl;

import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.cache.jcache.JCacheCache;
import org.springframework.cache.jcache.JCacheCacheManager;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * Spring set-up for the TCK's annotation tests.
 *
 * <p>{@link EnableCaching} with {@code javax.cache:cache-api} and {@code spring-context-support} on the
 * class path adds Spring's JCache interceptor for {@code @CacheResult}, {@code @CachePut},
 * {@code @CacheRemove} and {@code @CacheRemoveAll}. Class-based proxies are required: the TCK asks for
 * the implementation classes, which also implement {@code manager.BlogManager}, and an interface-based
 * proxy would not be an instance of them.
 *
 * <p>The TCK's annotated classes are imported as beans so that Spring proxies them.
 */
@Configuration(proxyBeanMethods = false)
@EnableCaching(proxyTargetClass = true)
@Import({
        ClassLevelCacheConfigBlogManagerImpl.class,
        UsingDefaultCacheNameBlogManagerImpl.class,
        CacheNameOnEachMethodBlogManagerImpl.class})
public class TckAnnotationsConfiguration {

    /** The TCK's annotated bean classes, as registered here. */
    public static final List<Class<?>> ANNOTATED_BEANS = List.of(
            ClassLevelCacheConfigBlogManagerImpl.class,
            UsingDefaultCacheNameBlogManagerImpl.class,
            CacheNameOnEachMethodBlogManagerImpl.class);

    /**
     * @return the default cache manager of the default caching provider (the provider under test). It
     *         belongs to {@link Caching}, so the context does not close it.
     */
    @Bean(destroyMethod = "")
    public javax.cache.CacheManager jcacheManager() {
        return Caching.getCachingProvider().getCacheManager();
    }

    /**
     * @param jcacheManager the provider's cache manager
     * @return the Spring cache manager the JCache interceptor resolves caches from
     */
    @Bean
    public CacheManager cacheManager(javax.cache.CacheManager jcacheManager) {
        return new CreatingJCacheCacheManager(jcacheManager);
    }

    /**
     * A {@link JCacheCacheManager} that creates a missing cache with a default configuration, as the
     * JSR-107 default {@code CacheResolverFactory} does; Spring's own only finds existing caches. The
     * TCK's beans use caches nobody creates beforehand, one of them under a generated default name.
     */
    static final class CreatingJCacheCacheManager extends JCacheCacheManager {

        CreatingJCacheCacheManager(javax.cache.CacheManager cacheManager) {
            super(cacheManager);
        }

        @Override
        protected Cache getMissingCache(String name) {
            Cache existing = super.getMissingCache(name);
            if (existing != null) {
                return existing;
            }
            javax.cache.CacheManager jcacheManager = getCacheManager();
            javax.cache.Cache<Object, Object> created;
            try {
                created = jcacheManager.createCache(name, new MutableConfiguration<>());
            } catch (CacheException e) {
                // created concurrently in the meantime
                created = jcacheManager.getCache(name);
                if (created == null) {
                    throw e;
                }
            }
            return new JCacheCache(created, isAllowNullValues());
        }
    }
}
