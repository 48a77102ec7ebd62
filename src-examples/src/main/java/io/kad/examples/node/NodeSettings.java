package io.kad.examples.node;

import io.kad.core.Dht;
import io.kad.core.NodeConfig;
import io.kad.core.hash.KeyHashFunctions;
import io.kad.core.storage.StorageTierProviders;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

/**
 * The settings of a standalone node: {@code kad.*} keys from a properties file, overridden by
 * command-line flags, turned into a validated {@link NodeConfig}.
 *
 * <p>Keys (default in brackets):
 * <ul>
 *   <li>{@code kad.host} [127.0.0.1], {@code kad.port} [0, ephemeral], {@code kad.seeds}
 *       [none; {@code host:port,host:port}];</li>
 *   <li>{@code kad.hash} [sha256; also sha1, md5 and any ServiceLoader-registered name];</li>
 *   <li>{@code kad.k} [20], {@code kad.alpha} [3], {@code kad.replication} [3],
 *       {@code kad.rpc-timeout-ms} [1000], {@code kad.operation-timeout-ms} [5000];</li>
 *   <li>{@code kad.storage} [caffeine; or mvstore], {@code kad.storage.path} (the mvstore file; an
 *       existing directory means the file {@value #STORE_FILE} in it), {@code kad.secret} (the swarm's
 *       shared secret, at least 16 characters), {@code kad.storage.max-records}
 *       (bound of the caffeine tier).</li>
 * </ul>
 * An unknown {@code kad.*} key or a bad value fails with a {@link SettingsException} naming the key (or
 * the flag that gave it); keys without the {@code kad.} prefix are ignored.
 */
final class NodeSettings {

    /** The store file used when {@code kad.storage.path} names a directory. */
    static final String STORE_FILE = "kad-node.mv";

    static final String HOST = "kad.host";
    static final String PORT = "kad.port";
    static final String SEEDS = "kad.seeds";
    static final String HASH = "kad.hash";
    static final String K = "kad.k";
    static final String ALPHA = "kad.alpha";
    static final String REPLICATION = "kad.replication";
    static final String RPC_TIMEOUT_MS = "kad.rpc-timeout-ms";
    static final String OPERATION_TIMEOUT_MS = "kad.operation-timeout-ms";
    static final String STORAGE = "kad.storage";
    static final String STORAGE_PATH = "kad.storage.path";
    static final String STORAGE_MAX_RECORDS = "kad.storage.max-records";
    static final String SECRET = "kad.secret";

    /** Every key this node understands. */
    static final Set<String> KEYS = Set.of(HOST, PORT, SEEDS, HASH, K, ALPHA, REPLICATION, RPC_TIMEOUT_MS,
            OPERATION_TIMEOUT_MS, STORAGE, STORAGE_PATH, STORAGE_MAX_RECORDS, SECRET);

    /** A bad setting; the message names it and is fit to show a user as is. */
    static final class SettingsException extends Exception {
        private static final long serialVersionUID = 1L;

        SettingsException(String message) {
            super(message);
        }
    }

    /** A value and where it came from ({@code --port}, {@code kad.port in node.properties}). */
    private record Setting(String value, String origin) {
    }

    private final Map<String, Setting> settings = new LinkedHashMap<>();

