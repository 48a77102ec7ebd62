package io.kad.core.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kad.core.Dht;
import io.kad.core.KadNode;
import io.kad.core.NodeConfig;
import io.kad.core.record.ReadResult;
import io.kad.core.record.WriteCommand;
import io.kad.core.wire.DatagramAuthenticator;
import io.kad.core.wire.TransferFrame;
import io.kad.spi.StoredRecord;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Large values over loopback UDP in a swarm that requires a shared secret: every fragment is tagged. */
class LargeValueUdpTest {

    private static final Logger LOG = LoggerFactory.getLogger(LargeValueUdpTest.class);
    private static final String SECRET = "correct horse battery staple";
    private final List<KadNode> nodes = new ArrayList<>();

    @AfterEach
    void closeNodes() {
        nodes.forEach(KadNode::close);
    }

    private NodeConfig.Builder config() {
        NodeConfig.Builder b = NodeConfig.builder().host("127.0.0.1").port(0).loadInterceptors(false)
                .sharedSecret(SECRET).replication(3).rpcTimeout(Duration.ofMillis(500))
                .operationTimeout(Duration.ofSeconds(30));
        if (!nodes.isEmpty()) {
            b.seed(nodes.get(0).address());
        }
        return b;
    }

    private void startSwarm() {
        for (int i = 0; i < 3; i++) {
            nodes.add(KadNode.start(config().build()));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> nodes.stream().allMatch(n -> n.peers().size() == 2));
    }

    private static byte[] randomBytes(int size, long seed) {
        byte[] v = new byte[size];
        new Random(seed).nextBytes(v);
        return v;
    }

    @Test
    void oneAndEightMebibyteValuesRoundTripBetweenNodesSharingASecret() throws Exception {
        startSwarm();
        for (int size : new int[] {1024 * 1024, 8 * 1024 * 1024}) {
            byte[] value = randomBytes(size, size);
            byte[] key = ("udp-" + size).getBytes(StandardCharsets.UTF_8);
            long start = System.nanoTime();
            assertThat(nodes.get(0).records().write("large", key, WriteCommand.put(value, false, StoredRecord.NEVER))
                    .get(60, TimeUnit.SECONDS).applied()).isTrue();
            long written = System.nanoTime();
            for (KadNode n : nodes) {
                ReadResult r = n.records().read("large", key).get(60, TimeUnit.SECONDS);
                assertThat(r.record().value()).as("read through %s", n).isEqualTo(value);
            }
            LOG.info("{} bytes: put with 3 copies {} ms, 3 reads {} ms", size, (written - start) / 1_000_000,
                    (System.nanoTime() - written) / 1_000_000);
        }
        for (KadNode n : nodes) {
            assertThat(n.stats().unauthenticated()).isZero();
        }
        assertThat(nodes.stream().mapToLong(n -> n.stats().transfersReceived()).sum()).isPositive();
    }

    @Test
    void aSmallReadCompletesWhileAnEightMebibyteWriteIsUnderWay() throws Exception {
        startSwarm();
        KadNode writer = nodes.get(0);
        byte[] small = "small".getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < 8; i++) {
            writer.records().write("large", ("small-" + i).getBytes(StandardCharsets.UTF_8),
                    WriteCommand.put(small, false, StoredRecord.NEVER)).get(10, TimeUnit.SECONDS);
        }
        long idleStart = System.nanoTime();
        for (int i = 0; i < 8; i++) {
            writer.records().read("large", ("small-" + i).getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
        }
        long idleMillis = (System.nanoTime() - idleStart) / 1_000_000;
        long fragmentsBefore = writer.stats().fragmentsSent();
        var big = writer.records().write("large", "big".getBytes(StandardCharsets.UTF_8),
                WriteCommand.put(randomBytes(8 * 1024 * 1024, 8), false, StoredRecord.NEVER));
        await().atMost(Duration.ofSeconds(10)).until(() -> writer.stats().fragmentsSent() > fragmentsBefore);
        long start = System.nanoTime();
        for (int i = 0; i < 8; i++) {
            ReadResult r = writer.records().read("large", ("small-" + i).getBytes(StandardCharsets.UTF_8))
                    .get(10, TimeUnit.SECONDS);
            assertThat(r.record().value()).isEqualTo(small);
        }
        long readsMillis = (System.nanoTime() - start) / 1_000_000;
        boolean bigStillRunning = !big.isDone();
        assertThat(big.get(60, TimeUnit.SECONDS).applied()).isTrue();
        LOG.info("8 small reads took {} ms alone, {} ms during an 8 MiB write (still under way after them: {})",
                idleMillis, readsMillis, bigStillRunning);
    }

    @Test
    void aLargeJsonValueThroughTheKadpyStyleApiIsStoredAndRead() {
        startSwarm();
        Dht a = Dht.of(nodes.get(0));
        Dht c = Dht.of(nodes.get(2));
        String text = "x".repeat(64 * 1024);
        a.put("page", text);
        assertThat(c.get("page")).isEqualTo(text);
    }

    @Test
    void aFragmentWithoutAValidTagIsDroppedAndCounted() throws Exception {
        nodes.add(KadNode.start(config().build()));
        KadNode node = nodes.get(0);
        byte[] frame = TransferFrame.data(7, new byte[100_000], 8192, 0);
        byte[] wrongTag = new DatagramAuthenticator("another secret, long enough", java.math.BigInteger.ONE)
                .sign(frame, System.currentTimeMillis(), null);
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            for (byte[] d : List.of(frame, wrongTag)) {
                socket.send(new DatagramPacket(d, d.length, node.address()));
            }
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> node.stats().unauthenticated() == 2);
        assertThat(node.stats().transferBytesHeld()).isZero();
    }
}
