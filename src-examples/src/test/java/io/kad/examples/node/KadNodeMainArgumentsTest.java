package io.kad.examples.node;

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
        assertThat(r.out()).contains("Usage: kad-node", "--seeds", "--config", "--storage-path", "--exit-on-stdin-eof");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void portOutOfRangeIsAUsageError() {
        assertUsageError(run("--port", "70000"), "--port must be a whole number from 0 to 65535, was '70000'");
    }

    @Test
    void portThatIsNotANumberIsAUsageError() {
        assertUsageError(run("--port", "http"), "--port must be a whole number");
    }

    @Test
    void unparsableSeedIsAUsageError() {
        assertUsageError(run("--seeds", "127.0.0.1:1,no-port-here"), "unparsable seed address 'no-port-here'");
    }

    @Test
    void unknownHashNameIsAUsageError() {
        assertUsageError(run("--hash", "crc32"), "unknown key hash function 'crc32'");
    }

    @Test
    void unknownStorageNameIsAUsageError() {
        assertUsageError(run("--storage", "floppy"), "unknown storage tier 'floppy'");
    }

    @Test
    void mvstoreWithoutAPathIsAUsageError() {
        assertUsageError(run("--storage", "mvstore"), "set kad.storage.path or --storage-path");
    }

    @Test
    void missingConfigFileIsAUsageError(@TempDir Path dir) {
        Path missing = dir.resolve("nope.properties");

        assertUsageError(run("--config", missing.toString()), "config file not found: " + missing);
    }

    @Test
    void unknownKadKeyInTheConfigFileIsAUsageErrorNamingIt(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("kad.properties"), "kad.port=0\nkad.prot=1\nother.key=ignored\n");

        assertUsageError(run("--config", file.toString()), "unknown setting kad.prot");
    }

    @Test
    void badValueInTheConfigFileNamesTheKeyAndTheFile(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("kad.properties"), "kad.k=zero\n");

        assertUsageError(run("--config", file.toString()), "kad.k in " + file + " must be a whole number");
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
                .toNodeConfig();

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
        var config = new NodeSettings()
                .override(NodeSettings.STORAGE, "mvstore", "--storage")
                .override(NodeSettings.STORAGE_PATH, dir.toString(), "--storage-path")
                .toNodeConfig();

        assertThat(config.storageName()).isEqualTo("mvstore");
        assertThat(config.storageSettings())
                .containsEntry("storage.path", dir.resolve(NodeSettings.STORE_FILE).toString());
    }
}
