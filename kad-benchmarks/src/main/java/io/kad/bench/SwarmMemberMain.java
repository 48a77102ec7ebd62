package io.kad.bench;

import io.kad.core.KadNode;
import io.kad.core.NodeConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One member of a benchmark swarm, run as its own process by {@link JCacheBenchmark}.
 *
 * <p>Usage: {@code SwarmMemberMain <replication> [host:port ...]} (the seeds). Starts a kad-core node
 * on 127.0.0.1 with an ephemeral port and a UDP echo socket beside it (the floor a round trip to this
 * process can reach), then prints one line
 * {@code READY <host>:<port> id=<node id, hex> echo=<echo port>} and serves until standard input
 * ends. On the way out it prints {@code STOPPED peers=<n> records=<n> rpcTimeouts=<n> lookups=<n>}.
 */
public final class SwarmMemberMain {

    /** The prefix of the line printed once the node and the echo socket are up. */
    static final String READY = "READY ";

    private SwarmMemberMain() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            throw new IllegalArgumentException("usage: SwarmMemberMain <replication> [host:port ...]");
        }
        int replication = Integer.parseInt(args[0]);
        List<InetSocketAddress> seeds = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            seeds.add(parseAddress(args[i]));
        }
        NodeConfig config = NodeConfig.builder().host("127.0.0.1").port(0).replication(replication)
                .seeds(seeds).loadInterceptors(false).build();
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (KadNode node = KadNode.start(config);
             DatagramSocket echo = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            // the node's own socket buffers, so that a window of fragments (LargeValueBenchmark) is not dropped
            echo.setReceiveBufferSize(4 * 1024 * 1024);
            echo.setSendBufferSize(4 * 1024 * 1024);
            Thread echoThread = new Thread(() -> echoLoop(echo), "echo");
            echoThread.setDaemon(true);
            echoThread.start();
            InetSocketAddress address = node.address();
            out.println(READY + address.getHostString() + ":" + address.getPort() + " id=" + node.id().value().toString(16)
                    + " echo=" + echo.getLocalPort());
            InputStream in = System.in;
            byte[] buffer = new byte[256];
            while (in.read(buffer) != -1) {
                // the launcher closes our standard input to stop us
            }
            out.println("STOPPED peers=" + node.peers().size() + " records=" + node.storage().size()
                    + " rpcTimeouts=" + node.stats().rpcTimeouts() + " lookups=" + node.stats().lookups());
        }
    }

    static InetSocketAddress parseAddress(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }

    /** Sends every datagram back where it came from, until the socket closes. */
    private static void echoLoop(DatagramSocket socket) {
        byte[] buf = new byte[65_536];
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        while (!socket.isClosed()) {
            p.setLength(buf.length);
            try {
                socket.receive(p);
                socket.send(new DatagramPacket(buf, p.getLength(), p.getSocketAddress()));
            } catch (SocketException e) {
                return;
            } catch (IOException e) {
                // a lost datagram: the sender times out
            }
        }
    }
}
