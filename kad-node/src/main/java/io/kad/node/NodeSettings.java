package io.kad.node;

import io.kad.core.DnsSeeds;
import io.kad.core.NodeConfig;
import io.kad.core.hash.KeyHashFunctions;
import io.kad.jcache.configuration.KadSettings;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import javax.cache.CacheException;

/**
 * The settings of a standalone node: the {@code kad.*} keys of a properties file, overridden by
 * command-line flags, checked by the provider's own binder ({@link KadSettings}), so that one
 * {@code kad.properties} serves an application and the nodes of its swarm.
 *
 * <p>Contract:
 * <ul>
 *   <li>every key the provider accepts is accepted (node, storage, serialization and {@code kad.cache.*}
 *       keys; the node itself reads the node and storage ones); an unknown {@code kad.*} key or a bad value
 *       fails with a {@link SettingsException} naming the key, the value and its source (the file, or the
 *       flag); keys without the {@code kad.} prefix are ignored;</li>
 *   <li>{@code kad.storage.path} naming an existing directory means the store file {@value #STORE_FILE}
 *       in it;</li>
 *   <li>a node with a store ({@code kad.storage.path} set) keeps its id in a file beside it
 *       ({@link Bound#nodeIdFile()}), so that a restarted node owns the records it holds.</li>
 * </ul>
 */
final class NodeSettings {

    /** The store file used when {@code kad.storage.path} names a directory. */
    static final String STORE_FILE = "kad-node.mv";

    /** The node id file used when {@code kad.storage.path} names a directory. */
    static final String NODE_ID_FILE = "node-id";

    /** The suffix of the node id file beside a store file given by name: {@code <file>.node-id}. */
    static final String NODE_ID_SUFFIX = ".node-id";

    static final String HOST = "kad.host";
    static final String PORT = "kad.port";
    static final String SEEDS = "kad.seeds";
    static final String HASH = "kad.hash";
    static final String STORAGE = "kad.storage";
    static final String STORAGE_PATH = "kad.storage.path";

    /** A bad setting; the message names it and is fit to show a user as is. */
    static final class SettingsException extends Exception {
        private static final long serialVersionUID = 1L;

        SettingsException(String message) {
            super(message);
        }
    }

    /**
     * The checked settings of a node.
     *
     * @param config the node's configuration (with its stored id, when it has one)
     * @param dnsSeeds the seeds to look up by name
     * @param dnsSeedInterval how often to look them up again
     * @param nodeIdFile where the node keeps its id, or null when it has no store
     */
    record Bound(NodeConfig config, List<DnsSeeds.Name> dnsSeeds, Duration dnsSeedInterval, Path nodeIdFile) {
    }

    private final Map<String, String> values = new LinkedHashMap<>();
    private final Map<String, String> origins = new LinkedHashMap<>();

    /**
     * Reads the {@code kad.*} keys of a properties file (UTF-8).
     *
     * @param file the file
     * @return this
     * @throws SettingsException if the file is missing or unreadable
     */
    NodeSettings load(Path file) throws SettingsException {
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(in);
        } catch (NoSuchFileException e) {
            throw new SettingsException("config file not found: " + file);
        } catch (IOException | IllegalArgumentException e) {
            throw new SettingsException("cannot read config file " + file + ": " + e.getMessage());
        }
        for (String key : properties.stringPropertyNames()) {
            if (key.startsWith("kad.")) {
                values.put(key, properties.getProperty(key).trim());
                origins.put(key, file.toString());
            }
        }
        return this;
    }

    /**
     * Sets a key from a command-line flag, overriding the file; does nothing for {@code null}.
     *
     * @param key a {@code kad.*} key
     * @param value the flag's value, or {@code null} if the flag was not given
     * @param flag the flag, for error messages
     * @return this
     */
    NodeSettings override(String key, String value, String flag) {
        if (!key.startsWith("kad.")) {
            throw new IllegalArgumentException("not a kad.* key: " + key);
        }
        if (value != null) {
            values.put(key, value.trim());
            origins.put(key, flag);
        }
        return this;
    }

    /**
     * Checks the settings and reads the stored node id, if any.
     *
     * @return the node's settings
     * @throws SettingsException naming the first bad setting, or an unreadable node id file
     */
    Bound bind() throws SettingsException {
        Map<String, String> checked = new LinkedHashMap<>(values);
        Path idFile = null;
        String path = values.get(STORAGE_PATH);
        if (path != null && !path.isEmpty()) {
            Path p;
            try {
                p = Path.of(path);
            } catch (InvalidPathException e) {
                throw new SettingsException("bad setting " + STORAGE_PATH + "=" + path + ": not a valid path"
                        + from(STORAGE_PATH));
            }
            if (Files.isDirectory(p)) {
                checked.put(STORAGE_PATH, p.resolve(STORE_FILE).toString());
                idFile = p.resolve(NODE_ID_FILE);
            } else {
                Path parent = p.toAbsolutePath().getParent();
                if (parent == null || !Files.isDirectory(parent)) {
                    throw new SettingsException("bad setting " + STORAGE_PATH + "=" + path
                            + ": the directory of the store file does not exist" + from(STORAGE_PATH));
                }
                idFile = p.resolveSibling(p.getFileName() + NODE_ID_SUFFIX);
            }
        }
        String hash = values.get(HASH);
        if (hash != null && !hash.isEmpty()) {
            try {
                KeyHashFunctions.byName(hash);
            } catch (IllegalArgumentException e) {
                throw new SettingsException(e.getMessage() + from(HASH));
            }
        }
        KadSettings settings;
        try {
            settings = KadSettings.of(checked, origins);
        } catch (CacheException e) {
            throw new SettingsException(e.getMessage().replace(" (from ", " (in "));
        }
        NodeConfig config = settings.nodeConfig();
        if (idFile != null) {
            try {
                NodeIdFile stored = new NodeIdFile(idFile);
                var id = stored.read();
                if (id.isPresent()) {
                    config = config.toBuilder().nodeId(id.get()).build();
                }
            } catch (IOException | IllegalArgumentException e) {
                throw new SettingsException("cannot use the node id file " + idFile + ": " + e.getMessage());
            }
        }
        return new Bound(config, settings.dnsSeeds(), settings.dnsSeedInterval(), idFile);
    }

    private String from(String key) {
        String origin = origins.get(key);
        return origin == null ? "" : " (in " + origin + ")";
    }
}
