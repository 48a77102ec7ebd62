package io.kad.jcache.swarm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kad.core.KadNode;
import io.kad.core.id.Contact;
import io.kad.jcache.KadCacheManager;
import io.kad.jcache.KadCachingProvider;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.MutableConfiguration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A bulk write of values near {@code kad.max-value-bytes} between two nodes over loopback UDP: the
 * values it has under way stay within what the nodes' transfers take at once, so no transfer is refused
 * (a refused one waits out an RPC timeout before it is tried again). The limit is set low so that 64
 * values are many times that bound.
 */
class BulkLargeValuesTest {

    private static final int LIMIT = 64 * 1024;
    private static final int ENTRIES = 64;

    private final URI uri = URI.create("kad:bulk-large-" + UUID.randomUUID());
    private final URLClassLoader firstLoader = new URLClassLoader(new URL[0], getClass().getClassLoader());
    private final URLClassLoader secondLoader = new URLClassLoader(new URL[0], getClass().getClassLoader());
    private CacheManager first;
    private CacheManager second;

    @AfterEach
    void close() throws Exception {
        for (CacheManager m : new CacheManager[] {second, first}) {
            if (m != null) {
                m.close();
            }
        }
        firstLoader.close();
        secondLoader.close();
    }

    private CacheManager manager(URLClassLoader loader, InetSocketAddress seed) {
        Properties p = new Properties();
        p.setProperty("kad.host", "127.0.0.1");
        p.setProperty("kad.replication", "2");
        p.setProperty("kad.max-value-bytes", Integer.toString(LIMIT));
        if (seed != null) {
            p.setProperty("kad.seeds", seed.getHostString() + ":" + seed.getPort());
        }
        return Caching.getCachingProvider(KadCachingProvider.class.getName()).getCacheManager(uri, loader, p);
    }

    private static Cache<Integer, byte[]> cache(CacheManager m) {
        return m.createCache("bulk", new MutableConfiguration<Integer, byte[]>().setTypes(Integer.class, byte[].class));
    }

    private static KadNode node(CacheManager m) {
        return m.unwrap(KadCacheManager.class).node();
    }

    @Test
    void putAllOfManyValuesNearTheLimitHasNoTransferRefused() {
        first = manager(firstLoader, null);
        second = manager(secondLoader, node(first).address());
        await().atMost(Duration.ofSeconds(10)).until(() -> node(first).peers().stream().anyMatch(Contact::speaksRecords)
                && node(second).peers().stream().anyMatch(Contact::speaksRecords));
        Cache<Integer, byte[]> writer = cache(first);
        Cache<Integer, byte[]> reader = cache(second);
        Map<Integer, byte[]> entries = new LinkedHashMap<>();
        Random random = new Random(64);
        for (int i = 0; i < ENTRIES; i++) {
            byte[] v = new byte[LIMIT - 1]; // the codec's tag makes the record's value LIMIT bytes
            random.nextBytes(v);
            entries.put(i, v);
        }

        writer.putAll(entries);

        for (CacheManager m : new CacheManager[] {first, second}) {
            assertThat(node(m).stats().transfersDropped()).as("transfers refused or dropped by %s", node(m))
                    .isZero();
        }
        assertThat(node(first).stats().fragmentsSent()).as("values travelled as transfers").isPositive();
        Map<Integer, byte[]> read = reader.getAll(entries.keySet());
        assertThat(read).hasSize(ENTRIES);
        entries.forEach((k, v) -> assertThat(read.get(k)).as("value %d", k).isEqualTo(v));
    }
}
