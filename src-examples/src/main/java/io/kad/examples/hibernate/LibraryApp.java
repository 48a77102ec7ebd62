package io.kad.examples.hibernate;

import io.kad.jcache.KadCachingProvider;
import java.io.PrintStream;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import javax.cache.CacheManager;
import javax.cache.Caching;
import org.hibernate.Session;
import org.hibernate.SessionFactory;
import org.hibernate.boot.MetadataSources;
import org.hibernate.boot.registry.StandardServiceRegistry;
import org.hibernate.boot.registry.StandardServiceRegistryBuilder;
import org.hibernate.stat.Statistics;

/**
 * Hibernate ORM's second-level cache on kad-jcache, with nothing but configuration: Hibernate's
 * {@code hibernate-jcache} region factory gets a kad-jcache {@link CacheManager}, whose settings come
 * from {@code src/main/resources/kad-hibernate.properties}:
 * <ul>
 *   <li>{@code kad.serialization.allow=preset:hibernate} admits Hibernate's cache entries (keys, entity
 *       and collection entries, query results, read-write locks) and nothing more;</li>
 *   <li>{@code kad.cache.default.*} gives every region Hibernate opens by name an expiry and statistics,
 *       so Hibernate finds each region configured ({@code missing_cache_strategy=fail} proves it: no
 *       region is created on the fly).</li>
 * </ul>
 * The caches live in the swarm: a second application (another {@link SessionFactory} with its own
 * cache manager joined to the same swarm, with the same manager URI) reads the entries the first one
 * cached, and sees its updates.
 *
 * <p>The program stores a book, then reads it, its tags, its natural id and a cacheable query twice
 * each in fresh sessions: the first read of each misses the cache, the second hits it.
 */
public final class LibraryApp {

    /** The cache manager's URI: the example's settings, and the namespace of its caches. */
    public static final URI KAD_CONFIG = URI.create("classpath:kad-hibernate.properties");

    /** The query the example caches. */
    static final String TITLE_QUERY = "from Book b where b.title like :title order by b.id";

    private LibraryApp() {
    }

    /**
     * What the program counted, from Hibernate's statistics.
     *
     * @param entityMisses second-level cache misses of {@code Book}
     * @param entityHits second-level cache hits of {@code Book}
     * @param collectionHits cache hits of {@code Book.tags}
     * @param naturalIdHits natural-id cache hits
     * @param queryHits query cache hits
     * @param title the title read back
     */
    public record Result(long entityMisses, long entityHits, long collectionHits, long naturalIdHits, long queryHits,
                         String title) {
    }

    /**
     * Runs the example on one embedded node.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        run(System.out);
    }

    /**
     * Stores a book and reads everything twice, printing Hibernate's cache statistics.
     *
     * @param out where to print
     * @return what was counted
     */
    public static Result run(PrintStream out) {
        CacheManager manager = cacheManager(LibraryApp.class.getClassLoader(), new Properties());
        // closing the session factory closes the cache manager Hibernate was given
        try (SessionFactory factory = sessionFactory(manager, "jdbc:h2:mem:library-" + UUID.randomUUID(), true)) {
            inTransaction(factory, s -> {
                s.persist(new Book(1, "978-0-262-03384-8", "Introduction to Algorithms", Set.of("algorithms", "classic")));
                return null;
            });
            // start from empty regions and zero counts: persisting put the new book in the cache already
            factory.getCache().evictAllRegions();
            factory.getStatistics().clear();

            for (int round = 1; round <= 2; round++) {
                String title = inTransaction(factory, s -> s.find(Book.class, 1L).getTitle());
                int tags = inTransaction(factory, s -> s.find(Book.class, 1L).getTags().size());
                Book byIsbn = inTransaction(factory, s -> s.bySimpleNaturalId(Book.class).load("978-0-262-03384-8"));
                List<Book> found = inTransaction(factory, s -> s.createQuery(TITLE_QUERY, Book.class)
                        .setParameter("title", "Intro%").setCacheable(true).getResultList());
                out.println("round " + round + ": '" + title + "', " + tags + " tags, by isbn #" + byIsbn.getId()
                        + ", query found " + found.size());
            }
            Result r = resultOf(factory);
            out.println("second-level cache: Book " + r.entityMisses() + " miss(es), " + r.entityHits() + " hit(s); "
                    + "Book.tags " + r.collectionHits() + " hit(s); natural id " + r.naturalIdHits() + " hit(s); "
                    + "query " + r.queryHits() + " hit(s)");
            return r;
        }
    }

