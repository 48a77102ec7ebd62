package io.kad.spring.boot;

import io.kad.core.KadNode;
import io.kad.jcache.KadCacheManager;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;

/**
 * The health of the node of a kad-jcache cache manager.
 *
 * <ul>
 *   <li>{@code DOWN} when the cache manager (and so its node) is closed, or when the node's join
 *       through its seeds failed;</li>
 *   <li>{@code UNKNOWN} while the join is under way;</li>
 *   <li>{@code UP} otherwise: a node without peers is a swarm of one and serves its caches.</li>
 * </ul>
 * Details: the manager's URI, the node's id and address, {@code peers} (contacts in its routing
 * table), {@code seeds}, {@code joined}, and {@code storage}: the tier's name, the {@code records} it
 * holds and its configured bounds ({@code max-records}, {@code max-bytes}) when set.
 */
public class KadHealthIndicator extends AbstractHealthIndicator {

    private final KadCacheManager manager;

    /**
     * @param manager the cache manager whose node to report
     */
    public KadHealthIndicator(KadCacheManager manager) {
        super("kad node health check failed");
        this.manager = Objects.requireNonNull(manager, "manager");
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        builder.withDetail("uri", manager.getURI().toString());
        if (manager.isClosed()) {
            builder.down().withDetail("closed", true);
            return;
        }
        KadNode node = manager.node();
        builder.withDetail("node", node.id().toString())
                .withDetail("address", text(node.address()))
                .withDetail("peers", node.peers().size())
                .withDetail("seeds", node.config().seeds().size());
        CompletableFuture<Void> joined = node.joined();
        if (!joined.isDone()) {
            builder.unknown().withDetail("joined", false);
        } else if (joined.isCompletedExceptionally()) {
            builder.down().withDetail("joined", false).withDetail("join-error", failure(joined));
        } else {
            builder.up().withDetail("joined", true);
        }
        builder.withDetail("storage", storage(node));
    }

    private static Map<String, Object> storage(KadNode node) {
        Map<String, Object> storage = new LinkedHashMap<>();
        storage.put("tier", node.config().storageName());
        storage.put("records", node.storage().size());
        Map<String, String> settings = node.config().storageSettings();
        for (String bound : new String[] {"max-records", "max-bytes"}) {
            String value = settings.get("storage." + bound);
            if (value != null) {
                storage.put(bound, Long.parseLong(value));
            }
        }
        return storage;
    }

    private static String failure(CompletableFuture<Void> joined) {
        try {
            joined.get();
            return "";
        } catch (ExecutionException | CompletionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            return String.valueOf(cause.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        } catch (java.util.concurrent.CancellationException e) {
            return "cancelled";
        }
    }

    private static String text(InetSocketAddress address) {
        return address.getHostString() + ":" + address.getPort();
    }
}
