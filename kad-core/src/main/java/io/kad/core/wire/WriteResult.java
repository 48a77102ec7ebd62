package io.kad.core.wire;

import io.kad.spi.StoredRecord;

/**
 * The outcome of a {@link WriteCommand} at the key's owner.
 *
 * @param applied whether the write happened (its condition held)
 * @param previous the live record before the write, or {@code null} if there was none; when the write
 *     was not applied, the current live record
 * @param current the live record after the write, or {@code null} if there is none
 * @param expired a record that this write found expired (and so treated as absent), or {@code null}
 */
public record WriteResult(boolean applied, StoredRecord previous, StoredRecord current, StoredRecord expired) {
}
