package io.kad.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class DnsSeedsTest {

    private static InetAddress ip(String text) {
        try {
            return InetAddress.getByName(text); // a literal: no lookup
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void parsesNameAndPort() {
        assertThat(DnsSeeds.Name.parse("dns:kad.default.svc.cluster.local:4000"))
                .isEqualTo(new DnsSeeds.Name("kad.default.svc.cluster.local", 4000));
        assertThat(DnsSeeds.Name.parse(" DNS:kad:1 ").toString()).isEqualTo("dns:kad:1");
    }

    @Test
    void malformedNamesAreRejectedSayingWhy() {
        assertThatThrownBy(() -> DnsSeeds.Name.parse("dns:kad")).hasMessageContaining("dns:<name>:<port>");
        assertThatThrownBy(() -> DnsSeeds.Name.parse("dns::4000")).hasMessageContaining("dns:<name>:<port>");
        assertThatThrownBy(() -> DnsSeeds.Name.parse("dns:kad:x")).hasMessageContaining("bad port");
        assertThatThrownBy(() -> DnsSeeds.Name.parse("dns:kad:70000")).hasMessageContaining("1..65535");
        assertThatThrownBy(() -> DnsSeeds.Name.parse("dns:ka d:4000")).hasMessageContaining("not a DNS name");
        assertThatThrownBy(() -> DnsSeeds.Name.parse("kad:4000")).hasMessageContaining("dns:<name>:<port>");
    }

    @Test
    void resolvesEveryAddressOfEveryNameOnce() {
        DnsSeeds.Resolver resolver = host -> switch (host) {
            case "a" -> new InetAddress[] {ip("127.0.0.2"), ip("127.0.0.3")};
            case "b" -> new InetAddress[] {ip("127.0.0.3"), ip("::1")};
            default -> throw new UnknownHostException(host);
        };
        List<InetSocketAddress> found = DnsSeeds.resolve(List.of(new DnsSeeds.Name("a", 4000),
                new DnsSeeds.Name("b", 4000), new DnsSeeds.Name("gone", 4000)), resolver);
        assertThat(found).containsExactly(new InetSocketAddress(ip("127.0.0.2"), 4000),
                new InetSocketAddress(ip("127.0.0.3"), 4000), new InetSocketAddress(ip("::1"), 4000));
    }

    @Test
    void joinsNewAddressesAsTheNameGainsThemButNeverItself() {
        AtomicReference<InetAddress[]> records = new AtomicReference<>(new InetAddress[] {ip("127.0.0.2")});
        Set<InetSocketAddress> answering = ConcurrentHashMap.newKeySet();
        Set<InetSocketAddress> asked = ConcurrentHashMap.newKeySet();
        InetSocketAddress self = new InetSocketAddress(ip("127.0.0.2"), 4000);
        InetSocketAddress other = new InetSocketAddress(ip("127.0.0.3"), 4000);
        InetSocketAddress late = new InetSocketAddress(ip("127.0.0.4"), 4000);
        answering.add(other);
        try (DnsSeeds seeds = DnsSeeds.start(List.of(new DnsSeeds.Name("kad", 4000)), Duration.ofMillis(100),
                host -> records.get(), addresses -> {
                    asked.addAll(addresses);
                    return answering.containsAll(addresses) ? CompletableFuture.completedFuture(null)
                            : CompletableFuture.failedFuture(new IllegalStateException("no answer"));
                }, () -> true, self)) {
            records.set(new InetAddress[] {ip("127.0.0.2"), ip("127.0.0.3"), ip("127.0.0.4")});
            await().atMost(Duration.ofSeconds(10)).until(() -> seeds.joined().contains(other));
            await().atMost(Duration.ofSeconds(10)).until(() -> asked.contains(late));
            assertThat(seeds.joined()).doesNotContain(late);
            answering.add(late); // the late node starts: a later round joins it
            await().atMost(Duration.ofSeconds(10)).until(() -> seeds.joined().containsAll(Set.of(other, late)));
            assertThat(asked).doesNotContain(self);
        }
    }

    @Test
    void aNodeWithoutPeersJoinsEveryAddressAgain() {
        AtomicBoolean hasPeers = new AtomicBoolean(true);
        Set<InetSocketAddress> asked = ConcurrentHashMap.newKeySet();
        java.util.concurrent.atomic.AtomicInteger joins = new java.util.concurrent.atomic.AtomicInteger();
        try (DnsSeeds seeds = DnsSeeds.start(List.of(new DnsSeeds.Name("kad", 4000)), Duration.ofHours(1),
                host -> new InetAddress[] {ip("127.0.0.3")}, addresses -> {
                    asked.addAll(addresses);
                    joins.incrementAndGet();
                    return CompletableFuture.completedFuture(null);
                }, hasPeers::get, null)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> seeds.joined().size() == 1);
            assertThat(joins.get()).isEqualTo(1);
            hasPeers.set(false); // the interval is an hour: only the lost peers make it look again
            await().atMost(Duration.ofSeconds(20)).until(() -> joins.get() >= 2);
        }
    }

    @Test
    void noneResolvesNothingAndClosesQuietly() {
        DnsSeeds.NONE.close();
        assertThat(DnsSeeds.NONE.names()).isEmpty();
        assertThat(DnsSeeds.NONE.joined()).isEmpty();
    }
}