    /**
     * @param factory a session factory of this example
     * @return its cache statistics for {@code Book} so far, with the title then stored for book 1
     */
    public static Result resultOf(SessionFactory factory) {
        Statistics st = factory.getStatistics();
        long entityMisses = st.getEntityStatistics(Book.class.getName()).getCacheMissCount();
        long entityHits = st.getEntityStatistics(Book.class.getName()).getCacheHitCount();
        long collectionHits = st.getCollectionStatistics(Book.class.getName() + ".tags").getCacheHitCount();
        long naturalIdHits = st.getNaturalIdCacheHitCount();
        long queryHits = st.getQueryCacheHitCount();
        String title = inTransaction(factory, s -> s.find(Book.class, 1L).getTitle());
        return new Result(entityMisses, entityHits, collectionHits, naturalIdHits, queryHits, title);
    }

    /**
     * A kad-jcache cache manager with the example's settings.
     *
     * @param loader the manager's class loader: in one JVM, each distinct loader gets its own manager
     *     (and node) for the same URI
     * @param extra further {@code kad.*} settings, such as {@code kad.seeds} to join a swarm
     * @return the manager
     */
    public static CacheManager cacheManager(ClassLoader loader, Properties extra) {
        return Caching.getCachingProvider(KadCachingProvider.class.getName()).getCacheManager(KAD_CONFIG, loader, extra);
    }

    /**
     * A session factory whose second-level cache is the given kad-jcache cache manager; closing the
     * factory closes the manager.
     *
     * @param cacheManager the cache manager
     * @param jdbcUrl the database
     * @param createSchema whether this factory creates (and on close drops) the schema
     * @return the session factory
     */
    public static SessionFactory sessionFactory(CacheManager cacheManager, String jdbcUrl, boolean createSchema) {
        Map<String, Object> settings = new HashMap<>();
        settings.put("hibernate.connection.url", jdbcUrl + ";DB_CLOSE_DELAY=-1");
        settings.put("hibernate.connection.username", "sa");
        settings.put("hibernate.connection.pool_size", "4");
        settings.put("hibernate.hbm2ddl.auto", createSchema ? "create-drop" : "none");
        settings.put("hibernate.cache.use_second_level_cache", "true");
        settings.put("hibernate.cache.use_query_cache", "true");
        settings.put("hibernate.cache.region.factory_class", "jcache");
        settings.put("hibernate.javax.cache.cache_manager", cacheManager);
        // every region must come configured from kad.cache.default.*: fail rather than create one on the fly
        settings.put("hibernate.javax.cache.missing_cache_strategy", "fail");
        settings.put("hibernate.generate_statistics", "true");
        settings.put("hibernate.session.events.log", "false"); // statistics without a log line per session
        StandardServiceRegistry registry = new StandardServiceRegistryBuilder().applySettings(settings).build();
        try {
            return new MetadataSources(registry).addAnnotatedClass(Book.class).buildMetadata().buildSessionFactory();
        } catch (RuntimeException e) {
            StandardServiceRegistryBuilder.destroy(registry);
            throw e;
        }
    }

    /**
     * Runs work in a new session and transaction.
     *
     * @param factory the session factory
     * @param work what to do
     * @param <T> the result type
     * @return what the work returned
     */
    public static <T> T inTransaction(SessionFactory factory, Function<Session, T> work) {
        return factory.fromTransaction(work);
    }
}