    /**
     * Reads the {@code kad.*} keys of a properties file.
     *
     * @param file the file
     * @return this
     * @throws SettingsException if the file is missing or unreadable, or has an unknown {@code kad.*} key
     */
    NodeSettings load(Path file) throws SettingsException {
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            properties.load(in);
        } catch (NoSuchFileException e) {
            throw new SettingsException("config file not found: " + file);
        } catch (IOException | IllegalArgumentException e) {
            throw new SettingsException("cannot read config file " + file + ": " + e.getMessage());
        }
        Set<String> unknown = new TreeSet<>();
        for (String key : properties.stringPropertyNames()) {
            if (key.startsWith("kad.")) {
                if (KEYS.contains(key)) {
                    settings.put(key, new Setting(properties.getProperty(key).trim(), key + " in " + file));
                } else {
                    unknown.add(key);
                }
            }
        }
        if (!unknown.isEmpty()) {
            throw new SettingsException("unknown setting" + (unknown.size() > 1 ? "s " : " ") + String.join(", ", unknown)
                    + " in " + file + "; known: " + String.join(", ", new TreeSet<>(KEYS)));
        }
        return this;
    }

    /**
     * Sets a key from a command-line flag, overriding the file; does nothing for {@code null}.
     *
     * @param key a key of {@link #KEYS}
     * @param value the flag's value, or {@code null} if the flag was not given
     * @param flag the flag, for error messages
     * @return this
     */
    NodeSettings override(String key, String value, String flag) {
        if (!KEYS.contains(key)) {
            throw new IllegalArgumentException("not a node setting: " + key);
        }
        if (value != null) {
            settings.put(key, new Setting(value.trim(), flag));
        }
        return this;
    }

    /**
     * @return the validated node configuration
     * @throws SettingsException naming the first bad setting
     */
    NodeConfig toNodeConfig() throws SettingsException {
        NodeConfig.Builder b = NodeConfig.builder();
        Setting host = settings.get(HOST);
        if (host != null) {
            if (host.value().isEmpty()) {
                throw new SettingsException("host must not be empty (" + host.origin() + ")");
            }
            b.host(host.value());
        }
        Setting port = settings.get(PORT);
        if (port != null) {
            b.port((int) whole(port, 0, 65535));
        }
        Setting seeds = settings.get(SEEDS);
        if (seeds != null) {
            b.seeds(seeds(seeds));
        }
        Setting hash = settings.get(HASH);
        if (hash != null) {
            try {
                KeyHashFunctions.byName(hash.value());
            } catch (IllegalArgumentException e) {
                throw new SettingsException(e.getMessage() + " (" + hash.origin() + ")");
            }
            b.hashName(hash.value());
        }
        positiveInt(K).ifPresent(b::k);
        positiveInt(ALPHA).ifPresent(b::alpha);
        positiveInt(REPLICATION).ifPresent(b::replication);
        Setting rpc = settings.get(RPC_TIMEOUT_MS);
        if (rpc != null) {
            b.rpcTimeout(Duration.ofMillis(whole(rpc, 1, Integer.MAX_VALUE)));
        }
        Setting op = settings.get(OPERATION_TIMEOUT_MS);
        if (op != null) {
            b.operationTimeout(Duration.ofMillis(whole(op, 1, Integer.MAX_VALUE)));
        }
        storage(b);
        Setting secret = settings.get(SECRET);
        if (secret != null) {
            if (secret.value().length() < 16) {
                // the value itself is never printed
                throw new SettingsException(SECRET + " must have at least 16 characters (" + secret.origin() + ")");
            }
            b.sharedSecret(secret.value());
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new SettingsException(e.getMessage());
        }
    }

    private void storage(NodeConfig.Builder b) throws SettingsException {
        Setting storage = settings.get(STORAGE);
        String name = storage == null || storage.value().isEmpty() ? StorageTierProviders.DEFAULT_NAME : storage.value();
        if (storage != null) {
            try {
                StorageTierProviders.byName(name);
            } catch (IllegalArgumentException e) {
                throw new SettingsException(e.getMessage() + " (" + storage.origin() + ")");
            }
        }
        b.storageName(name);
        Setting maxRecords = settings.get(STORAGE_MAX_RECORDS);
        if (maxRecords != null) {
            b.storageSetting("storage.max-records", Long.toString(whole(maxRecords, 1, Long.MAX_VALUE)));
        }
        Setting path = settings.get(STORAGE_PATH);
        if (path != null) {
            b.storageSetting("storage.path", storeFile(path).toString());
        } else if ("mvstore".equals(name)) {
            throw new SettingsException("the mvstore storage needs a file: set " + STORAGE_PATH + " or --storage-path");
        }
    }

    private static Path storeFile(Setting path) throws SettingsException {
        Path p;
        try {
            p = Path.of(path.value());
        } catch (InvalidPathException e) {
            throw new SettingsException("not a valid path: '" + path.value() + "' (" + path.origin() + ")");
        }
        if (Files.isDirectory(p)) {
            return p.resolve(STORE_FILE);
        }
        Path parent = p.toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new SettingsException("directory of the store file does not exist: " + parent + " ("
                    + path.origin() + ")");
        }
        return p;
    }

    private static List<InetSocketAddress> seeds(Setting seeds) throws SettingsException {
        List<InetSocketAddress> list = new ArrayList<>();
        for (String s : seeds.value().split(",")) {
            if (s.isBlank()) {
                continue;
            }
            try {
                list.add(Dht.parseAddress(s.trim()));
            } catch (IllegalArgumentException e) {
                throw new SettingsException(e.getMessage() + " (" + seeds.origin() + ")");
            }
        }
        return list;
    }

    private java.util.OptionalInt positiveInt(String key) throws SettingsException {
        Setting s = settings.get(key);
        return s == null ? java.util.OptionalInt.empty() : java.util.OptionalInt.of((int) whole(s, 1, Integer.MAX_VALUE));
    }

    private static long whole(Setting s, long min, long max) throws SettingsException {
        Objects.requireNonNull(s);
        long v;
        try {
            v = Long.parseLong(s.value());
        } catch (NumberFormatException e) {
            throw new SettingsException(s.origin() + " must be a whole number from " + min + " to " + max + ", was '"
                    + s.value() + "'");
        }
        if (v < min || v > max) {
            throw new SettingsException(s.origin() + " must be a whole number from " + min + " to " + max + ", was '"
                    + s.value() + "'");
        }
        return v;
    }
}
