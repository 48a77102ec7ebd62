package io.kad.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kad.core.Dht;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node served in this JVM, stopped through stdin's end of file. */
class KadNodeMainServingTest {

    private static final Duration DEADLINE = Duration.ofSeconds(20);

    /** What a served node printed: its ready line and, with --health-port, its health address. */
    private record Served(String address, String id, String health) {
    }

    /** Runs the node until {@code whileServing} returns, then ends its stdin; returns what it printed. */
    private static Served serve(List<String> args, Consumer<Served> whileServing) throws Exception {
        PipedOutputStream stdinWriter = new PipedOutputStream();
        PipedInputStream stdin = new PipedInputStream(stdinWriter);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream outStream = new PrintStream(out, true, StandardCharsets.UTF_8);
        List<String> all = new java.util.ArrayList<>(args);
        all.add("--exit-on-stdin-eof");
        CompletableFuture<Integer> status = CompletableFuture.supplyAsync(() -> KadNodeMain.run(
                all.toArray(String[]::new), stdin, outStream, System.err));
        Served served;
        try {
            String ready = await().atMost(DEADLINE).until(() -> line(out, "KAD-NODE-READY "), l -> l != null);
            String health = line(out, "KAD-NODE-HEALTH ");
            served = new Served(ready.split(" ")[1], ready.split(" ")[2], health == null ? null : health.split(" ")[1]);
            whileServing.accept(served);
        } finally {
            stdinWriter.close();
        }
        assertThat(status.get(DEADLINE.toSeconds(), TimeUnit.SECONDS)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("KAD-NODE-STOPPED " + served.address());
        return served;
    }

    @Test
    void nodeServesUntilStdinEndsThenFlushesItsStoreAndReturnsZero(@TempDir Path dir) throws Exception {
        serve(List.of("--host", "127.0.0.1", "--port", "0", "--storage", "mvstore", "--storage-path", dir.toString()),
                served -> {
                    try (Dht client = Dht.create("127.0.0.1", 0, Dht.parseAddress(served.address()))) {
                        client.put("kept", Map.of("on", "disk"));
                    }
                });

        // the flushed store holds the record: a node on the same file reads it locally
        try (Dht restarted = Dht.create(io.kad.core.NodeConfig.builder().host("127.0.0.1").port(0)
                .storageName("mvstore")
                .storageSetting("storage.path", dir.resolve(NodeSettings.STORE_FILE).toString()).build())) {
            assertThat(restarted.localKeys()).contains("kept");
            assertThat(restarted.get("kept")).isEqualTo(Map.of("on", "disk"));
        }
    }

    @Test
    void aPersistentNodeKeepsItsIdAcrossRestarts(@TempDir Path dir) throws Exception {
        List<String> args = List.of("--host", "127.0.0.1", "--port", "0", "--storage", "mvstore",
                "--storage-path", dir.toString());

        Served first = serve(args, served -> { });
        Path idFile = dir.resolve(NodeSettings.NODE_ID_FILE);
        assertThat(idFile).exists();
        assertThat(new java.math.BigInteger(Files.readString(idFile).trim(), 16).toString()).isEqualTo(first.id());

        Served second = serve(args, served -> { });
        assertThat(second.id()).isEqualTo(first.id());
        assertThat(second.address()).as("a new ephemeral port, the same id").isNotNull();

        // a node without a store gets a new id each time and writes no file
        Served a = serve(List.of("--host", "127.0.0.1", "--port", "0"), served -> { });
        Served b = serve(List.of("--host", "127.0.0.1", "--port", "0"), served -> { });
        assertThat(a.id()).isNotEqualTo(b.id());
    }

    @Test
    void healthEndpointAnswersLiveAndReadyOnTheNodesHost() throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        String[] healthAddress = new String[1];
        serve(List.of("--host", "127.0.0.1", "--port", "0", "--health-port", "0"), served -> {
            assertThat(served.health()).startsWith("127.0.0.1:");
            healthAddress[0] = served.health();
            assertThat(get(http, served.health(), "/live")).isEqualTo(200);
            assertThat(get(http, served.health(), "/ready")).isEqualTo(200);
            assertThat(get(http, served.health(), "/other")).isEqualTo(404);
        });
        // stopped: nothing listens any more
        assertThat(get(http, healthAddress[0], "/live")).isEqualTo(-1);
    }

    @Test
    void aNodeWhoseSeedNameResolvesToNothingStartsAloneAndIsReady() throws Exception {
        // the first pod of a StatefulSet: its headless Service lists no one yet; it must become ready, or the
        // Service would never list it and no pod would ever find another
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        serve(List.of("--host", "127.0.0.1", "--port", "0", "--health-port", "0",
                "--seeds", "dns:nothing.invalid:4000"), served -> {
            assertThat(get(http, served.health(), "/live")).isEqualTo(200);
            assertThat(get(http, served.health(), "/ready")).isEqualTo(200);
        });
    }

    /** @return the status of a GET, or -1 if nothing answered */
    private static int get(HttpClient http, String hostPort, String path) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + hostPort + path))
                    .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static String line(ByteArrayOutputStream out, String prefix) {
        return out.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith(prefix)).findFirst().orElse(null);
    }
}
