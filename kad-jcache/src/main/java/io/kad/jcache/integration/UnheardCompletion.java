package io.kad.jcache.integration;

import javax.cache.integration.CompletionListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The completion listener of a {@code loadAll} whose caller gave none, so that the load reports to a
 * listener either way: a completion needs no one; a failure, which no one else would hear of, is logged.
 * Stateless apart from the cache's name: safe on any thread.
 */
public final class UnheardCompletion implements CompletionListener {

    /** Logged under the cache's class, where a cache's own warnings are. */
    private static final Logger LOG = LoggerFactory.getLogger("io.kad.jcache.KadCache");

    private final String cacheName;

    /** @param cacheName the cache whose {@code loadAll} this listens to */
    public UnheardCompletion(String cacheName) {
        this.cacheName = cacheName;
    }

    @Override
    public void onCompletion() {
    }

    @Override
    public void onException(Exception e) {
        LOG.warn("loadAll on cache {} failed", cacheName, e);
    }
}
