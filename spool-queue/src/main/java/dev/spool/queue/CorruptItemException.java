package dev.spool.queue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * An item on disk failed its checks (CRC, lengths, record framing, or a sequence that is not the
 * one expected there). Names the log directory, the item's sequence, and, when the segment could
 * be walked to it, the segment file and the byte position of the item's batch in it.
 *
 * <p>Under {@link WhenCorrupt#STOP} the consumer stops at it: every later poll reports the same
 * item again until the buffer is repaired (for example with {@code spool repair} on its log
 * directory). Under {@link WhenCorrupt#SKIP} the same report is logged and the item skipped.
 */
public final class CorruptItemException extends IOException {
    private final Path logDir;
    private final long sequence;
    private final Path segmentFile;
    private final long position;

    /**
     * @param segmentFile the segment holding the item, or null when it is not known
     * @param position    the byte position of the item's batch in {@code segmentFile}, or -1 when not known
     */
    public CorruptItemException(Path logDir, long sequence, Path segmentFile, long position, String problem,
                                Throwable cause) {
        super("Corrupt item in disk buffer log " + logDir + " at sequence (offset) " + sequence
                + (segmentFile == null ? "" : ", segment " + segmentFile.getFileName()
                + (position < 0 ? "" : " position " + position)) + ": " + problem, cause);
        this.logDir = logDir;
        this.sequence = sequence;
        this.segmentFile = segmentFile;
        this.position = position;
    }

    public Path logDir() {
        return logDir;
    }

    /** The sequence the damaged item holds (the offset the consumer expected there). */
    public long sequence() {
        return sequence;
    }

    /** The segment file holding the damaged batch, if it could be found. */
    public Optional<Path> segmentFile() {
        return Optional.ofNullable(segmentFile);
    }

    /** The byte position of the damaged batch in {@link #segmentFile()}, or -1 when not known. */
    public long position() {
        return position;
    }
}
