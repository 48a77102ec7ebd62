package io.kad.jcache;

import io.kad.core.KadNode;
import io.kad.core.NodeConfig;
import java.util.function.Function;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.WeakHashMap;
import javax.cache.CacheManager;
import javax.cache.configuration.OptionalFeature;
import javax.cache.spi.CachingProvider;

/**
 * The JSR-107 caching provider of kad-jcache, found by {@code Caching.getCachingProvider()}.
 *
 * <p>It keeps one {@link KadCacheManager} per (URI, class loader); each manager runs one Kademlia
 * node configured from {@code kad.properties} (see {@code CONFIGURATION.md}). Closing the provider
 * closes its managers.
 */
public final class KadCachingProvider implements CachingProvider {

    /** The URI of the default cache manager. */
    public static final URI DEFAULT_URI = URI.create("kad:default");

    private final Map<ClassLoader, Map<URI, KadCacheManager>> managers = new WeakHashMap<>();

    /** Creates the provider; {@link javax.cache.Caching} does this through the service loader. */
    public KadCachingProvider() {
    }

    @Override
    public CacheManager getCacheManager(URI uri, ClassLoader classLoader, Properties properties) {
        return getCacheManager(uri, classLoader, properties, KadNode::start);
    }

    /**
     * Like {@link #getCacheManager(URI, ClassLoader, Properties)}, with the manager's node started by a
     * given factory instead of on UDP: a node over another transport, scheduler and clock, such as a
     * simulated network's, so that caches run in virtual time. The factory is used only when the manager
     * is created; it receives the node configuration resolved from the settings.
     *
     * @param uri the manager's URI, or {@code null} for the default
     * @param classLoader the class loader, or {@code null} for the default
     * @param properties the settings, or {@code null} for none
     * @param nodeFactory starts the node, and joins it to its swarm, from the resolved configuration
     * @return the manager
     */
    public CacheManager getCacheManager(URI uri, ClassLoader classLoader, Properties properties,
                                        Function<NodeConfig, KadNode> nodeFactory) {
        java.util.Objects.requireNonNull(nodeFactory, "nodeFactory");
        URI u = uri == null ? getDefaultURI() : uri;
        ClassLoader loader = classLoader == null ? getDefaultClassLoader() : classLoader;
        Properties props = properties == null ? getDefaultProperties() : properties;
        synchronized (managers) {
            Map<URI, KadCacheManager> byUri = managers.computeIfAbsent(loader, l -> new HashMap<>());
            KadCacheManager manager = byUri.get(u);
            if (manager == null || manager.isClosed()) {
                manager = new KadCacheManager(this, u, loader, props, nodeFactory);
                byUri.put(u, manager);
            }
            return manager;
        }
    }

    @Override
    public ClassLoader getDefaultClassLoader() {
        return getClass().getClassLoader();
    }

    @Override
    public URI getDefaultURI() {
        return DEFAULT_URI;
    }

    @Override
    public Properties getDefaultProperties() {
        return new Properties();
    }

    @Override
    public CacheManager getCacheManager(URI uri, ClassLoader classLoader) {
        return getCacheManager(uri, classLoader, getDefaultProperties());
    }

    @Override
    public CacheManager getCacheManager() {
        return getCacheManager(getDefaultURI(), getDefaultClassLoader());
    }

    @Override
    public void close() {
        List<KadCacheManager> all = new ArrayList<>();
        synchronized (managers) {
            managers.values().forEach(m -> all.addAll(m.values()));
            managers.clear();
        }
        all.forEach(KadCacheManager::close);
    }

    @Override
    public void close(ClassLoader classLoader) {
        ClassLoader loader = classLoader == null ? getDefaultClassLoader() : classLoader;
        List<KadCacheManager> all = new ArrayList<>();
        synchronized (managers) {
            Map<URI, KadCacheManager> byUri = managers.remove(loader);
            if (byUri != null) {
                all.addAll(byUri.values());
            }
        }
        all.forEach(KadCacheManager::close);
    }

    @Override
    public void close(URI uri, ClassLoader classLoader) {
        URI u = uri == null ? getDefaultURI() : uri;
        ClassLoader loader = classLoader == null ? getDefaultClassLoader() : classLoader;
        KadCacheManager manager;
        synchronized (managers) {
            Map<URI, KadCacheManager> byUri = managers.get(loader);
            manager = byUri == null ? null : byUri.remove(u);
            if (byUri != null && byUri.isEmpty()) {
                managers.remove(loader);
            }
        }
        if (manager != null) {
            manager.close();
        }
    }

    @Override
    public boolean isSupported(OptionalFeature optionalFeature) {
        return optionalFeature == OptionalFeature.STORE_BY_REFERENCE;
    }

    /** Forgets a manager that closed itself. */
    void release(KadCacheManager manager) {
        synchronized (managers) {
            Map<URI, KadCacheManager> byUri = managers.get(manager.getClassLoader());
            if (byUri != null && byUri.get(manager.getURI()) == manager) {
                byUri.remove(manager.getURI());
                if (byUri.isEmpty()) {
                    managers.remove(manager.getClassLoader());
                }
            }
        }
    }
}
