package io.kad.jcache.metrics;

import io.kad.core.KadNode;
import io.kad.core.NodeStats;
import io.kad.jcache.KadCache;
import io.kad.jcache.KadCacheManager;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.cache.CacheMeterBinder;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import java.util.function.ToDoubleFunction;
import javax.cache.Cache;
import javax.cache.management.CacheStatisticsMXBean;

/**
 * Micrometer meters for one kad-jcache {@link Cache} and the node of its cache manager.
 *
 * <p>Cache meters, named as Micrometer's other cache binders name them, tagged {@code cache=<name>}
 * and {@code cache.manager=<manager URI>} (plus the tags given):
 * <ul>
 *   <li>{@code cache.gets} (function counter) with {@code result=hit} and {@code result=miss};</li>
 *   <li>{@code cache.puts}, {@code cache.evictions}, {@code cache.removals} (function counters);</li>
 *   <li>{@code cache.events.dropped}: events from other nodes dropped because their key or value could
 *       not be decoded (counted whether or not statistics are enabled);</li>
 *   <li>{@code cache.size} (gauge): the number of live entries of the cache across the whole swarm.</li>
 * </ul>
 * The counters read the cache's statistics (the object registered as its
 * {@code javax.cache:type=CacheStatistics} MXBean), which count only while statistics are enabled:
 * set {@code kad.cache.<name>.statistics=true}, or {@code setStatisticsEnabled(true)} on the
 * configuration, or call {@code CacheManager.enableStatistics(name, true)}. With statistics off the
 * counters stay at 0; this binder does not switch them on. The statistics are those of this cache
 * manager: operations made through other nodes are counted there. Clearing the statistics through
 * the MXBean resets the counters, which a monotonic counter then reports as a restart.
 *
 * <p>{@code cache.size} has no local answer: entries live on the nodes that own them. The gauge asks
 * every member of the swarm (those of the node's view, and those their answers name) for the keys of
 * the cache's namespace (the same listing the cache's iterator starts from, without reading any value,
 * so it neither counts hits nor touches expiry), and counts the distinct keys. That is one paged scan
 * request per member, so the result is kept for
 * {@link #DEFAULT_SIZE_TTL} (or the time given) and the gauge reports the kept value until then. A
 * refresh blocks the reading thread for at most the node's operation timeout
 * ({@code kad.operation-timeout-ms}); if it fails, the gauge keeps the last value (NaN before any).
 *
 * <p>Node meters, tagged {@code cache.manager=<manager URI>} and {@code node=<host:port>} (plus the
 * tags given), read {@link KadNode#stats()} and {@link KadNode#peers()}:
 * <ul>
 *   <li>{@code kad.node.peers} (gauge): contacts in the routing table;</li>
 *   <li>{@code kad.node.lookups}, {@code kad.node.lookup.rounds}, {@code kad.node.rpc.timeouts},
 *       {@code kad.node.datagrams.dropped}, {@code kad.node.redirects}, {@code kad.node.handler.failures},
 *       {@code kad.node.takeovers}, {@code kad.node.takeovers.refused} (function counters);</li>
 *   <li>{@code kad.node.refused} (function counters), what the node refused from peers, tagged
 *       {@code reason}: {@code unauthenticated}, {@code stale}, {@code replayed}, {@code misdirected},
 *       {@code nonce-memory-full} (datagrams refused by the swarm secret's checks), {@code interceptor},
 *       {@code subscription}, {@code record-id-mismatch}, {@code oversized-record},
 *       {@code copy-from-non-holder}, {@code copy-version-ahead}, {@code copy-expired},
 *       {@code copy-over-quota}, {@code kadpy-store}, {@code kadpy-store-over-quota},
 *       {@code unverified-address} (replies withheld from an address not verified),
 *       {@code lookup-answer-cut} and {@code transfer} (large transfers dropped). A rising count is a
 *       peer misbehaving, or misconfigured (a wrong {@code kad.secret}, clocks apart).</li>
 * </ul>
 * Binding several caches of one manager to one registry is fine: the node meters have the same
 * identity and are registered once.
 *
 * <p>Usage: {@code KadCacheMetrics.monitor(registry, cache)} or
 * {@code new KadCacheMetrics(cache, Tags.empty()).bindTo(registry)}.
 */
public final class KadCacheMetrics extends CacheMeterBinder<Cache<?, ?>> implements MeterBinder {

    /** How long a counted {@code cache.size} is reported before the swarm is asked again. */
    public static final Duration DEFAULT_SIZE_TTL = Duration.ofSeconds(5);

