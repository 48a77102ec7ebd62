package io.kad.tck.annotations;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;

import java.util.Iterator;
import java.util.ServiceLoader;

import javax.cache.Cache;
import javax.cache.Caching;
import javax.cache.annotation.BeanProvider;

import domain.Blog;
import manager.BlogManager;
import manager.CacheNameOnEachMethodBlogManagerImpl;

import org.junit.Test;
import org.springframework.aop.Advisor;
import org.springframework.aop.framework.Advised;
import org.springframework.aop.support.AopUtils;
import org.springframework.cache.jcache.interceptor.JCacheInterceptor;

/**
 * Guards the tck-annotations run against passing vacuously: the TCK's annotation tests are skipped
 * (and reported as passed) when no {@link BeanProvider} is found, and would test nothing if the beans
 * served were plain objects. Checks that the TCK finds {@link SpringBeanProvider}, that the beans it
 * serves are Spring AOP proxies advised by the JCache interceptor, that a cached result ends up in a
 * cache of the provider under test, and that a cached null result reads back.
 */
public class SpringBeanProviderTest {

    /** Loads the SPI exactly as {@code org.jsr107.tck.annotation.AbstractInterceptionTest} does. */
    private static BeanProvider tckBeanProvider() {
        Iterator<BeanProvider> it = ServiceLoader.load(BeanProvider.class).iterator();
        return it.hasNext() ? it.next() : null;
    }

    @Test
    public void theTckFindsThisBeanProvider() {
        BeanProvider provider = tckBeanProvider();
        assertNotNull("no javax.cache.annotation.BeanProvider on the class path: the TCK would skip its tests",
                provider);
        assertTrue("the TCK would use " + provider.getClass().getName(), provider instanceof SpringBeanProvider);
    }

    @Test
    public void servedBeansAreCachingProxies() {
        BeanProvider provider = tckBeanProvider();
        assertNotNull(provider);
        for (Class<?> type : TckAnnotationsConfiguration.ANNOTATED_BEANS) {
            Object bean = provider.getBeanByType(type);
            assertNotNull(type.getName(), bean);
            assertTrue(type.getName() + " is not an AOP proxy: " + bean.getClass().getName(),
                    AopUtils.isAopProxy(bean));
            assertTrue(type.getName() + " is not a class-based proxy", AopUtils.isCglibProxy(bean));
            assertTrue(type.isInstance(bean));
            assertTrue(hasJCacheInterceptor((Advised) bean));
            assertSame("one context for all lookups", bean, provider.getBeanByType(type));
        }
    }

    @Test
    public void cachedResultIsStoredInTheProvidersCache() {
        BlogManager blogManager = tckBeanProvider().getBeanByType(CacheNameOnEachMethodBlogManagerImpl.class);
        String title = "proxy check " + System.nanoTime();
        String body = "body of " + title;
        blogManager.createEntry(new Blog(title, body));
        try {
            assertEquals(body, blogManager.getEntryCached(title).getBody());

            // the cache named by @CacheResult(cacheName = "blogManager"), as the provider under test holds it
            Cache<Object, Object> cache = Caching.getCachingProvider().getCacheManager().getCache("blogManager");
            assertNotNull("@CacheResult did not create cache blogManager in the provider", cache);
            String expectedManager = System.getProperty("javax.cache.CacheManager");
            if (expectedManager != null) {
                assertEquals(expectedManager, cache.getCacheManager().getClass().getName());
            }
            assertTrue("cached result not found in the provider's cache", containsBlogWithBody(cache, body));

            // gone from the backing map: the cached value is still returned
            blogManager.clearEntry(title);
            assertNull(blogManager.getEntryRaw(title));
            assertEquals(body, blogManager.getEntryCached(title).getBody());

            // @CacheRemove removes it from the provider's cache
            blogManager.clearEntryFromCache(title);
            assertFalse(containsBlogWithBody(cache, body));
        } finally {
            blogManager.clearEntry(title);
            blogManager.clearCache();
        }
    }

    @Test
    public void cachedNullResultIsReturnedAsNull() {
        BlogManager blogManager = tckBeanProvider().getBeanByType(CacheNameOnEachMethodBlogManagerImpl.class);
        String title = "absent " + System.nanoTime();
        try {
            // caches Spring's null marker in the provider's cache, where it has to be read back
            assertNull(blogManager.getEntryCached(title));
            blogManager.createEntry(new Blog(title, "created after the null result was cached"));
            assertNull("the cached null result is returned", blogManager.getEntryCached(title));
        } finally {
            blogManager.clearEntry(title);
            blogManager.clearCache();
        }
    }

    private static boolean hasJCacheInterceptor(Advised advised) {
        for (Advisor advisor : advised.getAdvisors()) {
            if (advisor.getAdvice() instanceof JCacheInterceptor) {
                return true;
            }
        }
        return false;
    }

    private static boolean containsBlogWithBody(Cache<Object, Object> cache, String body) {
        for (Cache.Entry<Object, Object> entry : cache) {
            if (entry.getValue() instanceof Blog blog && body.equals(blog.getBody())) {
                return true;
            }
        }
        return false;
    }
}
