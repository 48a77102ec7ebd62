package io.kad.examples.kadpy;

import static org.assertj.core.api.Assertions.assertThat;

import io.kad.core.Dht;
import java.util.List;
import org.junit.jupiter.api.Test;

class PrintingInterceptorTest {

    @Test
    void interceptorRegisteredThroughServiceLoaderSeesEveryStoredValue() throws Exception {
        PrintingInterceptor.Outcome outcome = PrintingInterceptor.run();

        assertThat(outcome.seen())
                .allSatisfy(s -> assertThat(s.messageType()).isIn("store", "put_record", "replicate"))
                .anySatisfy(s -> {
                    assertThat(s.key()).isEqualTo("my_key");
                    assertThat(s.value()).isEqualTo("my_value");
                })
                .anySatisfy(s -> {
                    assertThat(s.key()).isEqualTo("other_key");
                    assertThat(s.value()).isEqualTo(List.of(1, 2, 3));
                });
    }

    @Test
    void interceptorStaysSilentUntilSwitchedOn() {
        PrintingInterceptor.startCollecting(false);
        PrintingInterceptor.stopCollecting();
        try (Dht node1 = Dht.create("127.0.0.1", 0);
             Dht node2 = Dht.create("127.0.0.1", 0, node1.address())) {
            node1.put("unseen", 1);
            node2.put("unseen_too", 2);
        }

        assertThat(PrintingInterceptor.seen()).isEmpty();
    }
}
