package io.kad.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KadNodeMainArgumentsTest {

    /** What one in-process run printed and returned. */
    private record Result(int status, String out, String err) {
        String firstErrorLine() {
            return err.lines().findFirst().orElse("");
        }
    }

    private static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = KadNodeMain.run(args, new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static void assertUsageError(Result r, String message) {
        assertThat(r.status()).isEqualTo(KadNodeMain.USAGE);
        assertThat(r.firstErrorLine()).startsWith("kad-node: error: ").contains(message);
        assertThat(r.err()).contains("Usage: kad-node").doesNotContain("\tat ").doesNotContain("Exception");
        assertThat(r.out()).doesNotContain("KAD-NODE-READY");
    }

    @Test
    void helpPrintsUsageAndExitsZero() {
        Result r = run("--help");

        assertThat(r.status()).isZero();
        assertThat(r.out()).contains("Usage: kad-node", "--seeds", "--config", "--storage-path", "--health-port",
                "--exit-on-stdin-eof");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void portOutOfRangeIsAUsageError() {
        assertUsageError(run("--port", "70000"), "bad setting kad.port=70000");
        assertThat(run("--port", "70000").firstErrorLine()).contains("(in --port)");
    }

    @Test
    void portThatIsNotANumberIsAUsageError() {
        assertUsageError(run("--port", "http"), "bad setting kad.port=http");
    }

    @Test
    void unparsableSeedIsAUsageError() {
        assertUsageError(run("--seeds", "127.0.0.1:1,no-port-here"), "bad setting kad.seeds=127.0.0.1:1,no-port-here");
    }

    @Test
    void unknownHashNameIsAUsageError() {
        assertUsageError(run("--hash", "crc32"), "unknown key hash function 'crc32'");
    }

    @Test
    void unknownStorageNameIsAUsageError() {
        assertUsageError(run("--storage", "floppy"), "bad setting kad.storage=floppy");
    }

    @Test
    void mvstoreWithoutAPathIsAUsageError() {
        assertUsageError(run("--storage", "mvstore"), "the mvstore tier needs kad.storage.path");
    }

    @Test
    void missingConfigFileIsAUsageError(@TempDir Path dir) {
        Path missing = dir.resolve("nope.properties");

        assertUsageError(run("--config", missing.toString()), "config file not found: " + missing);
    }

    @Test
    void unknownKadKeyInTheConfigFileIsAUsageErrorNamingIt(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("kad.properties"), "kad.port=0\nkad.prot=1\nother.key=ignored\n");

        assertUsageError(run("--config", file.toString()), "bad setting kad.prot=1: unknown key");
    }

    @Test
    void badValueInTheConfigFileNamesTheKeyAndTheFile(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("kad.properties"), "kad.k=zero\n");

        assertUsageError(run("--config", file.toString()), "bad setting kad.k=zero");
        assertThat(run("--config", file.toString()).firstErrorLine()).contains("(in " + file + ")");
    }

    @Test
    void replicationAboveKIsAUsageError() throws IOException {
        Path file = Files.createTempFile("kad", ".properties");
        try {
            Files.writeString(file, "kad.k=2\nkad.replication=3\n");
            assertUsageError(run("--config", file.toString()), "replication (3) must not exceed k (2)");
        } finally {
            Files.delete(file);
        }
    }

    @Test
    void unknownOptionIsAUsageError() {
        assertUsageError(run("--colour", "blue"), "Unknown option");
    }

    @Test
    void flagsOverrideTheConfigFile(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("kad.properties"), String.join("\n",
                "kad.host=127.0.0.1", "kad.port=70000", "kad.hash=md5", "kad.k=8", "kad.alpha=2", "kad.replication=2",
                "kad.rpc-timeout-ms=300", "kad.operation-timeout-ms=2000", "kad.storage=caffeine",
                "kad.storage.max-records=500", ""));

        var config = new NodeSettings().load(file)
                .override(NodeSettings.PORT, "0", "--port")
                .override(NodeSettings.HASH, "sha1", "--hash")
                .override(NodeSettings.SEEDS, null, "--seeds")
                .bind().config();

        assertThat(config.port()).isZero();
        assertThat(config.hashName()).isEqualTo("sha1");
        assertThat(config.k()).isEqualTo(8);
        assertThat(config.alpha()).isEqualTo(2);
        assertThat(config.replication()).isEqualTo(2);
        assertThat(config.rpcTimeout().toMillis()).isEqualTo(300);
        assertThat(config.operationTimeout().toMillis()).isEqualTo(2000);
        assertThat(config.storageName()).isEqualTo("caffeine");
        assertThat(config.storageSettings()).containsEntry("storage.max-records", "500");
        assertThat(config.seeds()).isEmpty();
    }

    @Test
    void storagePathNamingADirectoryKeepsTheStoreFileInIt(@TempDir Path dir) throws Exception {
        var bound = new NodeSettings()
                .override(NodeSettings.STORAGE, "mvstore", "--storage")
                .override(NodeSettings.STORAGE_PATH, dir.toString(), "--storage-path")
                .bind();

        assertThat(bound.config().storageName()).isEqualTo("mvstore");
        assertThat(bound.config().storageSettings())
                .containsEntry("storage.path", dir.resolve(NodeSettings.STORE_FILE).toString());
        assertThat(bound.nodeIdFile()).isEqualTo(dir.resolve(NodeSettings.NODE_ID_FILE));
    }

    @Test
    void storagePathNamingAFileKeepsTheIdBesideIt(@TempDir Path dir) throws Exception {
        Path store = dir.resolve("swarm.mv");
        var bound = new NodeSettings()
                .override(NodeSettings.STORAGE, "mvstore", "--storage")
                .override(NodeSettings.STORAGE_PATH, store.toString(), "--storage-path")
                .bind();

        assertThat(bound.config().storageSettings()).containsEntry("storage.path", store.toString());
        assertThat(bound.nodeIdFile()).isEqualTo(dir.resolve("swarm.mv" + NodeSettings.NODE_ID_SUFFIX));
        assertThat(new NodeSettings().bind().nodeIdFile()).as("no store, no id file").isNull();
    }

    @Test
    void theApplicationsKadPropertiesServesTheNodeAsIs(@TempDir Path dir) throws Exception {
        // keys the example's hand-written binder rejected: the provider's catalog accepts them all
        Path file = Files.writeString(dir.resolve("kad.properties"), String.join("\n",
                "kad.port=4000", "kad.seeds=127.0.0.1:4001,dns:kad.default.svc.cluster.local:4000",
                "kad.seeds.interval-ms=10000", "kad.storage.max-bytes=1000000", "kad.storage.expiry-grace-ms=5000",
                "kad.serialization.allow=com.example.**", "kad.cache.sessions.expiry=accessed:30m",
                "kad.cache.default.statistics=true", "spring.ignored=1", ""));

        var bound = new NodeSettings().load(file).override(NodeSettings.PORT, "0", "--port").bind();

        assertThat(bound.config().port()).isZero();
        assertThat(bound.config().seeds()).hasSize(1);
        assertThat(bound.dnsSeeds()).extracting(Object::toString).containsExactly("dns:kad.default.svc.cluster.local:4000");
        assertThat(bound.dnsSeedInterval().toMillis()).isEqualTo(10_000);
        assertThat(bound.config().storageSettings()).containsEntry("storage.max-bytes", "1000000")
                .containsEntry("storage.expiry-grace-ms", "5000");
    }

    @Test
    void badDnsSeedIsAUsageErrorNamingTheKey() {
        assertUsageError(run("--seeds", "dns:kad"), "bad setting kad.seeds=dns:kad");
    }

    @Test
    void healthPortOutOfRangeIsAUsageError() {
        assertUsageError(run("--health-port", "70000"), "--health-port must be a whole number from 0 to 65535");
    }

    @Test
    void corruptNodeIdFileIsAUsageErrorNamingIt(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve(NodeSettings.NODE_ID_FILE), "not an id\n");

        assertUsageError(run("--storage", "mvstore", "--storage-path", dir.toString()),
                "cannot use the node id file " + dir.resolve(NodeSettings.NODE_ID_FILE));
    }

    @Test
    void noExampleHashFunctionIsInsideTheNode() {
        Result r = run("--hash", "bogus");

        assertUsageError(r, "unknown key hash function 'bogus'");
        assertThat(r.firstErrorLine()).doesNotContain("sha3-256");
    }

    @Test
    void laterConfigFilesWinAndTheSecretIsNeverPrinted(@TempDir Path dir) throws Exception {
        Path app = Files.writeString(dir.resolve("kad.properties"), "kad.port=4000\nkad.k=8\n");
        Path secret = Files.writeString(dir.resolve("secret.properties"), "kad.secret=short\n");

        Result r = run("--config", app.toString(), "--config", secret.toString());

        assertUsageError(r, "bad setting kad.secret=(hidden): must have at least 16 characters");
        assertThat(r.err()).doesNotContain("short");
        var bound = new NodeSettings().load(app)
                .load(Files.writeString(dir.resolve("more.properties"), "kad.k=10\n")).bind();
        assertThat(bound.config().k()).isEqualTo(10);
        assertThat(bound.config().port()).isEqualTo(4000);
    }
}
