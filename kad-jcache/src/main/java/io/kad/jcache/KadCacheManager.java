package io.kad.jcache;

import io.kad.core.DnsSeeds;
import io.kad.core.KadNode;
import io.kad.core.NodeConfig;
import java.util.function.Function;
import io.kad.jcache.configuration.KadSettings;
import io.kad.jcache.configuration.KadSettings.CacheSettings;
import io.kad.jcache.configuration.KadSettings.ExpirySetting;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.cache.Cache;
import javax.cache.CacheException;
import javax.cache.CacheManager;
import javax.cache.configuration.CompleteConfiguration;
import javax.cache.configuration.Configuration;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.expiry.AccessedExpiryPolicy;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.expiry.Duration;
import javax.cache.expiry.EternalExpiryPolicy;
import javax.cache.expiry.ModifiedExpiryPolicy;
import javax.cache.expiry.TouchedExpiryPolicy;
import javax.cache.spi.CachingProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A JSR-107 cache manager: one Kademlia node, started from the manager's resolved settings, and the
 * caches this application opened on it.
 *
 * <p>Each cache is the record namespace {@code <manager URI>|<cache name>}, so managers with the
 * same URI on different nodes of one swarm share their caches' entries, and caches of one name in
 * managers of different URIs stay apart. A cache named in {@code kad.properties}
 * ({@code kad.cache.<name>.*}) is created on the first {@link #getCache(String)}; with
 * {@code kad.cache.default.*} set, so is a cache of any name, with those settings. Closing the
 * manager closes its caches and its node; the entries stay in the swarm while other nodes hold them.
 */
public final class KadCacheManager implements CacheManager {

    private static final Logger LOG = LoggerFactory.getLogger(KadCacheManager.class);
    private static final AtomicInteger LOADER_THREADS = new AtomicInteger();

    private final KadCachingProvider provider;
    private final URI uri;
    private final ClassLoader classLoader;
    private final Properties properties;
    private final KadSettings settings;
    private final KadNode node;
    private final DnsSeeds dnsSeeds;
    private final ConcurrentMap<String, KadCache<?, ?>> caches = new ConcurrentHashMap<>();
    private final ExecutorService loaderExecutor;
    private volatile boolean closed;

    KadCacheManager(KadCachingProvider provider, URI uri, ClassLoader classLoader, Properties properties,
                    Function<NodeConfig, KadNode> nodeFactory) {
        this.provider = provider;
        this.uri = uri;
        this.classLoader = classLoader;
        this.properties = properties;
        this.settings = KadSettings.resolve(classLoader, uri, properties);
        try {
            this.node = nodeFactory.apply(settings.nodeConfig());
        } catch (IllegalArgumentException e) {
            // a storage tier rejects its settings naming the key
            throw new CacheException("cache manager " + uri + ": bad settings: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new CacheException("cache manager " + uri + ": cannot start its node: " + e, e);
        }
        this.dnsSeeds = DnsSeeds.start(node, settings.dnsSeeds(), settings.dnsSeedInterval());
        ThreadPoolExecutor pool = new ThreadPoolExecutor(0, 4, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                r -> {
                    Thread t = new Thread(r, "kad-jcache-loader-" + LOADER_THREADS.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        this.loaderExecutor = pool;
        LOG.info("cache manager {} started node {} at {}", uri, node.id(), node.address());
    }

    /** @return the node this manager's caches run on */
    public KadNode node() {
        return node;
    }

    /**
     * The caches declared in this manager's settings ({@code kad.cache.<name>.*}), whether or not they
     * were opened yet: {@link #getCache(String)} creates any of them with its declared settings.
     *
     * @return the declared cache names, sorted
     */
    public SortedSet<String> configuredCacheNames() {
        return Collections.unmodifiableSortedSet(new TreeSet<>(settings.caches().keySet()));
    }

    /** @return the resolved settings */
    KadSettings settings() {
        return settings;
    }

    ExecutorService loaderExecutor() {
        return loaderExecutor;
    }

    @Override
    public CachingProvider getCachingProvider() {
        return provider;
    }

    @Override
    public URI getURI() {
        return uri;
    }

    @Override
    public ClassLoader getClassLoader() {
        return classLoader;
    }

    @Override
    public Properties getProperties() {
        return properties;
    }

    @Override
    public <K, V, C extends Configuration<K, V>> Cache<K, V> createCache(String cacheName, C configuration) {
        checkOpen();
        Objects.requireNonNull(cacheName, "cacheName");
        Objects.requireNonNull(configuration, "configuration");
        synchronized (caches) {
            if (caches.containsKey(cacheName)) {
                throw new CacheException("cache " + cacheName + " already exists in cache manager " + uri);
            }
            KadCache<K, V> cache = new KadCache<>(this, cacheName, copyOf(configuration));
            caches.put(cacheName, cache);
            return cache;
        }
    }

    private static <K, V> MutableConfiguration<K, V> copyOf(Configuration<K, V> configuration) {
        if (configuration instanceof CompleteConfiguration<K, V> complete) {
            return new MutableConfiguration<>(complete);
        }
        MutableConfiguration<K, V> copy = new MutableConfiguration<>();
        copy.setTypes(configuration.getKeyType(), configuration.getValueType());
        copy.setStoreByValue(configuration.isStoreByValue());
        return copy;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <K, V> Cache<K, V> getCache(String cacheName, Class<K> keyType, Class<V> valueType) {
        checkOpen();
        Objects.requireNonNull(cacheName, "cacheName");
        Objects.requireNonNull(keyType, "keyType");
        Objects.requireNonNull(valueType, "valueType");
        KadCache<?, ?> cache = lookup(cacheName);
        if (cache == null) {
            return null;
        }
        CompleteConfiguration<?, ?> c = cache.configuration();
        if (c.getKeyType() != keyType) {
            throw new ClassCastException("cache " + cacheName + " has key type " + c.getKeyType().getName()
                    + ", not " + keyType.getName());
        }
        if (c.getValueType() != valueType) {
            throw new ClassCastException("cache " + cacheName + " has value type " + c.getValueType().getName()
                    + ", not " + valueType.getName());
        }
        return (Cache<K, V>) cache;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <K, V> Cache<K, V> getCache(String cacheName) {
        checkOpen();
        Objects.requireNonNull(cacheName, "cacheName");
        return (Cache<K, V>) lookup(cacheName);
    }

    private KadCache<?, ?> lookup(String cacheName) {
        KadCache<?, ?> cache = caches.get(cacheName);
        if (cache != null) {
            return cache;
        }
        CacheSettings configured = settings.cacheSettings(cacheName);
        if (configured == null) {
            return null;
        }
        synchronized (caches) {
            cache = caches.get(cacheName);
            if (cache == null) {
                cache = new KadCache<>(this, cacheName, configurationOf(configured));
                caches.put(cacheName, cache);
            }
            return cache;
        }
    }

    private MutableConfiguration<Object, Object> configurationOf(CacheSettings s) {
        MutableConfiguration<Object, Object> c = new MutableConfiguration<>();
        @SuppressWarnings("unchecked")
        Class<Object> keyType = (Class<Object>) typeOf(s.name(), "key-type", s.keyType());
        @SuppressWarnings("unchecked")
        Class<Object> valueType = (Class<Object>) typeOf(s.name(), "value-type", s.valueType());
        c.setTypes(keyType, valueType);
        if (s.storeByValue() != null) {
            c.setStoreByValue(s.storeByValue());
        }
        if (s.statistics() != null) {
            c.setStatisticsEnabled(s.statistics());
        }
        if (s.management() != null) {
            c.setManagementEnabled(s.management());
        }
        ExpirySetting e = s.expiry();
        if (e != null) {
            if (e.kind().equals("eternal")) {
                c.setExpiryPolicyFactory(EternalExpiryPolicy.factoryOf());
            } else {
                Duration d = new Duration(TimeUnit.MILLISECONDS, e.duration().toMillis());
                c.setExpiryPolicyFactory(switch (e.kind()) {
                    case "created" -> CreatedExpiryPolicy.factoryOf(d);
                    case "accessed" -> AccessedExpiryPolicy.factoryOf(d);
                    case "touched" -> TouchedExpiryPolicy.factoryOf(d);
                    default -> ModifiedExpiryPolicy.factoryOf(d);
                });
            }
        }
        return c;
    }

    private Class<?> typeOf(String cache, String suffix, String className) {
        if (className == null) {
            return Object.class;
        }
        try {
            return Class.forName(className, false, classLoader);
        } catch (ClassNotFoundException | LinkageError e) {
            throw settings.badCacheSetting(cache, suffix, "class not found by the cache manager's class loader");
        }
    }

    @Override
    public Iterable<String> getCacheNames() {
        checkOpen();
        return Collections.unmodifiableSet(new LinkedHashSet<>(caches.keySet()));
    }

    @Override
    public void destroyCache(String cacheName) {
        checkOpen();
        Objects.requireNonNull(cacheName, "cacheName");
        KadCache<?, ?> cache;
        synchronized (caches) {
            cache = caches.remove(cacheName);
        }
        if (cache != null) {
            try {
                cache.clear();
            } finally {
                cache.close();
            }
        } else {
            // not open here, but other nodes may have filled it
            EntryOperations.clear(node.records(), uri + "|" + cacheName, cacheName);
        }
    }

    @Override
    public void enableManagement(String cacheName, boolean enabled) {
        checkOpen();
        Objects.requireNonNull(cacheName, "cacheName");
        KadCache<?, ?> cache = caches.get(cacheName);
        if (cache != null) {
            cache.setManagementEnabled(enabled);
        }
    }

    @Override
    public void enableStatistics(String cacheName, boolean enabled) {
        checkOpen();
        Objects.requireNonNull(cacheName, "cacheName");
        KadCache<?, ?> cache = caches.get(cacheName);
        if (cache != null) {
            cache.setStatisticsEnabled(enabled);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        provider.release(this);
        List<KadCache<?, ?>> open = new ArrayList<>(caches.values());
        caches.clear();
        for (KadCache<?, ?> cache : open) {
            try {
                cache.close();
            } catch (RuntimeException e) {
                LOG.warn("closing cache {} of {} failed", cache.getName(), uri, e);
            }
        }
        loaderExecutor.shutdown();
        dnsSeeds.close();
        node.close();
        LOG.info("cache manager {} closed", uri);
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public <T> T unwrap(Class<T> clazz) {
        if (clazz.isAssignableFrom(getClass())) {
            return clazz.cast(this);
        }
        throw new IllegalArgumentException("cannot unwrap cache manager " + uri + " to " + clazz.getName());
    }

    /** Forgets a cache that closed itself. */
    void release(KadCache<?, ?> cache) {
        caches.remove(cache.getName(), cache);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("cache manager " + uri + " is closed");
        }
    }

    @Override
    public String toString() {
        return "KadCacheManager[" + uri + ", node " + node.id() + " at " + node.address() + "]";
    }
}
