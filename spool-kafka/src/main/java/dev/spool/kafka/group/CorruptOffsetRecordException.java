package dev.spool.kafka.group;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A record of the offsets log whose batch passed its CRC but whose key or value does not decode as
 * {@link OffsetRecordCodec} defines: written by a bug or by hand, never by a torn write (the log's
 * recovery handles those). The coordinator refuses to open rather than guess at committed offsets.
 */
public final class CorruptOffsetRecordException extends IOException {
    private final long logOffset;

    /**
     * @param file      the segment file holding the record's batch
     * @param position  the batch's byte position in {@code file}; -1 when it could not be found
     * @param logOffset the record's offset in the offsets log
     */
    CorruptOffsetRecordException(Path file, long position, long logOffset, String problem) {
        super("Corrupt offsets record in " + file + " at position " + (position < 0 ? "unknown" : position)
                + " (log offset " + logOffset + "): " + problem);
        this.logOffset = logOffset;
    }

    /** The offset, in the offsets log, of the record that did not decode. */
    public long logOffset() {
        return logOffset;
    }
}
