package io.kad.core.robustness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.kad.core.Dht;
import io.kad.core.KadNode;
import io.kad.core.NodeConfig;
import io.kad.core.interop.KadpyEmulator;
import io.kad.core.interop.RawPeer;
import io.kad.spi.InterceptedMessage;
import io.kad.spi.RequestInterceptor;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Request interceptors: a rejection drops the message, a change is what goes out, a failure is ignored. */
class InterceptorTest {

    private static final BigInteger PEER = new BigInteger("188294832433828973344839852176805263925");
    private static final String PING = "{\"message_type\": \"ping\", \"peer_id\": " + PEER + ", \"peer_info\": null}";

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private <T extends AutoCloseable> T track(T c) {
        open.add(c);
        return c;
    }

    private KadNode node(RequestInterceptor interceptor) {
        NodeConfig.Builder b = NodeConfig.builder().host("127.0.0.1").port(0).loadInterceptors(false);
        if (interceptor != null) {
            b.interceptor(interceptor);
        }
        return track(KadNode.start(b.build()));
    }

    private static BigInteger sha256(String key) throws Exception {
        return new BigInteger(1, MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
    }

    private static String store(BigInteger id, String jsonValue) {
        return "{\"message_type\": \"store\", \"id\": " + id + ", \"value\": " + jsonValue + ", \"peer_id\": " + PEER
                + ", \"peer_info\": null}";
    }

    private static void fence(RawPeer peer, KadNode node) {
        // datagrams are handled in order on one thread: once the pong is back, the store was handled
        peer.send(node.address(), PING);
        assertThat(peer.expectReply().type()).isEqualTo("pong");
    }

    @Test
    void interceptorRejectingInboundStoreMakesStoresVanishAndCountsThem() throws Exception {
        RequestInterceptor rejectStores = m -> m.direction() == InterceptedMessage.Direction.INBOUND
                && m.messageType().equals("store") ? RequestInterceptor.Verdict.REJECT : RequestInterceptor.Verdict.CONTINUE;
        KadNode guarded = node(rejectStores);
        KadNode plain = node(null);
        RawPeer peer = track(new RawPeer());
        BigInteger id = sha256("probe-key");

        peer.send(guarded.address(), store(id, "{\"from\": \"probe\"}"));
        peer.send(plain.address(), store(id, "{\"from\": \"probe\"}"));
        fence(peer, guarded);
        fence(peer, plain);

        assertThat(guarded.storage().get(id)).isNull();
        assertThat(guarded.stats().rejectedByInterceptor()).isEqualTo(1);
        assertThat(plain.storage().get(id)).as("the same store without the interceptor").isNotNull();
        assertThat(plain.stats().rejectedByInterceptor()).isZero();
    }

    @Test
    void interceptorChangingAnOutboundValueChangesWhatTheOtherNodeStores() throws Exception {
        RequestInterceptor rewrite = m -> {
            if (m.direction() == InterceptedMessage.Direction.OUTBOUND && m.messageType().equals("store")) {
                m.fields().put("value", "changed by interceptor");
            }
            return RequestInterceptor.Verdict.CONTINUE;
        };
        KadpyEmulator kadpy = track(new KadpyEmulator(new BigInteger("29602723650044466230836558356005448838")));
        Dht java = track(Dht.create(NodeConfig.builder().host("127.0.0.1").port(0).seed(kadpy.address())
                .interceptor(rewrite).loadInterceptors(false).build()));

        java.put("greeting", "hello world");

        BigInteger id = sha256("greeting");
        await().atMost(Duration.ofSeconds(5)).until(() -> kadpy.data().containsKey(id));
        JsonNode stored = kadpy.data().get(id);
        assertThat(stored.textValue()).isEqualTo("changed by interceptor");
        // the local write is not a message: the putting node keeps the original
        assertThat(java.get("greeting")).isEqualTo("hello world");
    }

    @Test
    void interceptorThatThrowsIsLoggedAndIgnored() throws Exception {
        RequestInterceptor broken = m -> {
            throw new IllegalStateException("interceptor bug for test");
        };
        PrintStream originalErr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(new TeeStream(originalErr, captured), true, StandardCharsets.UTF_8));
        try {
            KadNode a = node(broken);
            RawPeer peer = track(new RawPeer());
            peer.send(a.address(), PING);
            assertThat(peer.expectReply().type()).isEqualTo("pong");
            peer.send(a.address(), store(sha256("k"), "\"v\""));
            fence(peer, a);
            assertThat(a.storage().get(sha256("k"))).isNotNull();

            Dht b = track(Dht.create(NodeConfig.builder().host("127.0.0.1").port(0).seed(a.address())
                    .rpcTimeout(Duration.ofMillis(100)).interceptor(broken).loadInterceptors(false).build()));
            b.put("shared", List.of("x"));
            assertThat(Dht.of(a).get("shared")).isEqualTo(List.of("x"));
            assertThat(a.stats().rejectedByInterceptor()).isZero();
        } finally {
            System.setErr(originalErr);
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        assertThat(log).contains("request interceptor").contains("interceptor bug for test");
    }

    /** Writes to two streams. */
    private static final class TeeStream extends java.io.OutputStream {
        private final java.io.OutputStream a;
        private final java.io.OutputStream b;

        TeeStream(java.io.OutputStream a, java.io.OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public synchronized void write(int c) throws java.io.IOException {
            a.write(c);
            b.write(c);
        }

        @Override
        public synchronized void write(byte[] buf, int off, int len) throws java.io.IOException {
            a.write(buf, off, len);
            b.write(buf, off, len);
        }
    }
}
