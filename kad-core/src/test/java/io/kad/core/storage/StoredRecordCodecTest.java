package io.kad.core.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kad.spi.StoredRecord;
import java.math.BigInteger;
import java.util.Arrays;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Positive;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class StoredRecordCodecTest {

    @Property
    void everyRecordDecodesToItself(
            @ForAll @Positive long id,
            @ForAll String namespace,
            @ForAll @Size(max = 300) byte[] key,
            @ForAll @Size(max = 3000) byte[] value,
            @ForAll boolean json,
            @ForAll @Positive long version,
            @ForAll long expiresAt,
            @ForAll boolean tombstone) {
        StoredRecord record = new StoredRecord(BigInteger.valueOf(id), namespace, key, value, json, version,
                expiresAt, tombstone);
        assertThat(StoredRecordCodec.decode(record.id(), StoredRecordCodec.encode(record))).isEqualTo(record);
    }

    @Test
    void truncatedBytesAreReportedAsCorrupt() {
        byte[] encoded = StoredRecordCodec.encode(TestRecords.live(1, 1));
        assertThatThrownBy(() -> StoredRecordCodec.decode(BigInteger.ONE, Arrays.copyOf(encoded, encoded.length - 3)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("corrupt");
    }

    @Test
    void unknownFormatIsRejected() {
        byte[] encoded = StoredRecordCodec.encode(TestRecords.live(1, 1));
        encoded[0] = 9;
        assertThatThrownBy(() -> StoredRecordCodec.decode(BigInteger.ONE, encoded))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("format 9");
    }
}
