package io.kad.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.kad.core.Dht;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node in its own JVM, as {@code java -jar kad-node.jar} runs it (same main class, this module's
 * test class path), stopped with SIGTERM.
 *
 * <p>Expected exit status: 143. SIGTERM starts the JVM's shutdown; the shutdown hook closes the node
 * and prints {@code KAD-NODE-STOPPED}, and the JVM then exits with 128 + 15, the status it always gives
 * a shutdown caused by a signal (a hook cannot change it without {@code Runtime.halt}, which would cut
 * the other hooks short). The STOPPED line is what shows the shutdown was clean.
 */
@DisabledOnOs(value = OS.WINDOWS, disabledReason = "Process.destroy() sends SIGTERM on Unix only")
class KadNodeProcessTest {

    private static final long DEADLINE_SECONDS = 30;

    private Process process;

    @AfterEach
    void killProcess() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly().waitFor(DEADLINE_SECONDS, TimeUnit.SECONDS);
        }
    }

    @Test
    void nodeInAChildJvmServesValuesAndExitsCleanlyOnSigterm(@TempDir Path dir) throws Exception {
        Path stderr = dir.resolve("stderr.txt");
        ProcessBuilder builder = new ProcessBuilder(javaExecutable(), "-cp", testClassPath(),
                KadNodeMain.class.getName(), "--host", "127.0.0.1", "--port", "0", "--health-port", "0")
                .redirectError(stderr.toFile());
        process = builder.start();

        List<String> stdout = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<String> ready = new CompletableFuture<>();
        Thread reader = new Thread(() -> readLines(process, stdout, ready), "kad-node-stdout");
        reader.setDaemon(true);
        reader.start();

        String readyLine = ready.get(DEADLINE_SECONDS, TimeUnit.SECONDS);
        String[] parts = readyLine.split(" ");
        assertThat(parts).hasSize(3);
        InetSocketAddress nodeAddress = Dht.parseAddress(parts[1]);
        String health = stdout.stream().filter(l -> l.startsWith("KAD-NODE-HEALTH ")).findFirst().orElseThrow()
                .split(" ")[1];
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        for (String path : List.of("/live", "/ready")) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + health + path))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(path).isEqualTo(200);
        }

        try (Dht writer = Dht.create("127.0.0.1", 0, nodeAddress)) {
            assertThat(writer.peers()).extracting(c -> c.id().toString()).contains(parts[2]);
            writer.put("process-key", List.of("stored", "through", "the", "child"));
        }
        // the writer has left: the value can only come from the child node now
        try (Dht reader2 = Dht.create("127.0.0.1", 0, nodeAddress)) {
            assertThat(reader2.get("process-key")).isEqualTo(List.of("stored", "through", "the", "child"));
        }

        // SIGTERM, as process.destroy() sends it, but through the handle: Process.destroy() also closes
        // our end of the child's stdout at once, and the KAD-NODE-STOPPED line would be lost
        assertThat(process.toHandle().destroy()).as("SIGTERM sent").isTrue();
        assertThat(process.waitFor(DEADLINE_SECONDS, TimeUnit.SECONDS)).as("exited within the deadline").isTrue();
        reader.join(TimeUnit.SECONDS.toMillis(DEADLINE_SECONDS));

        String log = Files.readString(stderr);
        assertThat(process.exitValue()).as("128 + SIGTERM; stderr: %s", log).isEqualTo(143);
        assertThat(stdout).as("stdout; stderr: %s", log).anySatisfy(l -> assertThat(l).isEqualTo("KAD-NODE-STOPPED " + parts[1] + " " + parts[2]));
        assertThat(log).contains("serving on " + parts[1]).doesNotContain("Exception");
    }

    private static void readLines(Process p, List<String> into, CompletableFuture<String> ready) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                into.add(line);
                if (line.startsWith("KAD-NODE-READY ")) {
                    ready.complete(line);
                }
            }
            ready.completeExceptionally(new IllegalStateException("stdout ended before the ready line: " + into));
        } catch (IOException e) {
            ready.completeExceptionally(e);
        }
    }

    private static String javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** The real class path: surefire may run tests from a manifest-only jar. */
    private static String testClassPath() {
        String surefire = System.getProperty("surefire.test.class.path");
        String cp = surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
        assertThat(cp.split(File.pathSeparator)).anySatisfy(e -> assertThat(e).contains("picocli"));
        return cp;
    }
}
