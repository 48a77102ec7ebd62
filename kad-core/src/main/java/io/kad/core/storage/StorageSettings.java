package io.kad.core.storage;

import java.util.Map;
import java.util.OptionalLong;

/** Reads the {@code storage.*} settings a provider receives, with errors that name the full key. */
final class StorageSettings {

    /** Setting: the bound by record count. */
    static final String MAX_RECORDS = "storage.max-records";
    /** Setting: the bound by weight (bytes); replaces the count bound when set. */
    static final String MAX_BYTES = "storage.max-bytes";
    /** Setting: the store file. */
    static final String PATH = "storage.path";
    /** Setting: {@code every-write} or {@code periodic}. */
    static final String SYNC = "storage.sync";
    /** Setting: the commit interval of {@code periodic}, in milliseconds. */
    static final String SYNC_INTERVAL_MS = "storage.sync-interval-ms";

    private StorageSettings() {
    }

    /** @return the name users write, with the {@code kad.} prefix the provider does not see */
    static String fullName(String key) {
        return "kad." + key;
    }

    /**
     * @return the value, trimmed, or {@code null} if absent or blank
     */
    static String optional(Map<String, String> settings, String key) {
        String value = settings.get(key);
        if (value == null || value.isBlank()) {
            return null;
        }
        return value.trim();
    }

    static String required(Map<String, String> settings, String key, String why) {
        String value = optional(settings, key);
        if (value == null) {
            throw new IllegalArgumentException(fullName(key) + " is required: " + why);
        }
        return value;
    }

    /**
     * @throws IllegalArgumentException naming the key and the value if it is not a whole number in range
     */
    static OptionalLong longInRange(Map<String, String> settings, String key, long min, long max) {
        String value = optional(settings, key);
        if (value == null) {
            return OptionalLong.empty();
        }
        long parsed;
        try {
            parsed = Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(fullName(key) + " must be a whole number from " + min + " to " + max
                    + ", was '" + settings.get(key) + "'", e);
        }
        if (parsed < min || parsed > max) {
            throw new IllegalArgumentException(fullName(key) + " must be a whole number from " + min + " to " + max
                    + ", was '" + settings.get(key) + "'");
        }
        return OptionalLong.of(parsed);
    }
}
