package io.kad.examples.kadpy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class TwoNodeDhtTest {

    @Test
    void valuePutOnOneNodeIsReadOnTheOtherBlockingAsyncAndThroughACallback() throws Exception {
        TwoNodeDht.Outcome outcome = TwoNodeDht.run();

        List<String> expected = List.of("My", "json-serializable", "Object");
        assertThat(outcome.blocking()).isEqualTo(expected);
        assertThat(outcome.async()).isEqualTo(expected);
        assertThat(outcome.callback()).isEqualTo(expected);
        assertThat(outcome.missing()).as("a key nobody stored completes empty").isTrue();
        assertThat(outcome.lines()).anySatisfy(l -> assertThat(l).startsWith("node 2 get(my_key) -> [My, "));
    }
}
