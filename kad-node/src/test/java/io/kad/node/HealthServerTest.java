package io.kad.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class HealthServerTest {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private HttpResponse<String> get(HealthServer server, String path) throws Exception {
        InetSocketAddress a = server.address();
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.getPort() + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void readyAnswers503UntilTheNodeHasJoinedThen200() throws Exception {
        AtomicBoolean live = new AtomicBoolean(true);
        AtomicBoolean ready = new AtomicBoolean(false);
        try (HealthServer server = HealthServer.start(new InetSocketAddress("127.0.0.1", 0), live::get, ready::get)) {
            assertThat(get(server, "/live").statusCode()).isEqualTo(200);
            HttpResponse<String> notReady = get(server, "/ready");
            assertThat(notReady.statusCode()).isEqualTo(503);
            assertThat(notReady.body()).isEqualTo("not ready\n");

            ready.set(true);
            assertThat(get(server, "/ready").statusCode()).isEqualTo(200);

            live.set(false);
            ready.set(false);
            assertThat(get(server, "/live").statusCode()).isEqualTo(503);
            assertThat(get(server, "/ready").statusCode()).isEqualTo(503);
            assertThat(get(server, "/").statusCode()).isEqualTo(404);
        }
    }
}
