package io.kad.examples.kadpy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MapViewTest {

    @Test
    void conditionalOperationsAreAtomicAcrossTwoNodes() throws Exception {
        MapView.Outcome outcome = MapView.run();

        assertThat(outcome.firstPutIfAbsent()).isNull();
        assertThat(outcome.secondPutIfAbsent()).isEqualTo(1);
        assertThat(outcome.staleReplace()).isFalse();
        assertThat(outcome.replace()).isTrue();
        assertThat(outcome.computed()).isEqualTo(3);
        assertThat(outcome.afterConcurrentIncrements()).isEqualTo(3 + 2 * MapView.INCREMENTS_PER_NODE);
    }
}
