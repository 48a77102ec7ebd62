package io.kad.examples.kadpy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class IterateKeysTest {

    @Test
    void iteratingANodeGivesEveryKeyItStores() {
        IterateKeys.Outcome outcome = IterateKeys.run();

        assertThat(outcome.keys()).containsExactly("apple", "banana", "cherry", "date");
        assertThat(outcome.lines()).containsExactly(
                "apple = 1", "banana = yellow", "cherry = [red, dark]", "date = false");
    }
}
