package io.kad.core.robustness;

import static org.assertj.core.api.Assertions.assertThat;

import io.kad.core.KadNode;
import io.kad.core.NodeConfig;
import io.kad.core.interop.RawPeer;
import io.kad.spi.InterceptedMessage;
import io.kad.spi.RequestInterceptor;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;

/**
 * An error thrown while a datagram is handled on a UDP node's protocol thread (here by an interceptor:
 * any handler that runs out of memory or stack would do the same) leaves the node serving: the next
 * datagram is answered.
 */
class ProtocolThreadFailureTest {

    private static final BigInteger PEER = new BigInteger("188294832433828973344839852176805263925");

    /** Throws on every {@code find_value}: the datagram that breaks the handler. */
    private static final class Failing implements RequestInterceptor {
        private final Error error;

        Failing(Error error) {
            this.error = error;
        }

        @Override
        public Verdict intercept(InterceptedMessage message) {
            if (message.direction() == InterceptedMessage.Direction.INBOUND
                    && "find_value".equals(message.messageType())) {
                throw error;
            }
            return Verdict.CONTINUE;
        }
    }

    private static void assertServesAfter(Error error) {
        try (KadNode node = KadNode.start(NodeConfig.builder().host("127.0.0.1").port(0).loadInterceptors(false)
                .interceptor(new Failing(error)).build());
             RawPeer peer = new RawPeer()) {
            for (int i = 0; i < 3; i++) {
                peer.send(node.address(), "{\"message_type\": \"find_value\", \"id\": 5, \"rpc_id\": " + (10 + i)
                        + ", \"peer_id\": " + PEER + ", \"peer_info\": {}}");
                peer.send(node.address(), "{\"message_type\": \"ping\", \"rpc_id\": " + i + ", \"peer_id\": " + PEER
                        + ", \"peer_info\": null}");
                RawPeer.Datagram reply = peer.expectReply();
                assertThat(reply.type()).as("reply after %s", error).isEqualTo("pong");
            }
        }
    }

    @Test
    void aStackOverflowWhileHandlingADatagramLeavesTheNodeServing() {
        assertServesAfter(new StackOverflowError("test"));
    }

    @Test
    void anOutOfMemoryErrorWhileHandlingADatagramLeavesTheNodeServing() {
        assertServesAfter(new OutOfMemoryError("test"));
    }

    @Test
    void anErrorOfNoStandardKindWhileHandlingADatagramLeavesTheNodeServing() {
        assertServesAfter(new Error("test"));
    }
}