    private final CacheStatisticsMXBean statistics;
    private final KadCache<?, ?> kadCache;
    private final KadNode node;
    private final Tags nodeTags;
    private final SizeCounter size;

    /**
     * Binds the meters of a cache to a registry.
     *
     * @param registry the registry
     * @param cache a cache of a kad-jcache cache manager
     * @param tags extra tags, as key/value pairs
     * @param <C> the cache type
     * @return the cache
     */
    public static <C extends Cache<?, ?>> C monitor(MeterRegistry registry, C cache, String... tags) {
        new KadCacheMetrics(cache, Tags.of(tags)).bindTo(registry);
        return cache;
    }

    /**
     * @param cache a cache of a kad-jcache cache manager
     * @param tags extra tags for every meter
     * @throws IllegalArgumentException if the cache is not a kad-jcache cache
     */
    public KadCacheMetrics(Cache<?, ?> cache, Iterable<Tag> tags) {
        this(cache, tags, DEFAULT_SIZE_TTL);
    }

    /**
     * @param cache a cache of a kad-jcache cache manager
     * @param tags extra tags for every meter
     * @param sizeTtl how long a counted size is reported before counting again ({@link Duration#ZERO}:
     *     count on every read)
     * @throws IllegalArgumentException if the cache is not a kad-jcache cache
     */
    public KadCacheMetrics(Cache<?, ?> cache, Iterable<Tag> tags, Duration sizeTtl) {
        super(requireKad(cache), cache.getName(), managerTag(cache).and(tags));
        Objects.requireNonNull(sizeTtl, "sizeTtl");
        if (sizeTtl.isNegative()) {
            throw new IllegalArgumentException("sizeTtl must not be negative: " + sizeTtl);
        }
        this.kadCache = cache.unwrap(KadCache.class);
        this.statistics = kadCache.statistics();
        this.node = cache.getCacheManager().unwrap(KadCacheManager.class).node();
        this.nodeTags = managerTag(cache).and("node", text(node.address())).and(tags);
        String namespace = cache.getCacheManager().getURI() + "|" + cache.getName();
        this.size = new SizeCounter(() -> countKeys(node, namespace), sizeTtl, System::nanoTime);
    }

    private static Cache<?, ?> requireKad(Cache<?, ?> cache) {
        Objects.requireNonNull(cache, "cache");
        try {
            cache.unwrap(KadCache.class);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a kad-jcache cache: " + cache.getName() + " (" + cache.getClass().getName()
                    + ")", e);
        }
        return cache;
    }

    private static Tags managerTag(Cache<?, ?> cache) {
        return Tags.of("cache.manager", cache.getCacheManager().getURI().toString());
    }

    private static String text(InetSocketAddress address) {
        return address.getHostString() + ":" + address.getPort();
    }

