package io.kad.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The configuration metadata IDEs complete {@code kad.*} keys from lists every key of the reference. */
class ConfigurationMetadataTest {

    /** A key in the first column of a table row of CONFIGURATION.md: {@code | `kad.xyz` |}. */
    private static final Pattern DOCUMENTED_KEY = Pattern.compile("^\\| `(kad\\.[a-z0-9.-]+)` \\|", Pattern.MULTILINE);

    /** A per-cache setting of CONFIGURATION.md: {@code | `kad.cache.<name>.expiry` |}. */
    private static final Pattern CACHE_SETTING = Pattern.compile("^\\| `kad\\.cache\\.<name>\\.([a-z-]+)` \\|",
            Pattern.MULTILINE);

    private static Set<String> metadataKeys() throws IOException {
        try (InputStream in = ConfigurationMetadataTest.class.getResourceAsStream(
                "/META-INF/spring-configuration-metadata.json")) {
            assertThat(in).isNotNull();
            JsonNode root = new ObjectMapper().readTree(in);
            Set<String> keys = new HashSet<>();
            root.path("properties").forEach(p -> keys.add(p.path("name").asText()));
            return keys;
        }
    }

    @Test
    void everyKeyOfTheConfigurationReferenceHasMetadata() throws IOException {
        Path reference = Path.of("..", "kad-jcache", "CONFIGURATION.md");
        Set<String> documented = new TreeSet<>();
        Matcher m = DOCUMENTED_KEY.matcher(Files.readString(reference));
        while (m.find()) {
            documented.add(m.group(1));
        }
        assertThat(documented).contains("kad.host", "kad.seeds", "kad.storage.max-records");

        assertThat(metadataKeys()).containsAll(documented);
    }

    @Test
    void theCacheEntryNamesEveryPerCacheSetting() throws IOException {
        Matcher m = CACHE_SETTING.matcher(Files.readString(Path.of("..", "kad-jcache", "CONFIGURATION.md")));
        Set<String> settings = new TreeSet<>();
        while (m.find()) {
            settings.add(m.group(1));
        }
        assertThat(settings).contains("expiry", "statistics");
        try (InputStream in = ConfigurationMetadataTest.class.getResourceAsStream(
                "/META-INF/spring-configuration-metadata.json")) {
            String description = "";
            for (JsonNode p : new ObjectMapper().readTree(in).path("properties")) {
                if (p.path("name").asText().equals("kad.cache")) {
                    description = p.path("description").asText();
                }
            }
            assertThat(description).contains(settings);
        }
    }
}
