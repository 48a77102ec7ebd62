package io.kad.jcache;

import static org.awaitility.Awaitility.await;

import io.kad.core.KadNode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.time.Duration;
import java.util.Properties;
import java.util.UUID;
import javax.cache.CacheManager;

/**
 * Two cache managers of one URI in one JVM, each with its own node (the second has its own class
 * loader, so the provider gives it a manager of its own), the second seeded by the first: a swarm of
 * two whose caches of one name share their entries.
 */
final class TwoNodeSwarm implements AutoCloseable {

    final URI uri;
    final CacheManager first;
    final CacheManager second;
    private final URLClassLoader secondLoader;

    /** @param name a prefix of the managers' URI */
    TwoNodeSwarm(String name) {
        uri = URI.create("kad:" + name + "-" + UUID.randomUUID());
        ClassLoader loader = TwoNodeSwarm.class.getClassLoader();
        first = TestManagers.provider().getCacheManager(uri, loader, new Properties());
        secondLoader = new URLClassLoader(new URL[0], loader);
        second = TestManagers.provider().getCacheManager(uri, secondLoader, seededBy(first));
    }

    private static Properties seededBy(CacheManager manager) {
        InetSocketAddress a = node(manager).address();
        Properties p = new Properties();
        p.setProperty("kad.seeds", a.getHostString() + ":" + a.getPort());
        return p;
    }

    private static KadNode node(CacheManager manager) {
        return manager.unwrap(KadCacheManager.class).node();
    }

    /** Waits until each node knows the other. */
    void awaitPeers() {
        await().atMost(Duration.ofSeconds(10)).until(() ->
                !node(first).peers().isEmpty() && !node(second).peers().isEmpty());
    }

    /**
     * @return the record reads both nodes served to the other (a read of a key a node owns itself is
     *     dispatched in-process and not counted)
     */
    long readsServed() {
        return node(first).stats().recordReads() + node(second).stats().recordReads();
    }

    @Override
    public void close() throws IOException {
        second.close();
        first.close();
        secondLoader.close();
    }
}
