package io.kad.examples.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kad.core.Dht;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node served in this JVM, stopped through stdin's end of file. */
class KadNodeMainServingTest {

    @Test
    void nodeServesUntilStdinEndsThenFlushesItsStoreAndReturnsZero(@TempDir Path dir) throws Exception {
        PipedOutputStream stdinWriter = new PipedOutputStream();
        PipedInputStream stdin = new PipedInputStream(stdinWriter);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream outStream = new PrintStream(out, true, StandardCharsets.UTF_8);
        CompletableFuture<Integer> status = CompletableFuture.supplyAsync(() -> KadNodeMain.run(
                new String[] {"--host", "127.0.0.1", "--port", "0", "--storage", "mvstore", "--storage-path",
                        dir.toString(), "--exit-on-stdin-eof"},
                stdin, outStream, System.err));
        try {
            String ready = await().atMost(Duration.ofSeconds(20))
                    .until(() -> readyLine(out), line -> line != null);
            String address = ready.split(" ")[1];

            try (Dht client = Dht.create("127.0.0.1", 0, Dht.parseAddress(address))) {
                client.put("kept", Map.of("on", "disk"));
            }
        } finally {
            stdinWriter.close();
        }

        assertThat(status.get(20, TimeUnit.SECONDS)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("KAD-NODE-STOPPED");

        // the flushed store holds the record: a node on the same file reads it locally
        try (Dht restarted = Dht.create(io.kad.core.NodeConfig.builder().host("127.0.0.1").port(0)
                .storageName("mvstore")
                .storageSetting("storage.path", dir.resolve(NodeSettings.STORE_FILE).toString()).build())) {
            assertThat(restarted.localKeys()).contains("kept");
            assertThat(restarted.get("kept")).isEqualTo(Map.of("on", "disk"));
        }
    }

    private static String readyLine(ByteArrayOutputStream out) throws IOException {
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        return lines.stream().filter(l -> l.startsWith("KAD-NODE-READY ")).findFirst().orElse(null);
    }
}
