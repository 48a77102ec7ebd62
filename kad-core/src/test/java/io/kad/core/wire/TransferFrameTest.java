package io.kad.core.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TransferFrameTest {

    @Test
    void framesDecodeToWhatWasEncoded() throws Exception {
        byte[] message = new byte[20_000];
        new Random(1).nextBytes(message);
        TransferFrame.Data last = (TransferFrame.Data) TransferFrame.decode(TransferFrame.data(-5, message, 8192, 2));
        assertThat(last.transferId()).isEqualTo(-5);
        assertThat(last.count()).isEqualTo(3);
        assertThat(last.index()).isEqualTo(2);
        assertThat(Arrays.copyOfRange(last.payload(), last.offset(), last.offset() + last.length()))
                .isEqualTo(Arrays.copyOfRange(message, 16_384, 20_000));
        assertThat(TransferFrame.decode(TransferFrame.ack(9, 4, 0b101L)))
                .isEqualTo(new TransferFrame.Ack(9, 4, 0b101L));
        assertThat(TransferFrame.decode(TransferFrame.abort(9, TransferFrame.REFUSED)))
                .isEqualTo(new TransferFrame.Abort(9, TransferFrame.REFUSED));
    }

    @Test
    void aFrameWhoseSizesDisagreeIsMalformed() {
        byte[] frame = TransferFrame.data(1, new byte[20_000], 8192, 0);
        assertThatThrownBy(() -> TransferFrame.decode(Arrays.copyOf(frame, frame.length - 1)))
                .isInstanceOf(MalformedMessageException.class);
        byte[] tiny = TransferFrame.data(1, new byte[20_000], 100, 0);
        assertThatThrownBy(() -> TransferFrame.decode(tiny)).isInstanceOf(MalformedMessageException.class);
        byte[] beyond = TransferFrame.data(1, new byte[20_000], 8192, 0);
        beyond[21] = 3; // index 3 of 3 fragments
        assertThatThrownBy(() -> TransferFrame.decode(beyond)).isInstanceOf(MalformedMessageException.class);
    }

    @Test
    void anyBytesAfterTheMagicDecodeOrFailAsMalformed() {
        Random random = new Random(7);
        for (int i = 0; i < 20_000; i++) {
            byte[] d = new byte[random.nextInt(40)];
            random.nextBytes(d);
            if (d.length > 0) {
                d[0] = TransferFrame.MAGIC;
                d[1 % d.length] = (byte) "DAX?".charAt(random.nextInt(4));
            }
            try {
                TransferFrame.decode(d);
            } catch (MalformedMessageException expected) {
                // dropped and counted by the endpoint
            }
        }
    }
}
