package io.kad.tck;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;

/**
 * Stand-in swarm node used only to check {@link SwarmLauncherSessionListener} without a real provider:
 * binds an ephemeral loopback port, prints {@code KAD-NODE-READY host:port}, and exits on stdin EOF.
 * Select it with {@code -Dkad.tck.node.main=io.kad.tck.FakeNodeMain}; it is never the default.
 */
public final class FakeNodeMain {

    private FakeNodeMain() {
    }

    public static void main(String[] args) throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            System.out.println("fake node args: " + String.join(" ", args));
            System.out.println(SwarmLauncherSessionListener.READY_PREFIX
                    + socket.getInetAddress().getHostAddress() + ":" + socket.getLocalPort());
            System.out.flush();
            InputStream in = System.in;
            while (in.read() != -1) {
                // wait for EOF
            }
        }
    }
}
