package io.kad.core.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kad.spi.InterceptedMessage.Direction;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InterceptedViewTest {

    static final MessageCodec CODEC = new MessageCodec(256);

    static ObjectNode parse(String s) throws Exception {
        return CODEC.parse(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void fieldsArePlainJavaValuesInWireOrderWithIdsAsBigInteger() throws Exception {
        ObjectNode t = parse("{\"message_type\": \"found_nodes\", \"id\": 1, \"nearest_nodes\": [[\"127.0.0.1\", 31001, 5, {}]],"
                + " \"rpc_id\": 999, \"peer_id\": 7, \"peer_info\": {\"n\": 3, \"big\": 99999999999, \"f\": 2.5,"
                + " \"huge\": 340282366920938463463374607431768211455, \"b\": true, \"z\": null, \"s\": \"x\"}}");
        InterceptedView v = new InterceptedView(Direction.INBOUND, new InetSocketAddress("127.0.0.1", 1),
                BigInteger.valueOf(7), BigInteger.ONE, t);
        Map<String, Object> f = v.fields();
        assertThat(f.keySet()).containsExactly("message_type", "id", "nearest_nodes", "rpc_id", "peer_id", "peer_info");
        assertThat(f.get("id")).isEqualTo(BigInteger.ONE);
        assertThat(f.get("rpc_id")).isEqualTo(BigInteger.valueOf(999));
        assertThat(f.get("peer_id")).isEqualTo(BigInteger.valueOf(7));
        assertThat(f.get("nearest_nodes")).isEqualTo(List.of(List.of("127.0.0.1", 31001, BigInteger.valueOf(5), Map.of())));
        @SuppressWarnings("unchecked")
        Map<String, Object> info = (Map<String, Object>) f.get("peer_info");
        assertThat(info.get("n")).isEqualTo(3);
        assertThat(info.get("big")).isEqualTo(99999999999L);
        assertThat(info.get("f")).isEqualTo(2.5);
        assertThat(info.get("huge")).isEqualTo(BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE));
        assertThat(info.get("b")).isEqualTo(true);
        assertThat(info).containsEntry("z", null);
        assertThat(v.messageType()).isEqualTo("found_nodes");
        assertThat(v.direction()).isEqualTo(Direction.INBOUND);
    }

    @Test
    void unmodifiedViewWritesBackTheSameBytes() throws Exception {
        String raw = "{\"message_type\": \"store\", \"id\": 11291368315213641659636739625592410603609357544876210314312757694886436206457,"
                + " \"value\": {\"hola\": 12, \"nested\": {\"a\": [1, 2.5, null, true, false]}, \"text\": \"h\\u00e9llo \\u2603\"},"
                + " \"peer_id\": 29602723650044466230836558356005448838, \"peer_info\": null}";
        InterceptedView v = new InterceptedView(Direction.OUTBOUND, null, null, BigInteger.ONE, parse(raw));
        assertThat(new String(CODEC.encodeTree(v.toTree()), StandardCharsets.US_ASCII)).isEqualTo(raw);
    }

    @Test
    void modifiedValueTakesEffectAfterDecodingTheWrittenBackTree() throws Exception {
        ObjectNode t = parse("{\"message_type\": \"store\", \"id\": 5, \"value\": \"a\", \"peer_id\": 1, \"peer_info\": null}");
        InterceptedView v = new InterceptedView(Direction.INBOUND, null, BigInteger.ONE, BigInteger.TWO, t);
        assertThat(v.value()).isEqualTo("a");
        Map<String, Object> nested = new HashMap<>();
        nested.put("k", List.of(1, 2L, 0.1f, "\u00e9"));
        v.fields().put("value", nested);
        Message.Store m = (Message.Store) CODEC.decode(v.toTree());
        assertThat(CODEC.mapper().writeValueAsString(m.value())).isEqualTo("{\"k\":[1,2,0.1,\"\u00e9\"]}");
        // the original tree is untouched
        assertThat(t.get("value").textValue()).isEqualTo("a");
    }

    @Test
    void invalidModificationsAreCaughtOnWriteBackOrDecode() throws Exception {
        ObjectNode t = parse("{\"message_type\": \"store\", \"id\": 5, \"value\": \"a\", \"peer_id\": 1, \"peer_info\": null}");
        InterceptedView v = new InterceptedView(Direction.INBOUND, null, BigInteger.ONE, BigInteger.TWO, t);
        v.fields().put("value", new Object());
        assertThatThrownBy(v::toTree).isInstanceOf(IllegalArgumentException.class);
        v.fields().put("value", Map.of(1, 2));
        assertThatThrownBy(v::toTree).isInstanceOf(IllegalArgumentException.class);
        v.fields().put("value", "ok");
        v.fields().put("peer_id", "1");
        assertThatThrownBy(() -> CODEC.decode(v.toTree())).isInstanceOf(MalformedMessageException.class)
                .hasMessage("peer_id not an integer");
    }

    @Test
    void toJavaAndFromJavaAreInverse() throws Exception {
        ObjectNode t = (ObjectNode) MessageCodec.mapper().readTree("{\"a\": [1, {\"b\": -2}], \"id\": 3, \"c\": 1e300, \"d\": \"\", \"e\": {}}");
        assertThat(PythonJson.write(InterceptedView.fromJava(InterceptedView.toJava(t)))).isEqualTo(PythonJson.write(t));
    }
}
