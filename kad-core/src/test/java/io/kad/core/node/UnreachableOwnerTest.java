package io.kad.core.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.kad.core.KadNode;
import io.kad.core.NodeConfig;
import io.kad.core.interop.RawPeer;
import io.kad.core.record.RecordException;
import io.kad.core.record.RecordIds;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A key's owner that stops answering: the operation fails within the operation timeout with an
 * exception naming the owner, and never hangs.
 */
class UnreachableOwnerTest {

    @Test
    void readOfAKeyWhoseOwnerIsSilentFailsInTimeNamingTheOwner() throws Exception {
        NodeConfig config = NodeConfig.builder().host("127.0.0.1").port(0).replication(1).loadInterceptors(false)
                .rpcTimeout(Duration.ofMillis(200)).operationTimeout(Duration.ofSeconds(2)).build();
        try (KadNode node = KadNode.start(config); RawPeer silent = new RawPeer()) {
            // a peer of this project (peer_info {"kad":1}) introduces itself with a ping, then never answers
            BigInteger silentId = node.id().value().xor(BigInteger.ONE.shiftLeft(127));
            silent.send(node.address(), "{\"message_type\":\"ping\",\"peer_id\":" + silentId
                    + ",\"peer_info\":{\"kad\":1},\"rpc_id\":1}");
            await().atMost(Duration.ofSeconds(5)).until(() -> node.peers().size() == 1);

            byte[] key = keyOwnedBy(node, silentId);
            long started = System.nanoTime();
            assertThatThrownBy(() -> node.records().read("ns", key).get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(RecordException.class)
                    .hasMessageContaining("owner " + node.peers().get(0));
            long tookMillis = (System.nanoTime() - started) / 1_000_000;
            assertThat(tookMillis).as("failed within the operation timeout plus one RPC timeout")
                    .isLessThan(2_000 + 200 + 500);
        }
    }

    private static byte[] keyOwnedBy(KadNode node, BigInteger ownerId) {
        for (int i = 0; ; i++) {
            byte[] key = ("key-" + i).getBytes(StandardCharsets.UTF_8);
            BigInteger id = RecordIds.of(node.hashFunction(), "ns", key);
            if (id.xor(ownerId).compareTo(id.xor(node.id().value())) < 0) {
                return key;
            }
        }
    }
}
