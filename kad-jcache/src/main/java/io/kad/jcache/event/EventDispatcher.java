package io.kad.jcache.event;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import javax.cache.configuration.CacheEntryListenerConfiguration;
import javax.cache.event.EventType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers a cache's entry events to its registered listeners.
 *
 * <p>Contract:
 * <ul>
 *   <li>an operation collects its events in a {@link Batch} and calls {@link Batch#dispatch()} before
 *       it returns: synchronous listeners run then, on the calling thread, in event order; the first
 *       exception a synchronous listener throws is rethrown to the caller (as a
 *       {@link javax.cache.event.CacheEntryListenerException}) after every listener has run;</li>
 *   <li>asynchronous listeners run on the cache's single event thread (daemon, named
 *       {@code kad-jcache-events-<cache>}), so each sees events in the order they were dispatched;
 *       their exceptions are logged;</li>
 *   <li>events from other nodes ({@link #dispatchRemote}) go to every listener on the event thread:
 *       they arrive on a node thread that must not block, so they are also decoded there; one that
 *       cannot be decoded is dropped and counted ({@link #droppedRemoteEvents()}), and delivery goes
 *       on.</li>
 * </ul>
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class EventDispatcher<K, V> implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EventDispatcher.class);

    private final List<Registration<K, V>> registrations = new CopyOnWriteArrayList<>();
    private final String cacheName;
    private final AtomicLong droppedRemote = new AtomicLong();
    private volatile ExecutorService asyncExecutor;

    /** @param cacheName names the event thread */
    public EventDispatcher(String cacheName) {
        this.cacheName = cacheName;
    }

    /**
     * @param configuration a listener configuration
     * @throws IllegalArgumentException if an equal configuration is registered already
     */
    public synchronized void register(CacheEntryListenerConfiguration<K, V> configuration) {
        for (Registration<K, V> r : registrations) {
            if (r.configuration().equals(configuration)) {
                throw new IllegalArgumentException("listener configuration already registered: " + configuration);
            }
        }
        registrations.add(new Registration<>(configuration));
    }

    /**
     * @param configuration a listener configuration
     * @return whether it was registered
     */
    public synchronized boolean deregister(CacheEntryListenerConfiguration<K, V> configuration) {
        for (Registration<K, V> r : registrations) {
            if (r.configuration().equals(configuration)) {
                registrations.remove(r);
                r.close();
                return true;
            }
        }
        return false;
    }

    /** @return the registered configurations, in registration order */
    public List<CacheEntryListenerConfiguration<K, V>> configurations() {
        List<CacheEntryListenerConfiguration<K, V>> out = new ArrayList<>();
        registrations.forEach(r -> out.add(r.configuration()));
        return out;
    }

    /**
     * @param type an event type
     * @return whether any listener takes events of the type
     */
    public boolean hasListenerFor(EventType type) {
        for (Registration<K, V> r : registrations) {
            if (r.accepts(type)) {
                return true;
            }
        }
        return false;
    }

    /** @return whether any listener is registered */
    public boolean hasListeners() {
        return !registrations.isEmpty();
    }

    /** @return a new, empty batch for one operation */
    public Batch newBatch() {
        return new Batch();
    }

    /**
     * Delivers an event that a request of another node caused, asynchronously to every listener of its
     * type. The event is built (its key and values decoded) on the event thread, and only if some
     * listener takes the type; an event that cannot be built is dropped, counted and logged, and the
     * events after it are delivered as usual.
     *
     * @param type the event's type
     * @param event builds the event; may throw
     */
    public void dispatchRemote(EventType type, Supplier<KadCacheEntryEvent<K, V>> event) {
        if (!hasListenerFor(type)) {
            return;
        }
        try {
            executor().execute(() -> deliverRemote(type, event));
        } catch (RejectedExecutionException e) {
            LOG.debug("cache {} closed; a {} event from another node dropped", cacheName, type);
        }
    }

    private void deliverRemote(EventType type, Supplier<KadCacheEntryEvent<K, V>> build) {
        KadCacheEntryEvent<K, V> event;
        try {
            event = build.get();
        } catch (RuntimeException | StackOverflowError e) {
            long n = droppedRemote.incrementAndGet();
            // one line per bad event would let a peer flood the log: the first, then every 1000th
            if (n == 1 || n % 1000 == 0) {
                LOG.warn("cache {}: dropped a {} event from another node that cannot be decoded ({} dropped so far): {}",
                        cacheName, type, n, e.toString());
            } else {
                LOG.debug("cache {}: dropped a {} event from another node: {}", cacheName, type, e.toString());
            }
            return;
        }
        for (Registration<K, V> r : registrations) {
            if (r.accepts(type)) {
                try {
                    r.deliver(event);
                } catch (RuntimeException e) {
                    LOG.warn("asynchronous listener of cache {} failed on {}", cacheName, event, e);
                }
            }
        }
    }

    /**
     * @return how many events from other nodes were dropped because they could not be decoded, since
     *     this dispatcher was created
     */
    public long droppedRemoteEvents() {
        return droppedRemote.get();
    }

    private void submit(Registration<K, V> r, KadCacheEntryEvent<K, V> event) {
        try {
            executor().execute(() -> {
                try {
                    r.deliver(event);
                } catch (RuntimeException e) {
                    LOG.warn("asynchronous listener of cache {} failed on {}", cacheName, event, e);
                }
            });
        } catch (RejectedExecutionException e) {
            LOG.debug("cache {} closed; event {} dropped", cacheName, event);
        }
    }

    private ExecutorService executor() {
        ExecutorService e = asyncExecutor;
        if (e == null) {
            synchronized (this) {
                e = asyncExecutor;
                if (e == null) {
                    ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS,
                            new LinkedBlockingQueue<>(), runnable -> {
                                Thread t = new Thread(runnable, "kad-jcache-events-" + cacheName);
                                t.setDaemon(true);
                                return t;
                            });
                    pool.allowCoreThreadTimeOut(true);
                    asyncExecutor = e = pool;
                }
            }
        }
        return e;
    }

    /** Stops the event thread after the queued events and closes the listeners. */
    @Override
    public synchronized void close() {
        ExecutorService e = asyncExecutor;
        if (e != null) {
            e.shutdown();
        }
        registrations.forEach(Registration::close);
        registrations.clear();
    }

    /** The events of one operation, delivered together when it completes. */
    public final class Batch {
        private List<KadCacheEntryEvent<K, V>> events;

        private Batch() {
        }

        /** @param event an event the operation caused */
        public void add(KadCacheEntryEvent<K, V> event) {
            if (registrations.isEmpty()) {
                return;
            }
            if (events == null) {
                events = new ArrayList<>(2);
            }
            events.add(event);
        }

        /** Delivers the collected events; rethrows the first synchronous listener's exception. */
        public void dispatch() {
            if (events == null) {
                return;
            }
            List<KadCacheEntryEvent<K, V>> pending = events;
            events = null;
            RuntimeException failure = null;
            for (KadCacheEntryEvent<K, V> event : pending) {
                for (Registration<K, V> r : registrations) {
                    if (!r.accepts(event.getEventType())) {
                        continue;
                    }
                    if (r.isSynchronous()) {
                        try {
                            r.deliver(event);
                        } catch (RuntimeException e) {
                            if (failure == null) {
                                failure = e;
                            }
                        }
                    } else {
                        submit(r, event);
                    }
                }
            }
            if (failure != null) {
                throw failure;
            }
        }
    }
}
