package io.kad.core.id;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A node as another node knows it: its id and the UDP address it sends from. Two contacts are the
 * same node when their ids are equal, whatever their addresses (unlike kad.py, which compares the
 * whole tuple).
 *
 * @param id the node's id
 * @param address where to reach it
 * @param speaksRecords whether the node speaks this project's record protocol (a kad-jcache node);
 *     {@code false} for a kad.py node, which only understands kad.py's messages
 */
public record Contact(NodeId id, InetSocketAddress address, boolean speaksRecords) {

    /** Checks the fields. */
    public Contact {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(address, "address");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Contact c && id.equals(c.id);
    }

    @Override
    public int hashCode() {
        return id.hashCode();
    }

    @Override
    public String toString() {
        return id.shortHex() + "@" + address.getHostString() + ":" + address.getPort();
    }
}
