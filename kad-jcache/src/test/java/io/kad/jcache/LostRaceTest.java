package io.kad.jcache;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableConfiguration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A compound operation whose conditional write another node's change beat decides again from the
 * record the refused write returned: it reads the entry once, whatever the race. Reads are counted by
 * the reads the other node of a two-node swarm serves (about half the keys are its own; a read of a key
 * this node owns is dispatched in-process and not counted).
 */
class LostRaceTest {

    private final TwoNodeSwarm swarm = new TwoNodeSwarm("race");
    private final CacheManager other = swarm.first;
    private final CacheManager caller = swarm.second;

    @AfterEach
    void close() throws Exception {
        WriteThroughRaceTest.Store.duringWrite = () -> { };
        WriteThroughRaceTest.Store.CALLS.clear();
        swarm.close();
    }

    @Test
    void aReplaceThatLosesItsRaceReadsOnceAndResyncsTheWriterWithTheWinnersValue() {
        swarm.awaitPeers();
        WriteThroughRaceTest.Store.CALLS.clear();
        Cache<String, String> mine = caller.createCache("race", new MutableConfiguration<String, String>()
                .setTypes(String.class, String.class).setWriteThrough(true)
                .setCacheWriterFactory(FactoryBuilder.factoryOf(WriteThroughRaceTest.Store.class)));
        Cache<String, String> theirs = other.createCache("race", new MutableConfiguration<String, String>()
                .setTypes(String.class, String.class));
        List<Long> readsPerReplace = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String key = "k" + i;
            mine.put(key, "a");
            // another node changes the entry between this replace's read and its conditional write
            WriteThroughRaceTest.Store.duringWrite = () -> {
                WriteThroughRaceTest.Store.duringWrite = () -> { };
                theirs.put(key, "c");
            };
            long before = swarm.readsServed();

            boolean replaced = mine.replace(key, "a", "b");

            readsPerReplace.add(swarm.readsServed() - before);
            assertThat(replaced).isFalse();
            assertThat(WriteThroughRaceTest.Store.CALLS).as(key)
                    .endsWith("write " + key + "=b", "write " + key + "=c");
            assertThat(theirs.get(key)).isEqualTo("c");
        }
        assertThat(readsPerReplace).allMatch(n -> n <= 1).contains(1L);
    }
}
