package io.kad.examples.hibernate;

import static org.assertj.core.api.Assertions.assertThat;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import javax.cache.CacheException;
import org.hibernate.SessionFactory;
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

    @Test
    void withoutTheHibernatePresetCachingFailsNamingHibernatesClass() throws Exception {
        Properties withoutPreset = new Properties();
        withoutPreset.setProperty("kad.serialization.allow", "io.kad.examples.**");
        try (URLClassLoader loader = new URLClassLoader(new URL[0], getClass().getClassLoader());
             SessionFactory factory = LibraryApp.sessionFactory(LibraryApp.cacheManager(loader, withoutPreset),
                     "jdbc:h2:mem:no-preset-" + UUID.randomUUID(), true)) {
            // a read-write region reads its entry (or its lock) before it writes: the first write fails already
            assertThatThrownBy(() -> LibraryApp.inTransaction(factory, s -> {
                s.persist(new Book(7, "isbn-7", "Kept in the cache", Set.of("tag")));
                return null;
            })).satisfies(e -> assertThat(causeOfType(e, CacheException.class).getMessage())
                    .contains("of cache io.kad.examples.hibernate.Book")
                    .contains("org.hibernate.cache.spi.support.AbstractReadWriteAccess$")
                    .contains("is not allowed"));
        }
    }

    private static <T extends Throwable> T causeOfType(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        throw new AssertionError("no " + type.getName() + " in " + e);
    }
}
