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

    CorruptOffsetRecordException(Path logDir, long logOffset, String problem) {
        super("Corrupt offsets record in " + logDir + " at log offset " + logOffset + ": " + problem);
        this.logOffset = logOffset;
    }

    /** The offset, in the offsets log, of the record that did not decode. */
    public long logOffset() {
        return logOffset;
    }
}
