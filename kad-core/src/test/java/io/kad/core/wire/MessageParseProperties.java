package io.kad.core.wire;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.NullNode;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;

/**
 * Parsing reads an ASCII datagram straight from its bytes and any other through strict UTF-8 decoding:
 * both paths accept the same messages, strip the same whitespace, and reject anything else with the
 * codec's own exception only.
 */
class MessageParseProperties {

    private static final MessageCodec CODEC = new MessageCodec(256);

    @Property(tries = 2000)
    void anyBytesParseOrFailWithTheCodecsOwnExceptionOnly(@ForAll @Size(max = 400) byte[] datagram) {
        try {
            assertThat(CODEC.parse(datagram)).isNotNull();
        } catch (MalformedMessageException expected) {
            // the one failure a receive loop drops and counts
        }
    }

    @Property(tries = 300)
    void whitespaceAroundAMessageIsStrippedOnBothPaths(@ForAll @Size(max = 6) byte[] padding,
                                                       @ForAll boolean unicodePadding) throws Exception {
        byte[] message = CODEC.encode(new Message.Ping(BigInteger.valueOf(42), NullNode.getInstance(),
                NullNode.getInstance()));
        StringBuilder pad = new StringBuilder();
        for (byte b : padding) {
            // ASCII whitespace Python strips, or (forcing the UTF-8 path) Unicode whitespace it strips too
            pad.append(unicodePadding ? (b % 2 == 0 ? '\u2003' : '\u0085') : " \t\n\r\u000b\u000c\u001c".charAt(
                    Math.floorMod(b, 7)));
        }
        String text = pad + new String(message, StandardCharsets.US_ASCII) + pad;
        assertThat(CODEC.parse(text.getBytes(StandardCharsets.UTF_8))).isEqualTo(CODEC.parse(message));
    }

    @Property(tries = 200)
    void aMessageWithANonAsciiStringParsesThroughStrictUtf8(@ForAll @Size(min = 1, max = 3) byte[] junk)
            throws MalformedMessageException {
        byte[] message = ("{\"message_type\": \"ping\", \"peer_id\": 42, \"peer_info\": \"\u00e9\"}")
                .getBytes(StandardCharsets.UTF_8);
        assertThat(CODEC.parse(message).get("peer_info").asText()).isEqualTo("\u00e9");
        // the same with a stray continuation or lead byte in the string: not UTF-8, refused
        byte[] broken = message.clone();
        broken[broken.length - 4] = (byte) (0x80 | (junk[0] & 0x3f));
        try {
            CODEC.parse(broken);
        } catch (MalformedMessageException expected) {
            return;
        }
        throw new AssertionError("accepted bytes that are not UTF-8");
    }
}