    private static long countKeys(KadNode node, String namespace) {
        long timeoutMillis = node.records().operationTimeout().toMillis();
        try {
            List<byte[]> keys = node.records().await(node.records().keys(namespace), timeoutMillis);
            return keys.size();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while counting the keys of " + namespace, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot count the keys of " + namespace + ": " + e, e);
        }
    }

    /**
     * Not used: {@code cache.size} is registered by {@link #bindImplementationSpecificMetrics} so that it
     * can report NaN before the first count, and so that binding does not scan the swarm.
     */
    @Override
    protected Long size() {
        return null;
    }

    @Override
    protected long hitCount() {
        return statistics.getCacheHits();
    }

    @Override
    protected Long missCount() {
        return statistics.getCacheMisses();
    }

    @Override
    protected Long evictionCount() {
        return statistics.getCacheEvictions();
    }

    @Override
    protected long putCount() {
        return statistics.getCachePuts();
    }

    @Override
    protected void bindImplementationSpecificMetrics(MeterRegistry registry) {
        Gauge.builder("cache.size", this, KadCacheMetrics::cacheSize)
                .tags(getTagsWithCacheName())
                .strongReference(true)
                .description("The number of live entries of the cache across the swarm (counted at most every "
                        + "size TTL, by listing the keys of every member)")
                .register(registry);
        FunctionCounter.builder("cache.removals", statistics, CacheStatisticsMXBean::getCacheRemovals)
                .tags(getTagsWithCacheName())
                .description("Cache removals")
                .register(registry);
        FunctionCounter.builder("cache.events.dropped", kadCache, KadCache::droppedEvents)
                .tags(getTagsWithCacheName())
                .description("Events from other nodes dropped because their key or value could not be decoded")
                .register(registry);
        if (registry.find("kad.node.peers").tags(nodeTags).gauge() != null) {
            return; // another cache of this manager bound the node meters to this registry already
        }
        Gauge.builder("kad.node.peers", node, n -> n.peers().size())
                .tags(nodeTags)
                .description("Contacts in the node's routing table")
                .register(registry);
        nodeCounter(registry, "kad.node.lookups", NodeStats::lookups, "Iterative lookups the node ran");
        nodeCounter(registry, "kad.node.lookup.rounds", NodeStats::lookupRounds,
                "Rounds of all the node's lookups (divide by kad.node.lookups for the mean)");
        nodeCounter(registry, "kad.node.rpc.timeouts", NodeStats::rpcTimeouts,
                "Requests of the node that got no reply in time");
        nodeCounter(registry, "kad.node.datagrams.dropped", NodeStats::datagramsDropped,
                "Datagrams the node dropped as malformed, oversized, of an unknown type or unmatched");
        nodeCounter(registry, "kad.node.redirects", NodeStats::redirects,
                "Record requests of the node that reached a node that was not the owner (a stale view)");
        nodeCounter(registry, "kad.node.handler.failures", NodeStats::handlerFailures,
                "Inbound messages whose handling failed (contained: the node goes on)");
        nodeCounter(registry, "kad.node.takeovers", NodeStats::takeovers,
                "Records the node took over as their owner, having asked the other holders");
        nodeCounter(registry, "kad.node.takeovers.refused", NodeStats::takeoversRefused,
                "Takeovers the node gave up because too few other holders answered");
        for (Refusal r : REFUSALS) {
            FunctionCounter.builder("kad.node.refused", node.stats(), r.count())
                    .tags(nodeTags.and("reason", r.reason()))
                    .description("What the node refused from peers, by reason")
                    .register(registry);
        }
    }

    /** A reason the node refuses what a peer sent, and its counter. */
    private record Refusal(String reason, ToDoubleFunction<NodeStats> count) {
    }

    /** {@code kad.node.refused}, by {@code reason}: each a counter of {@link NodeStats}. */
    private static final List<Refusal> REFUSALS = List.of(
            new Refusal("unauthenticated", NodeStats::unauthenticated),
            new Refusal("stale", NodeStats::staleDatagrams),
            new Refusal("replayed", NodeStats::replayedDatagrams),
            new Refusal("misdirected", NodeStats::misdirectedDatagrams),
            new Refusal("nonce-memory-full", NodeStats::nonceMemoryFull),
            new Refusal("interceptor", NodeStats::rejectedByInterceptor),
            new Refusal("subscription", NodeStats::subscriptionsRefused),
            new Refusal("record-id-mismatch", NodeStats::recordIdMismatches),
            new Refusal("oversized-record", NodeStats::oversizedRecordsRefused),
            new Refusal("copy-from-non-holder", NodeStats::copiesFromNonHolders),
            new Refusal("copy-version-ahead", NodeStats::copiesVersionAhead),
            new Refusal("copy-expired", NodeStats::copiesExpired),
            new Refusal("copy-over-quota", NodeStats::copiesOverQuota),
            new Refusal("kadpy-store", NodeStats::kadpyStoresRefused),
            new Refusal("kadpy-store-over-quota", NodeStats::kadpyStoresOverQuota),
            new Refusal("unverified-address", NodeStats::unverifiedRefused),
            new Refusal("lookup-answer-cut", NodeStats::lookupAnswersCut),
            new Refusal("transfer", NodeStats::transfersDropped));

    private void nodeCounter(MeterRegistry registry, String name, ToDoubleFunction<NodeStats> f, String description) {
        FunctionCounter.builder(name, node.stats(), f)
                .tags(nodeTags)
                .description(description)
                .register(registry);
    }

    /** @return the entry count of the cache across the swarm, at most the size TTL old; NaN if never counted */
    public double cacheSize() {
        return size.get();
    }

    /** Counts on demand and keeps the count for a while. */
    static final class SizeCounter {
        private final LongSupplier count;
        private final long ttlNanos;
        private final LongSupplier clock;
        private long countedAt;
        private double value = Double.NaN;
        private boolean counted;

        SizeCounter(LongSupplier count, Duration ttl, LongSupplier clock) {
            this.count = count;
            this.ttlNanos = ttl.toNanos();
            this.clock = clock;
        }

        synchronized double get() {
            long now = clock.getAsLong();
            if (!counted || now - countedAt >= ttlNanos) {
                try {
                    value = count.getAsLong();
                } catch (RuntimeException e) {
                    // keep the last value; the next read tries again
                    return value;
                }
                counted = true;
                countedAt = now;
            }
            return value;
        }
    }
}
