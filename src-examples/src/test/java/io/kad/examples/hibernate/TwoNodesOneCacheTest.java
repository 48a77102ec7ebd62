package io.kad.examples.hibernate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kad.jcache.KadCacheManager;
import java.net.InetSocketAddress;
import java.net.URL;
import java.net.URLClassLoader;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import javax.cache.CacheManager;
import org.hibernate.SessionFactory;
import org.hibernate.stat.Statistics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two applications sharing one database, each with its own {@link SessionFactory} and its own kad-jcache
 * cache manager (its own node), joined into one swarm on loopback: their second-level caches are one.
 * In production they run in two JVMs; here they share one, so each manager gets its own class loader
 * (the provider keeps one manager per URI and class loader) and both use the example's URI, which is
 * what makes their caches one namespace.
 */
class TwoNodesOneCacheTest {

    private static final String BOOK = Book.class.getName();

    private final String database = "jdbc:h2:mem:two-nodes-" + UUID.randomUUID();
    private URLClassLoader firstLoader;
    private URLClassLoader secondLoader;
    private SessionFactory first;
    private SessionFactory second;

    @BeforeEach
    void start() {
        ClassLoader parent = getClass().getClassLoader();
        firstLoader = new URLClassLoader(new URL[0], parent);
        secondLoader = new URLClassLoader(new URL[0], parent);
        CacheManager firstManager = LibraryApp.cacheManager(firstLoader, new Properties());
        first = LibraryApp.sessionFactory(firstManager, database, true);
        InetSocketAddress seed = firstManager.unwrap(KadCacheManager.class).node().address();
        Properties joining = new Properties();
        joining.setProperty("kad.seeds", seed.getHostString() + ":" + seed.getPort());
        CacheManager secondManager = LibraryApp.cacheManager(secondLoader, joining);
        assertThat(secondManager).isNotSameAs(firstManager);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> !secondManager.unwrap(KadCacheManager.class).node().peers().isEmpty());
        second = LibraryApp.sessionFactory(secondManager, database, false);

        LibraryApp.inTransaction(first, s -> {
            s.persist(new Book(1, "978-0-13-468599-1", "Effective Java", Set.of("java")));
            return null;
        });
        first.getCache().evictAllRegions();
        first.getStatistics().clear();
        second.getStatistics().clear();
    }

    @AfterEach
    void stop() throws Exception {
        // the first factory created the schema and drops it on close: close it last
        if (second != null) {
            second.close();
        }
        if (first != null) {
            first.close();
        }
        secondLoader.close();
        firstLoader.close();
    }

    @Test
    void anEntityCachedThroughOneNodeIsReadFromTheCacheByTheOther() {
        assertThat(title(first)).isEqualTo("Effective Java");
        Statistics one = first.getStatistics();
        assertThat(one.getEntityStatistics(BOOK).getCacheMissCount()).isEqualTo(1);
        assertThat(one.getEntityStatistics(BOOK).getCachePutCount()).isEqualTo(1);

        assertThat(title(second)).isEqualTo("Effective Java");
        assertThat(title(second)).isEqualTo("Effective Java");
        Statistics two = second.getStatistics();
        assertThat(two.getEntityStatistics(BOOK).getCacheMissCount()).isZero();
        assertThat(two.getEntityStatistics(BOOK).getCacheHitCount()).isEqualTo(2);
        assertThat(two.getEntityStatistics(BOOK).getLoadCount()).isZero(); // no row read from the database

        Book byIsbn = LibraryApp.inTransaction(second, s -> s.bySimpleNaturalId(Book.class).load("978-0-13-468599-1"));
        assertThat(byIsbn.getId()).isEqualTo(1L);
        Set<String> tags = LibraryApp.inTransaction(second, s -> Set.copyOf(s.find(Book.class, 1L).getTags()));
        assertThat(tags).containsExactly("java");
    }

    @Test
    void anUpdateThroughOneNodeReplacesTheOthersCachedEntity() {
        assertThat(title(second)).isEqualTo("Effective Java");
        assertThat(second.getStatistics().getEntityStatistics(BOOK).getCacheMissCount()).isEqualTo(1);
        assertThat(title(second)).isEqualTo("Effective Java");
        assertThat(second.getStatistics().getEntityStatistics(BOOK).getCacheHitCount()).isEqualTo(1);

        LibraryApp.inTransaction(first, s -> {
            s.find(Book.class, 1L).setTitle("Effective Java, Third Edition");
            return null;
        });

        assertThat(title(second)).isEqualTo("Effective Java, Third Edition");
        Statistics two = second.getStatistics();
        assertThat(two.getEntityStatistics(BOOK).getCacheHitCount()).isEqualTo(2); // the new state, from the cache
        assertThat(two.getEntityStatistics(BOOK).getLoadCount()).isEqualTo(1); // only the first miss read the row
    }

    @Test
    void aCachedQueryOfTheOtherNodeIsInvalidatedByAnUpdate() {
        assertThat(titles(second, "Effective%")).containsExactly("Effective Java");
        assertThat(titles(second, "Effective%")).containsExactly("Effective Java");
        assertThat(second.getStatistics().getQueryCacheHitCount()).isEqualTo(1);

        LibraryApp.inTransaction(first, s -> {
            s.find(Book.class, 1L).setTitle("Effective Java, Third Edition");
            return null;
        });

        // the update timestamps region is shared: the second node's cached result is stale and not used
        assertThat(titles(second, "Effective%")).containsExactly("Effective Java, Third Edition");
        assertThat(second.getStatistics().getQueryCacheHitCount()).isEqualTo(1);
    }

    @Test
    void everyKeyAndValueHibernateStoredDecodesBehindTheHibernatePreset() {
        title(second);
        LibraryApp.inTransaction(second, s -> s.find(Book.class, 1L).getTags().size());
        LibraryApp.inTransaction(second, s -> s.bySimpleNaturalId(Book.class).load("978-0-13-468599-1"));
        titles(second, "Effective%");
        LibraryApp.inTransaction(first, s -> {
            s.find(Book.class, 1L).setTitle("Effective Java, Third Edition");
            return null;
        });
        titles(second, "Effective%");

        CacheManager manager = first.getCache().unwrap(org.hibernate.cache.jcache.internal.JCacheRegionFactory.class)
                .getCacheManager();
        List<String> regions = new java.util.ArrayList<>();
        manager.getCacheNames().forEach(regions::add);
        assertThat(regions).contains(BOOK, BOOK + ".tags", BOOK + "##NaturalId", "default-query-results-region",
                "default-update-timestamps-region");
        int entries = 0;
        for (String region : regions) {
            for (javax.cache.Cache.Entry<Object, Object> e : manager.getCache(region)) {
                assertThat(e.getKey()).isNotNull();
                assertThat(e.getValue()).isNotNull();
                entries++;
            }
        }
        assertThat(entries).isGreaterThanOrEqualTo(5);
    }

    private static String title(SessionFactory factory) {
        return LibraryApp.inTransaction(factory, s -> s.find(Book.class, 1L).getTitle());
    }

    private static List<String> titles(SessionFactory factory, String pattern) {
        return LibraryApp.inTransaction(factory, s -> s.createQuery(LibraryApp.TITLE_QUERY, Book.class)
                .setParameter("title", pattern).setCacheable(true).getResultList().stream()
                .map(Book::getTitle).toList());
    }
}
