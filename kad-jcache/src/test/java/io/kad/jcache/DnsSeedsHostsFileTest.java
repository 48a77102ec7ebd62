package io.kad.jcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.kad.core.KadNode;
import io.kad.core.NodeConfig;
import io.kad.core.id.Contact;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import javax.cache.Cache;
import javax.cache.CacheException;
import javax.cache.CacheManager;
import javax.cache.configuration.MutableConfiguration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code kad.seeds=dns:<name>:<port>} without a DNS server: the JDK reads names from the hosts file given
 * by {@code -Djdk.net.hosts.file}, which lists four loopback addresses for {@code kad-swarm.test}. That
 * property counts only if set before the JDK's name service is first used, so this class runs in a JVM of
 * its own (the {@code dns-hosts-file} execution of surefire in the pom); anywhere else it is skipped.
 */
class DnsSeedsHostsFileTest {

    private static final String NAME = "kad-swarm.test";

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    @Test
    void aManagerJoinsEveryNodeBehindTheNameAndLaterOnesToo() throws Exception {
        assumeTrue(System.getProperty("jdk.net.hosts.file") != null, "needs -Djdk.net.hosts.file");
        assertThat(InetAddress.getAllByName(NAME)).hasSize(4);

        // every node behind the name serves on the same port, as a StatefulSet's pods do
        int port = -1;
        KadNode first = null;
        for (int attempt = 0; attempt < 5 && first == null; attempt++) {
            port = freePort();
            try {
                first = KadNode.start(NodeConfig.builder().host("127.0.0.2").port(port).build());
            } catch (UncheckedIOException e) {
                // the probed port was taken meanwhile: probe again
            }
        }
        assertThat(first).as("a node on 127.0.0.2").isNotNull();
        open.add(first);
        KadNode second = KadNode.start(NodeConfig.builder().host("127.0.0.3").port(port).build());
        open.add(second);

        Properties p = new Properties();
        p.setProperty("kad.host", "127.0.0.4");
        p.setProperty("kad.port", Integer.toString(port));
        p.setProperty("kad.seeds", "dns:" + NAME + ":" + port);
        p.setProperty("kad.seeds.interval-ms", "200");
        CacheManager manager = TestManagers.fresh(p);
        open.add(manager);
        KadNode node = manager.unwrap(KadCacheManager.class).node();

        InetSocketAddress a = new InetSocketAddress("127.0.0.2", port);
        InetSocketAddress b = new InetSocketAddress("127.0.0.3", port);
        InetSocketAddress late = new InetSocketAddress("127.0.0.5", port);
        await().atMost(Duration.ofSeconds(20)).until(() -> addresses(node).containsAll(Set.of(a, b)));

        // a node that starts later behind the same name is found by a later lookup, with no seed of its own
        KadNode lateNode = KadNode.start(NodeConfig.builder().host("127.0.0.5").port(port).build());
        open.add(lateNode);
        await().atMost(Duration.ofSeconds(20)).until(() -> addresses(node).contains(late));
        await().atMost(Duration.ofSeconds(20)).until(() -> addresses(lateNode).contains(node.address()));

        Cache<String, String> cache = manager.createCache("dns", new MutableConfiguration<String, String>()
                .setTypes(String.class, String.class));
        cache.put("k", "v");
        assertThat(cache.get("k")).isEqualTo("v");
    }

    @Test
    void aNameThatDoesNotResolveYetIsNoErrorAtStart() {
        assumeTrue(System.getProperty("jdk.net.hosts.file") != null, "needs -Djdk.net.hosts.file");
        Properties p = new Properties();
        p.setProperty("kad.host", "127.0.0.1");
        p.setProperty("kad.seeds", "dns:not-yet.kad-swarm.test:4000");
        CacheManager manager;
        try {
            manager = TestManagers.fresh(p);
        } catch (CacheException e) {
            throw new AssertionError("a name with no address must not fail the start", e);
        }
        open.add(manager);
        assertThat(manager.unwrap(KadCacheManager.class).node().peers()).isEmpty();
    }

    private static Set<InetSocketAddress> addresses(KadNode node) {
        return node.peers().stream().map(Contact::address).collect(Collectors.toSet());
    }

    private static int freePort() throws SocketException {
        try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress("127.0.0.2", 0))) {
            return probe.getLocalPort();
        }
    }
}
