package io.kad.core.interop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kad.core.wire.MessageCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A scripted stand-in for one kad.py node, written from the protocol description: one UDP socket,
 * replies sent from it, Python {@code json.dumps} formatting, an 8192-byte receive buffer, and kad.py's
 * known behaviours: {@code found_nodes} lists the bucket entries nearest the <em>requester</em> (not
 * the target) and echoes the requester's id in {@code id}; the sender is inserted into the buckets
 * after dispatch as the tuple (ip, port, peer_id, peer_info); {@code store} and {@code pong} carry
 * {@code peer_info} null, everything else {@code {}}. Values are kept by integer key id (2015 style).
 */
public final class KadpyEmulator implements AutoCloseable {

    public static final int RECEIVE_BUFFER = 8192;
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final BigInteger id;
    private final DatagramSocket socket;
    private final Thread thread;
    private final List<List<Object>> buckets = new ArrayList<>();
    private final Map<BigInteger, JsonNode> data = new ConcurrentHashMap<>();
    private final List<RawPeer.Datagram> received = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    public KadpyEmulator(BigInteger id) {
        this.id = id;
        try {
            socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        thread = new Thread(this::loop, "kadpy-emulator-" + socket.getLocalPort());
        thread.setDaemon(true);
        thread.start();
    }

    public BigInteger id() {
        return id;
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), socket.getLocalPort());
    }

    /** @return the values this node holds, by key id */
    public Map<BigInteger, JsonNode> data() {
        return data;
    }

    /** @return every datagram this node received, whole */
    public List<RawPeer.Datagram> received() {
        return received;
    }

    private void loop() {
        // read whole datagrams so the test can see an oversized one; kad.py's 8192-byte buffer would cut
        // it short and fail to parse it, so such a datagram is recorded but not handled
        byte[] buffer = new byte[65_536];
        while (!closed) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                socket.receive(packet);
            } catch (SocketException e) {
                return;
            } catch (IOException e) {
                continue;
            }
            byte[] bytes = Arrays.copyOf(buffer, packet.getLength());
            InetSocketAddress from = (InetSocketAddress) packet.getSocketAddress();
            received.add(new RawPeer.Datagram(from, bytes));
            if (bytes.length > RECEIVE_BUFFER) {
                continue;
            }
            try {
                handle(from, bytes);
            } catch (IOException | RuntimeException e) {
                // kad.py's handler dies on such a datagram: no reply, no bucket insert
            }
        }
    }

    private void handle(InetSocketAddress from, byte[] bytes) throws IOException {
        JsonNode m = MessageCodec.mapper().readTree(new String(bytes, StandardCharsets.UTF_8).strip());
        String type = m.get("message_type").textValue();
        BigInteger peerId = m.get("peer_id").bigIntegerValue();
        switch (type) {
            case "ping" -> {
                ObjectNode pong = NODES.objectNode();
                pong.put("message_type", "pong");
                pong.put("peer_id", id);
                pong.putNull("peer_info");
                reply(from, pong);
            }
            case "find_node" -> {
                if (m.has("id") && m.has("rpc_id")) {
                    reply(from, foundNodes(m, peerId));
                }
            }
            case "find_value" -> {
                if (m.has("id") && m.has("rpc_id")) {
                    JsonNode value = data.get(m.get("id").bigIntegerValue());
                    if (value != null) {
                        ObjectNode found = NODES.objectNode();
                        found.put("message_type", "found_value");
                        found.put("id", peerId);
                        found.set("value", value);
                        found.set("rpc_id", m.get("rpc_id"));
                        found.put("peer_id", id);
                        found.putObject("peer_info");
                        reply(from, found);
                    } else {
                        reply(from, foundNodes(m, peerId));
                    }
                }
            }
            case "store" -> {
                if (m.has("value")) {
                    data.put(m.get("id").bigIntegerValue(), m.get("value"));
                }
            }
            default -> {
                // ignored, but the sender is still inserted below
            }
        }
        if (!m.has("peer_info")) {
            throw new IllegalArgumentException("peer_info missing");
        }
        insert(from, peerId, m.get("peer_info"));
    }

    private ObjectNode foundNodes(JsonNode request, BigInteger requester) {
        ObjectNode found = NODES.objectNode();
        found.put("message_type", "found_nodes");
        found.put("id", requester);
        ArrayNode list = found.putArray("nearest_nodes");
        List<List<Object>> nearest;
        synchronized (buckets) {
            nearest = new ArrayList<>(buckets);
        }
        nearest.sort(Comparator.comparing(t -> ((BigInteger) t.get(2)).xor(requester)));
        if (nearest.isEmpty()) {
            list.addArray().add("127.0.0.1").add(socket.getLocalPort()).add(id).addObject();
        }
        for (List<Object> t : nearest.subList(0, Math.min(20, nearest.size()))) {
            list.addArray().add((String) t.get(0)).add((Integer) t.get(1)).add((BigInteger) t.get(2))
                    .add((JsonNode) t.get(3));
        }
        found.set("rpc_id", request.get("rpc_id"));
        found.put("peer_id", id);
        found.putObject("peer_info");
        return found;
    }

    private void insert(InetSocketAddress from, BigInteger peerId, JsonNode info) {
        if (!peerId.equals(id) && peerId.signum() >= 0 && peerId.bitLength() <= 128) {
            List<Object> tuple = List.of(from.getAddress().getHostAddress(), from.getPort(), peerId, info);
            synchronized (buckets) {
                buckets.remove(tuple);
                buckets.add(tuple);
            }
        }
    }

    private void reply(InetSocketAddress to, JsonNode message) throws IOException {
        byte[] out = PyJson.dumps(message).getBytes(StandardCharsets.US_ASCII);
        if (out.length <= RECEIVE_BUFFER) {
            socket.send(new DatagramPacket(out, out.length, to));
        }
    }

    @Override
    public void close() {
        closed = true;
        socket.close();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
