package io.kad.node;

import io.kad.core.id.NodeId;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * The id of a node with a store, kept beside the store: a node that restarts with its records keeps its
 * place in the id space, so the records it holds are still the ones it owns (a new id would make them
 * belong elsewhere until the swarm republished them).
 *
 * <p>The file holds one line, the id in hexadecimal. It is written once, by the node's first start, through
 * a temporary file moved into place, so a crash never leaves half an id.
 */
final class NodeIdFile {

    private final Path file;

    NodeIdFile(Path file) {
        this.file = file;
    }

    /** @return the file */
    Path file() {
        return file;
    }

    /**
     * @return the stored id, or empty if there is no file yet
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException if it does not hold an id
     */
    Optional<BigInteger> read() throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8).trim();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        BigInteger id;
        try {
            id = new BigInteger(text, 16);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected a node id in hexadecimal, found '"
                    + (text.length() > 40 ? text.substring(0, 40) + "..." : text) + "'");
        }
        if (id.signum() < 0 || id.bitLength() > NodeId.NODE_ID_BITS) {
            throw new IllegalArgumentException("a node id has " + NodeId.NODE_ID_BITS + " bits, found " + text);
        }
        return Optional.of(id);
    }

    /**
     * Stores an id, replacing the file whole.
     *
     * @param id the id
     * @throws IOException if it cannot be written
     */
    void write(BigInteger id) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, id.toString(16) + "\n", StandardCharsets.UTF_8);
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
