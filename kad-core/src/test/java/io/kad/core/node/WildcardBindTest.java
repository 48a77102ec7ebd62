package io.kad.core.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.kad.core.Dht;
import io.kad.core.NodeConfig;
import io.kad.core.id.Contact;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A node bound to every interface ({@code 0.0.0.0}, as in a container) is reached at the address its
 * datagrams come from: peers learn it from the source of what it sends and pass that address on, so no
 * separate announce address is needed.
 */
class WildcardBindTest {

    private final List<Dht> nodes = new ArrayList<>();

    @AfterEach
    void close() {
        nodes.forEach(Dht::close);
    }

    private Dht start(String host, InetSocketAddress... seeds) {
        Dht dht = Dht.create(NodeConfig.builder().host(host).port(0).seeds(List.of(seeds)).loadInterceptors(false)
                .build());
        nodes.add(dht);
        return dht;
    }

    @Test
    void aNodeBoundToEveryInterfaceIsKnownByTheAddressItsDatagramsComeFrom() {
        Dht wildcard = start("0.0.0.0");
        int port = wildcard.address().getPort();
        Dht b = start("127.0.0.1", new InetSocketAddress("127.0.0.1", port));
        // c learns of the wildcard node only through b's answers
        Dht c = start("127.0.0.1", b.address());

        for (Dht d : List.of(b, c)) {
            assertThat(d.node().peers()).as("peers of %s", d.address())
                    .filteredOn(p -> p.id().equals(wildcard.node().id()))
                    .extracting(Contact::address)
                    .containsExactly(new InetSocketAddress("127.0.0.1", port));
        }
        for (int i = 0; i < 30; i++) {
            c.put("k" + i, "v" + i);
        }
        for (int i = 0; i < 30; i++) {
            assertThat(wildcard.get("k" + i)).isEqualTo("v" + i);
            assertThat(b.get("k" + i)).isEqualTo("v" + i);
        }
    }
}
