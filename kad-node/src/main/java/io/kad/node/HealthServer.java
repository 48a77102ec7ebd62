package io.kad.node;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's liveness and readiness check over HTTP, for Kubernetes probes, on the JDK's built-in server.
 *
 * <ul>
 *   <li>{@code GET /live}: 200 while the node serves, 503 once it is stopping;</li>
 *   <li>{@code GET /ready}: 200 once the node has joined its swarm (at once for a node without fixed
 *       seeds), 503 before and once it is stopping;</li>
 *   <li>any other path is 404; the body is one word ({@code live}, {@code ready}, {@code not ready}).</li>
 * </ul>
 * Requests are served by one daemon thread, {@code kad-node-health}, stopped by {@link #close()}.
 */
final class HealthServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HealthServer.class);

    private final HttpServer server;
    private final ExecutorService executor;

    private HealthServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * Starts serving.
     *
     * @param address where to listen (the node's host; port 0 for an ephemeral one)
     * @param live whether the node serves
     * @param ready whether the node has joined and serves
     * @return the running server
     * @throws IOException if the address cannot be bound
     */
    static HealthServer start(InetSocketAddress address, BooleanSupplier live, BooleanSupplier ready)
            throws IOException {
        HttpServer server = HttpServer.create(address, 0);
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "kad-node-health");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", exchange -> {
            try {
                String path = exchange.getRequestURI().getPath();
                switch (path) {
                    case "/live" -> answer(exchange, live.getAsBoolean(), "live", "not live");
                    case "/ready" -> answer(exchange, ready.getAsBoolean(), "ready", "not ready");
                    default -> respond(exchange, 404, "not found");
                }
            } catch (IOException | RuntimeException e) {
                LOG.debug("health request failed", e);
            } finally {
                exchange.close();
            }
        });
        server.start();
        LOG.info("health check on http://{}:{}/live and /ready", address.getHostString(),
                server.getAddress().getPort());
        return new HealthServer(server, executor);
    }

    /** @return the address it listens on */
    InetSocketAddress address() {
        return server.getAddress();
    }

    private static void answer(HttpExchange exchange, boolean ok, String yes, String no) throws IOException {
        respond(exchange, ok ? 200 : 503, ok ? yes : no);
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = (body + "\n").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        if ("HEAD".equals(exchange.getRequestMethod())) {
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
