package io.kad.examples.kadpy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PersistentStorageTest {

    @Test
    void recordsSurviveARestartOnTheSameStoreFile(@TempDir Path directory) {
        PersistentStorage.Outcome outcome = PersistentStorage.run(directory);

        assertThat(outcome.storeFile()).exists().hasParent(directory);
        assertThat(outcome.keysAfterRestart()).containsExactly("answer", "greeting");
        assertThat(outcome.valuesAfterRestart()).isEqualTo(Map.of("answer", 42, "greeting", "hello"));
    }
}
