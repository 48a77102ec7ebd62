package io.kad.core.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The kad.py loopback captures, decoded and re-encoded. */
class CaptureVectorsTest {

    /** Probe phases whose datagram kad.py's handler died on, and the reason we give. */
    private static final Map<String, String> REJECTED_PROBES = Map.of(
            "probe_not_json", "not JSON",
            "probe_string_peer_id", "peer_id not an integer",
            "probe_float_peer_id", "peer_id not an integer",
            "probe_unknown_type", "unknown message_type hello");

    static List<ObjectNode> lines(String year) throws IOException {
        List<ObjectNode> out = new ArrayList<>();
        try (InputStream in = CaptureVectorsTest.class.getResourceAsStream("/wire/kadpy-" + year + "-capture.jsonl")) {
            String all = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            for (String line : all.split("\n")) {
                if (!line.isBlank()) {
                    out.add((ObjectNode) MessageCodec.mapper().readTree(line));
                }
            }
        }
        return out;
    }

    private static MessageCodec codec(String year) {
        return new MessageCodec(year.equals("2018") ? 256 : 128);
    }

    private static byte[] raw(ObjectNode line) {
        return line.get("raw").textValue().getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @CsvSource({"2018", "2015"})
    void everyKadpyDatagramOfTheCaptureDecodesToItsType(String year) throws Exception {
        MessageCodec codec = codec(year);
        int n = 0;
        for (ObjectNode line : lines(year)) {
            if (!line.get("sent_by").textValue().equals("kad.py")) {
                continue;
            }
            Message m = codec.decode(raw(line));
            assertThat(m.type()).as("seq %s", line.get("seq")).isEqualTo(line.get("message_type").textValue());
            assertThat(line.get("bytes").intValue()).isEqualTo(raw(line).length);
            n++;
        }
        assertThat(n).isGreaterThan(80);
    }

    @ParameterizedTest
    @CsvSource({"2018", "2015"})
    void probeDatagramsKadpyChokedOnAreRejectedWithReasonOthersDecode(String year) throws Exception {
        MessageCodec codec = codec(year);
        Set<String> seenRejections = new HashSet<>();
        for (ObjectNode line : lines(year)) {
            if (!line.get("sent_by").textValue().equals("probe")) {
                continue;
            }
            String phase = line.get("phase").textValue();
            String reason = REJECTED_PROBES.get(phase);
            if (reason != null) {
                assertThatThrownBy(() -> codec.decode(raw(line))).as(phase)
                        .isInstanceOf(MalformedMessageException.class)
                        .extracting(e -> ((MalformedMessageException) e).reason()).isEqualTo(reason);
                seenRejections.add(phase);
            } else {
                Message m = codec.decode(raw(line));
                assertThat(m.type()).as(phase).isEqualTo(line.get("message_type").textValue());
                if (phase.equals("probe_missing_peer_info")) {
                    assertThat(m.peerInfo().isNull()).isTrue();
                }
                if (phase.equals("probe_no_rpc_id")) {
                    assertThat(((Message.FindNode) m).rpcId().isMissingNode()).isTrue();
                }
                if (phase.equals("probe_utf8_raw")) {
                    assertThat(((Message.Store) m).value().textValue()).isEqualTo("raw \u00e9\u2603");
                }
            }
        }
        assertThat(seenRejections).isEqualTo(REJECTED_PROBES.keySet());
    }

    @ParameterizedTest
    @CsvSource({"2018", "2015"})
    void unknownTypeRejectionStillCarriesTheSenderId(String year) throws Exception {
        MessageCodec codec = codec(year);
        ObjectNode line = lines(year).stream().filter(l -> l.get("phase").textValue().equals("probe_unknown_type"))
                .findFirst().orElseThrow();
        assertThatThrownBy(() -> codec.decode(raw(line))).isInstanceOfSatisfying(UnknownMessageTypeException.class,
                e -> assertThat(e.peerId()).isEqualTo(new BigInteger("188294832433828973344839852176805263926")));
    }

    /**
     * Re-encodes every kad.py-sent datagram from its decoded Message. Compared: all bytes, exactly, for
     * every type except found_nodes; for found_nodes the expected text is the raw tree with entries
     * deduplicated by id (first kept) and each entry's info replaced by {} (Contact keeps no info, and
     * kad.py's entries are not ours) -- and separately the raw tree itself must print back to raw.
     * The seven 9193-byte (2015: 9155-byte) stores exceed kad.py's 8192-byte buffer, so encoding them must fail.
     */
    @ParameterizedTest
    @CsvSource({"2018", "2015"})
    void everyKadpyDatagramReEncodesToTheSameBytes(String year) throws Exception {
        MessageCodec codec = codec(year);
        int exact = 0;
        int foundNodes = 0;
        int tooLarge = 0;
        for (ObjectNode line : lines(year)) {
            if (!line.get("sent_by").textValue().equals("kad.py")) {
                continue;
            }
            String raw = line.get("raw").textValue();
            ObjectNode tree = codec.parse(raw(line));
            assertThat(PythonJson.write(tree)).as("writer, seq %s", line.get("seq")).isEqualTo(raw);
            Message m = codec.decode(tree);
            if (raw.length() > MessageCodec.KADPY_MAX_DATAGRAM) {
                assertThatThrownBy(() -> codec.encode(m)).isInstanceOf(MessageTooLargeException.class)
                        .hasMessageContaining(String.valueOf(raw.length()));
                tooLarge++;
                continue;
            }
            String encoded = new String(codec.encode(m), StandardCharsets.US_ASCII);
            if (m instanceof Message.FoundNodes) {
                ObjectNode expected = tree.deepCopy();
                ArrayNode entries = (ArrayNode) expected.get("nearest_nodes");
                ArrayNode deduped = expected.arrayNode();
                Set<BigInteger> ids = new HashSet<>();
                for (JsonNode e : entries) {
                    if (ids.add(e.get(2).bigIntegerValue())) {
                        ArrayNode copy = e.deepCopy();
                        copy.set(3, expected.objectNode());
                        deduped.add(copy);
                    }
                }
                expected.set("nearest_nodes", deduped);
                assertThat(encoded).as("seq %s", line.get("seq")).isEqualTo(PythonJson.write(expected));
                foundNodes++;
            } else {
                assertThat(encoded).as("seq %s", line.get("seq")).isEqualTo(raw);
                exact++;
            }
        }
        assertThat(exact).isGreaterThan(40);
        assertThat(foundNodes).isGreaterThan(10);
        assertThat(tooLarge).isEqualTo(7);
    }
}
