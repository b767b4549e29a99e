package dev.spool.log;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Damage in a log that is not a torn tail: a bad batch before the end of the last segment, a gap
 * in offsets, or flushed data that is missing. The log refuses to open rather than skip it;
 * {@code spool repair} cuts the log at {@link #position()} explicitly, keeping a copy.
 */
public final class CorruptLogException extends IOException {
    private final Path file;
    private final long position;
    private final boolean endsBeforeRecoveryPoint;

    public CorruptLogException(Path file, long position, String problem) {
        this(file, position, problem, false);
    }

    private CorruptLogException(Path file, long position, String problem, boolean endsBeforeRecoveryPoint) {
        super("Corrupt log " + file + " at position " + position + ": " + problem);
        this.file = file;
        this.position = position;
        this.endsBeforeRecoveryPoint = endsBeforeRecoveryPoint;
    }

    /**
     * Every batch checks out, but the log ends before its checkpointed recovery point (recovery row
     * X3): flushed data is missing after {@code position}, the end of {@code file}.
     */
    public static CorruptLogException endsBeforeRecoveryPoint(Path file, long position, String problem) {
        return new CorruptLogException(file, position, problem, true);
    }

    /** Whether this is {@link #endsBeforeRecoveryPoint}: nothing in the files is bad, the end is missing. */
    public boolean isEndBeforeRecoveryPoint() {
        return endsBeforeRecoveryPoint;
    }

    /** The segment file holding the damage. */
    public Path file() {
        return file;
    }

    /** The byte position of the first bad batch in {@link #file()}. */
    public long position() {
        return position;
    }
}
