package io.kad.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/**
 * The bytes of a kad.py-style JSON value as a record stores them, and back: the one codec that
 * {@link KadNode} (kad.py's {@code store} and {@code find_value}) and {@link Dht} (its values) share, so
 * that neither depends on the other for it. Stateless apart from its immutable mapper; any thread.
 */
final class JsonValues {

    /** Integers come back as the smallest of Integer, Long and BigInteger that holds them. */
    static final ObjectMapper MAPPER = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private JsonValues() {
    }

    static JsonNode parse(byte[] json) {
        try {
            return MAPPER.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException("stored value is not JSON", e);
        }
    }

    static byte[] write(JsonNode tree) {
        try {
            return MAPPER.writeValueAsBytes(tree);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("value cannot be written as JSON", e);
        }
    }
}
