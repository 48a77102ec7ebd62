package io.kad.examples.hibernate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The example program on one node: each second read is served by the second-level cache. */
class LibraryAppTest {

    @Test
    void secondReadsOfEntityCollectionNaturalIdAndQueryHitTheCache() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        LibraryApp.Result r = LibraryApp.run(new PrintStream(bytes, true, StandardCharsets.UTF_8));

        // the first find of book 1 misses; every later one (its tags' session, the natural id and the
        // query load it too) is served by the cache
        assertThat(r.entityMisses()).isEqualTo(1);
        assertThat(r.entityHits()).isGreaterThanOrEqualTo(3);
        assertThat(r.collectionHits()).isEqualTo(1);
        assertThat(r.naturalIdHits()).isPositive();
        assertThat(r.queryHits()).isEqualTo(1);
        assertThat(r.title()).isEqualTo("Introduction to Algorithms");
        assertThat(bytes.toString(StandardCharsets.UTF_8))
                .contains("round 2: 'Introduction to Algorithms', 2 tags, by isbn #1, query found 1")
                .contains("second-level cache: Book 1 miss(es)");
    }
}
