package io.kad.spring.boot;

import io.kad.jcache.KadCache;
import io.kad.jcache.metrics.KadCacheMetrics;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.actuate.metrics.cache.CacheMeterBinderProvider;
import org.springframework.cache.jcache.JCacheCache;
import org.springframework.core.Ordered;

/**
 * Binds the meters of kad-jcache caches ({@link KadCacheMetrics}: hits, misses, puts, removals,
 * evictions, the swarm-wide size, and the node's meters) when Actuator binds the meters of the
 * application's caches. Other providers' caches are left to Spring Boot's own binders.
 *
 * <p>Actuator tags each cache's meters with {@code cache.manager=<Spring cache manager bean name>};
 * that tag is dropped, so the meters keep kad-jcache's {@code cache.manager=<manager URI>}, the
 * namespace that tells apart caches of one name in different managers. Actuator's other tags
 * ({@code name=<cache name>}) are kept.
 */
public class KadCacheMeterBinderProvider implements CacheMeterBinderProvider<JCacheCache>, Ordered {

    private static final String MANAGER_TAG = "cache.manager";

    /** Creates the provider. */
    public KadCacheMeterBinderProvider() {
    }

    @Override
    public MeterBinder getMeterBinder(JCacheCache cache, Iterable<Tag> tags) {
        javax.cache.Cache<Object, Object> nativeCache = cache.getNativeCache();
        if (!isKad(nativeCache)) {
            return null;
        }
        List<Tag> kept = new ArrayList<>();
        for (Tag tag : tags) {
            if (!tag.getKey().equals(MANAGER_TAG)) {
                kept.add(tag);
            }
        }
        return new KadCacheMetrics(nativeCache, kept);
    }

    private static boolean isKad(javax.cache.Cache<?, ?> cache) {
        try {
            cache.unwrap(KadCache.class);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Ahead of Spring Boot's JCache binder, which would otherwise bind kad-jcache caches first. */
    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }
}
