package io.kad.spring.boot.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kad.jcache.KadCacheManager;
import io.kad.jcache.KadCachingProvider;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Properties;
import javax.cache.Caching;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "server.address=127.0.0.1",
        "spring.main.banner-mode=off",
        "logging.level.org.apache=warn",
        "spring.cache.jcache.config=classpath:kad-starter-test.properties",
        "management.endpoints.web.exposure.include=health,caches,metrics",
        "management.endpoint.health.show-details=always"})
@DirtiesContext // closes the context, and so its node, after this class
class ActuatorEndpointsTest {

    /** A node the application joins through {@code kad.seeds}, so that its health has a peer to show. */
    private static final KadCacheManager SEED = Caching.getCachingProvider(KadCachingProvider.class.getName())
            .getCacheManager(URI.create("kad:actuator-test-seed"), ActuatorEndpointsTest.class.getClassLoader(),
                    seedSettings())
            .unwrap(KadCacheManager.class);

    private static Properties seedSettings() {
        Properties p = new Properties();
        p.setProperty("kad.host", "127.0.0.1");
        p.setProperty("kad.port", "0");
        return p;
    }

    @DynamicPropertySource
    static void joinTheSeed(DynamicPropertyRegistry registry) {
        registry.add("kad.seeds", () -> "127.0.0.1:" + SEED.node().address().getPort());
    }

    @AfterAll
    static void closeSeed() {
        SEED.close();
    }

    // Java 17's client has no close(): its threads are daemons and end when it is unreachable
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    @LocalServerPort
    int port;

    @Autowired
    BookApplication.Books books;

    @Autowired
    KadCacheManager kad;

    private JsonNode get(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("GET %s: %s", path, response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    @Test
    void healthShowsTheNodeUpWithItsDetails() {
        // the seed is in the routing table once the join converged; the wait only spares a race with that
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonNode health = get("/actuator/health");
            assertThat(health.path("status").asText()).isEqualTo("UP");
            JsonNode node = health.path("components").path("kad");
            assertThat(node.path("status").asText()).isEqualTo("UP");
            JsonNode details = node.path("details");
            assertThat(details.path("joined").asBoolean()).isTrue();
            assertThat(details.path("peers").asInt()).isGreaterThanOrEqualTo(1);
            assertThat(details.path("seeds").asInt()).isEqualTo(1);
            assertThat(details.path("address").asText()).isEqualTo("127.0.0.1:" + kad.node().address().getPort());
            assertThat(details.path("uri").asText()).endsWith("kad-starter-test.properties");
            assertThat(details.path("storage").path("tier").asText()).isEqualTo("caffeine");
            assertThat(details.path("storage").path("records").isNumber()).isTrue();
        });
    }

    @Test
    void cachesEndpointListsTheCachesDeclaredInTheConfigFileBeforeFirstUse() throws Exception {
        JsonNode caches = get("/actuator/caches").path("cacheManagers").path("cacheManager").path("caches");
        assertThat(caches.has("books")).as("%s", caches).isTrue();
        assertThat(caches.has("authors")).as("%s", caches).isTrue();
    }

    @Test
    void cacheMetricsCountTheHitsOfACacheWithStatistics() throws Exception {
        assertThat(books.title("978-0")).isEqualTo("Title of 978-0");
        assertThat(books.title("978-0")).isEqualTo("Title of 978-0");
        assertThat(books.lookups()).isEqualTo(1);

        JsonNode hits = get("/actuator/metrics/cache.gets?tag=cache:books&tag=result:hit");
        assertThat(hits.path("measurements").get(0).path("value").asDouble()).isEqualTo(1.0);
        JsonNode misses = get("/actuator/metrics/cache.gets?tag=cache:books&tag=result:miss");
        assertThat(misses.path("measurements").get(0).path("value").asDouble()).isEqualTo(1.0);

        // the meters carry kad-jcache's cache.manager tag (the manager's URI), not the Spring bean's name
        JsonNode puts = get("/actuator/metrics/cache.puts?tag=cache:books");
        JsonNode managerTag = null;
        for (JsonNode tag : puts.path("availableTags")) {
            if (tag.path("tag").asText().equals("cache.manager")) {
                managerTag = tag.path("values");
            }
        }
        assertThat(managerTag).isNotNull();
        assertThat(managerTag).hasSize(1);
        assertThat(managerTag.get(0).asText()).isEqualTo(kad.getURI().toString());

        JsonNode peers = get("/actuator/metrics/kad.node.peers");
        assertThat(peers.path("measurements").get(0).path("value").isNumber()).isTrue();
    }
}
