package io.kad.core.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kad.core.KadNode;
import io.kad.core.record.RecordEvent;
import io.kad.core.record.WriteCommand;
import io.kad.core.record.WriteResult;
import io.kad.spi.StoredRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * An applied write's reply carries the value it replaced only when its command asks for it; a refused
 * write's reply always carries the current record whole, and the owner's events keep their old values.
 */
class WritePreviousValueTest {

    private static final String NS = "scale";
    private static final byte[] KEY = bytes("k");

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static WriteCommand put(String value) {
        return WriteCommand.put(bytes(value), false, StoredRecord.NEVER);
    }

    @Test
    void anAppliedWriteThatOmitsThePreviousValueIsAnsweredWithTheRecordWithoutItsValue() {
        SwarmScaleTest.Swarm swarm = SwarmScaleTest.build(11, 3);
        KadNode caller = swarm.anyBut(swarm.owner(KEY));

        WriteResult first = swarm.run(caller.records().write(NS, KEY, put("one")));
        WriteResult omitted = swarm.run(caller.records().write(NS, KEY,
                put("two").withPreviousValue(WriteCommand.PreviousValue.OMIT)));
        WriteResult returned = swarm.run(caller.records().write(NS, KEY, put("three")));

        assertThat(omitted.applied()).isTrue();
        assertThat(omitted.previous().version()).isEqualTo(first.current().version());
        assertThat(omitted.previous().value()).isEmpty();
        assertThat(omitted.current().value()).isEqualTo(bytes("two"));
        assertThat(returned.previous().value()).isEqualTo(bytes("two"));
    }

    @Test
    void aRefusedWriteIsAnsweredWithTheCurrentRecordWholeEvenWhenItOmitsThePreviousValue() {
        SwarmScaleTest.Swarm swarm = SwarmScaleTest.build(12, 3);
        KadNode caller = swarm.anyBut(swarm.owner(KEY));
        swarm.run(caller.records().write(NS, KEY, put("one")));

        WriteResult refused = swarm.run(caller.records().write(NS, KEY, new WriteCommand(WriteCommand.Op.PUT,
                bytes("two"), false, WriteCommand.ABSENT, StoredRecord.NEVER, StoredRecord.NEVER,
                WriteCommand.PreviousValue.OMIT)));

        assertThat(refused.applied()).isFalse();
        assertThat(refused.previous().value()).isEqualTo(bytes("one"));
    }

    @Test
    void anotherNodesEventCarriesTheOldValueWhenTheWriterOmittedIt() {
        SwarmScaleTest.Swarm swarm = SwarmScaleTest.build(13, 3);
        KadNode owner = swarm.owner(KEY);
        KadNode caller = swarm.anyBut(owner);
        KadNode follower = swarm.nodes().stream().filter(n -> n != caller && n != owner).findFirst().orElseThrow();
        CompletableFuture<RecordEvent> updated = new CompletableFuture<>();
        swarm.run(follower.records().subscribe(NS, e -> {
            if (e.kind() == RecordEvent.Kind.UPDATED) {
                updated.complete(e);
            }
        }));
        swarm.run(caller.records().write(NS, KEY, put("one")));

        swarm.run(caller.records().write(NS, KEY, put("two").withPreviousValue(WriteCommand.PreviousValue.OMIT)));

        // the event datagram arrives in virtual time; the listener runs on the follower's event thread,
        // in real time, which the simulation does not wait for
        swarm.net().runFor(1_000);
        await().atMost(Duration.ofSeconds(10)).until(updated::isDone);
        RecordEvent event = updated.join();
        assertThat(event.oldValue()).isEqualTo(bytes("one"));
        assertThat(event.newValue()).isEqualTo(bytes("two"));
    }
}
