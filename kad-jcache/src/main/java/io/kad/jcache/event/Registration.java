package io.kad.jcache.event;

import java.util.List;
import javax.cache.configuration.CacheEntryListenerConfiguration;
import javax.cache.configuration.Factory;
import javax.cache.event.CacheEntryCreatedListener;
import javax.cache.event.CacheEntryEvent;
import javax.cache.event.CacheEntryEventFilter;
import javax.cache.event.CacheEntryExpiredListener;
import javax.cache.event.CacheEntryListener;
import javax.cache.event.CacheEntryListenerException;
import javax.cache.event.CacheEntryRemovedListener;
import javax.cache.event.CacheEntryUpdatedListener;
import javax.cache.event.EventType;

/**
 * One registered listener: its configuration, the listener and filter made by its factories.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class Registration<K, V> {

    private final CacheEntryListenerConfiguration<K, V> configuration;
    private final CacheEntryListener<? super K, ? super V> listener;
    private final CacheEntryEventFilter<? super K, ? super V> filter;

    /** @param configuration the listener's configuration */
    public Registration(CacheEntryListenerConfiguration<K, V> configuration) {
        this.configuration = configuration;
        Factory<CacheEntryListener<? super K, ? super V>> lf = configuration.getCacheEntryListenerFactory();
        this.listener = lf == null ? null : lf.create();
        Factory<CacheEntryEventFilter<? super K, ? super V>> ff = configuration.getCacheEntryEventFilterFactory();
        this.filter = ff == null ? null : ff.create();
    }

    /** @return the configuration it was registered with */
    public CacheEntryListenerConfiguration<K, V> configuration() {
        return configuration;
    }

    /** @return whether events are delivered before the operation returns */
    public boolean isSynchronous() {
        return configuration.isSynchronous();
    }

    /** @return whether the listener wants old values */
    public boolean isOldValueRequired() {
        return configuration.isOldValueRequired();
    }

    /** @return the listener instance */
    public CacheEntryListener<? super K, ? super V> listener() {
        return listener;
    }

    /**
     * @param type an event type
     * @return whether the listener implements the interface for it
     */
    public boolean accepts(EventType type) {
        return switch (type) {
            case CREATED -> listener instanceof CacheEntryCreatedListener;
            case UPDATED -> listener instanceof CacheEntryUpdatedListener;
            case REMOVED -> listener instanceof CacheEntryRemovedListener;
            case EXPIRED -> listener instanceof CacheEntryExpiredListener;
        };
    }

    /**
     * Delivers one event if the listener takes its type and the filter passes it.
     *
     * @param event the event
     * @throws CacheEntryListenerException wrapping what the listener or filter threw
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public void deliver(KadCacheEntryEvent<K, V> event) {
        if (!accepts(event.getEventType())) {
            return;
        }
        try {
            if (filter != null && !filter.evaluate((CacheEntryEvent) event)) {
                return;
            }
            List<CacheEntryEvent<? extends K, ? extends V>> one = List.of(event);
            Iterable raw = one;
            switch (event.getEventType()) {
                case CREATED -> ((CacheEntryCreatedListener) listener).onCreated(raw);
                case UPDATED -> ((CacheEntryUpdatedListener) listener).onUpdated(raw);
                case REMOVED -> ((CacheEntryRemovedListener) listener).onRemoved(raw);
                case EXPIRED -> ((CacheEntryExpiredListener) listener).onExpired(raw);
                default -> throw new IllegalStateException("unknown event type " + event.getEventType());
            }
        } catch (CacheEntryListenerException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CacheEntryListenerException("listener " + listener + " failed on " + event, e);
        }
    }

    /** Closes the listener and filter if they are {@link AutoCloseable}. */
    public void close() {
        closeQuietly(listener);
        closeQuietly(filter);
    }

    private static void closeQuietly(Object o) {
        if (o instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                org.slf4j.LoggerFactory.getLogger(Registration.class).warn("closing {} failed", o, e);
            }
        }
    }
}
