package io.kad.core.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kad.core.wire.DatagramAuthenticator.Refusal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/**
 * Tagged datagrams are accepted once, by the node they name, while fresh: tampering, another secret,
 * another recipient, a stale or future timestamp and a second delivery are each refused with their
 * own reason; the memory of nonces stays bounded and frees itself as the window moves.
 */
class DatagramAuthenticatorTest {

    private static final String SECRET = "correct horse battery staple";
    private static final BigInteger A = BigInteger.valueOf(1001);
    private static final BigInteger B = BigInteger.valueOf(2002);
    private static final long NOW = 1_790_000_000_000L;
    private static final byte[] PING = "{\"message_type\":\"ping\",\"peer_id\":1,\"peer_info\":{}}"
            .getBytes(StandardCharsets.UTF_8);

    private static DatagramAuthenticator at(BigInteger id) {
        return new DatagramAuthenticator(SECRET, id);
    }

    @Test
    void aTaggedDatagramIsAcceptedOnceAndComesBackAsItWas() {
        byte[] signed = at(B).sign(PING, NOW, A);
        DatagramAuthenticator a = at(A);
        assertThat(a.verify(signed, NOW + 5).datagram()).isEqualTo(PING);
        assertThat(a.verify(signed, NOW + 6).refusal()).isEqualTo(Refusal.REPLAYED);
        // the same message signed again is a new datagram
        assertThat(a.verify(at(B).sign(PING, NOW, A), NOW + 7).datagram()).isEqualTo(PING);
    }

    @Test
    void tamperingAMissingTagAndAnotherSecretAreRefused() {
        byte[] signed = at(B).sign(PING, NOW, A);
        for (int i = 0; i < signed.length; i++) {
            byte[] tampered = signed.clone();
            tampered[i] ^= 1;
            assertThat(at(A).verify(tampered, NOW).refusal()).as("byte %d flipped", i).isNotNull();
        }
        assertThat(at(A).verify(PING, NOW).refusal()).isEqualTo(Refusal.BAD_TAG);
        byte[] other = new DatagramAuthenticator("another secret, long enough", B).sign(PING, NOW, A);
        assertThat(at(A).verify(other, NOW).refusal()).isEqualTo(Refusal.BAD_TAG);
    }

    @Test
    void aDatagramNamingAnotherRecipientIsRefusedOneNamingNoneIsAccepted() {
        byte[] toB = at(A).sign(PING, NOW, B);
        assertThat(at(A).verify(toB, NOW).refusal()).isEqualTo(Refusal.MISDIRECTED);
        // an id that shares B's leading digits is another id
        assertThat(at(BigInteger.valueOf(200)).verify(toB, NOW).refusal()).isEqualTo(Refusal.MISDIRECTED);
        byte[] unnamed = at(B).sign(PING, NOW, null);
        assertThat(at(A).verify(unnamed, NOW).datagram()).isEqualTo(PING);
    }

    @Test
    void timestampsOutsideTheWindowEitherWayAreStale() {
        long window = DatagramAuthenticator.DEFAULT_WINDOW.toMillis();
        assertThat(at(A).verify(at(B).sign(PING, NOW, A), NOW + window).datagram()).isEqualTo(PING);
        assertThat(at(A).verify(at(B).sign(PING, NOW, A), NOW + window + 1).refusal()).isEqualTo(Refusal.STALE);
        assertThat(at(A).verify(at(B).sign(PING, NOW + window + 1, A), NOW).refusal()).isEqualTo(Refusal.STALE);
    }

    @Test
    void theMemoryOfNoncesIsBoundedAndFreedAsTheWindowMoves() {
        Duration window = Duration.ofSeconds(10);
        DatagramAuthenticator a = new DatagramAuthenticator(SECRET, A, window, 16);
        DatagramAuthenticator b = new DatagramAuthenticator(SECRET, B, window, 16);
        for (int i = 0; i < 16; i++) {
            assertThat(a.verify(b.sign(PING, NOW, A), NOW).refusal()).isNull();
        }
        assertThat(a.verify(b.sign(PING, NOW, A), NOW).refusal()).isEqualTo(Refusal.NONCES_FULL);
        // two windows on, every remembered timestamp is stale: the memory is free again
        long later = NOW + 2 * window.toMillis() + 1;
        assertThat(a.verify(b.sign(PING, later, A), later).refusal()).isNull();
    }

    @Test
    void aReplayIsRefusedForAsLongAsItsTimestampIsFresh() {
        DatagramAuthenticator a = at(A);
        long window = DatagramAuthenticator.DEFAULT_WINDOW.toMillis();
        // stamped a window ahead of the receiver (a fast clock): remembered until it is stale
        byte[] ahead = at(B).sign(PING, NOW + window, A);
        assertThat(a.verify(ahead, NOW).refusal()).isNull();
        for (long t = NOW; t <= NOW + 2 * window; t += window / 4) {
            assertThat(a.verify(ahead, t).refusal()).as("at +%d ms", t - NOW).isIn(Refusal.REPLAYED, Refusal.STALE);
        }
    }

    @Test
    void badArgumentsAreNamed() {
        assertThatThrownBy(() -> new DatagramAuthenticator(SECRET, BigInteger.ZERO))
                .hasMessageContaining("localId").hasMessageContaining("0");
        assertThatThrownBy(() -> new DatagramAuthenticator(SECRET, A, Duration.ofMillis(10), 100))
                .hasMessageContaining("window");
        assertThatThrownBy(() -> new DatagramAuthenticator(SECRET, A, Duration.ofSeconds(1), 3))
                .hasMessageContaining("nonceCapacity").hasMessageContaining("3");
    }

    @Test
    void binaryDatagramsCarryTheSameChecksInATrailer() {
        byte[] binary = {BinaryMessages.MAGIC, 1, 7, 0, 42, 43, 44};
        byte[] signed = at(B).sign(binary, NOW, A);
        assertThat(signed).hasSize(binary.length + DatagramAuthenticator.BINARY_TRAILER);
        DatagramAuthenticator a = at(A);
        assertThat(a.verify(signed, NOW).datagram()).isEqualTo(binary);
        assertThat(a.verify(signed, NOW).refusal()).isEqualTo(Refusal.REPLAYED);
        assertThat(at(B).verify(at(A).sign(binary, NOW, A), NOW).refusal()).isEqualTo(Refusal.MISDIRECTED);
        assertThat(at(A).verify(at(B).sign(binary, NOW, null), NOW).datagram()).isEqualTo(binary);
        long window = DatagramAuthenticator.DEFAULT_WINDOW.toMillis();
        assertThat(at(A).verify(at(B).sign(binary, NOW - window - 1, A), NOW).refusal()).isEqualTo(Refusal.STALE);
        for (int i = 0; i < signed.length; i++) {
            byte[] tampered = signed.clone();
            tampered[i] ^= 1;
            assertThat(at(A).verify(tampered, NOW).refusal()).as("byte %d flipped", i).isNotNull();
        }
    }

    @Property(tries = 1000)
    void anyBytesAreRefusedWithoutAnException(@ForAll @Size(max = 200) byte[] datagram) {
        assertThat(at(A).verify(datagram, NOW).refusal()).isNotNull();
    }
}
