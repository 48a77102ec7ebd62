package io.kad.jcache.configuration;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** CONFIGURATION.md lists every key of the catalog with the catalog's default. */
class ConfigurationDocTest {

    /** The rows of the reference's tables: key to default, backticks removed. */
    private static Map<String, String> documentedDefaults() throws IOException {
        Map<String, String> rows = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of("CONFIGURATION.md"))) {
            if (!line.startsWith("| `kad.")) {
                continue;
            }
            String[] cells = line.split("\\|");
            String key = cells[1].trim().replace("`", "");
            String defaultValue = cells[2].trim().replace("`", "");
            rows.put(key, defaultValue);
        }
        return rows;
    }

    private static String shown(SettingCatalog.Setting setting) {
        return setting.defaultValue() == null ? "(none)" : setting.defaultValue();
    }

    @Test
    void everyNodeAndStorageKeyIsListedWithItsDefault() throws IOException {
        Map<String, String> documented = documentedDefaults();
        Map<String, String> expected = new LinkedHashMap<>();
        SettingCatalog.NODE.values().forEach(s -> expected.put(s.key(), shown(s)));
        SettingCatalog.STORAGE.values().forEach(s -> expected.put(s.key(), shown(s)));
        expected.forEach((key, defaultValue) ->
                assertThat(documented).as("CONFIGURATION.md row of %s", key).containsEntry(key, defaultValue));
    }

    @Test
    void everyCacheKeyIsListedWithItsDefault() throws IOException {
        Map<String, String> documented = documentedDefaults();
        SettingCatalog.CACHE.values().forEach(s -> assertThat(documented)
                .as("CONFIGURATION.md row of kad.cache.<name>.%s", s.key())
                .containsEntry("kad.cache.<name>." + s.key(), shown(s)));
    }

    @Test
    void everyDocumentedKeyIsInTheCatalog() throws IOException {
        for (String key : documentedDefaults().keySet()) {
            boolean known = SettingCatalog.nodeOrStorage(key).isPresent()
                    || key.equals("kad.storage.<other>")
                    || key.startsWith("kad.cache.<name>.")
                    && SettingCatalog.CACHE.containsKey(key.substring("kad.cache.<name>.".length()));
            assertThat(known).as("%s is documented but not in the catalog", key).isTrue();
        }
    }
}
