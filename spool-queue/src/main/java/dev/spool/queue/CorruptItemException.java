package dev.spool.queue;

import java.io.IOException;
import java.nio.file.Path;

/**
 * An item on disk failed its checks (CRC, lengths, record framing). The consumer stops at it:
 * every later poll reports the same item again until the buffer is repaired (for example with
 * {@code spool repair} on its log directory). Names the log directory and the item's sequence.
 */
public final class CorruptItemException extends IOException {
    private final Path logDir;
    private final long sequence;

    public CorruptItemException(Path logDir, long sequence, Throwable cause) {
        super("Corrupt item in disk buffer log " + logDir + " at sequence (offset) " + sequence + ": "
                + cause.getMessage(), cause);
        this.logDir = logDir;
        this.sequence = sequence;
    }

    public Path logDir() {
        return logDir;
    }

    /** The offset of the batch that failed its checks: the first item the consumer could not read. */
    public long sequence() {
        return sequence;
    }
}
