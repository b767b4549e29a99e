package dev.spool.log.record;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A record batch's bytes are not a valid Kafka v2 batch: bad length, magic, CRC, record framing,
 * or a compressed records section that is truncated, garbled or expands past the allowed size.
 *
 * <p>The codec ({@link RecordBatch}) knows only a buffer, so it states the problem alone; a reader
 * that knows where the bytes came from rethrows it {@linkplain #located located}, naming the file,
 * the batch's byte position in it and its base offset, so that the damage can be found and cut.
 */
public class CorruptRecordException extends IOException {
    private final String problem;
    private final Path file;
    private final long position;
    private final long baseOffset;

    public CorruptRecordException(String message) {
        this(message, null);
    }

    public CorruptRecordException(String message, Throwable cause) {
        super(message, cause);
        this.problem = message;
        this.file = null;
        this.position = -1;
        this.baseOffset = -1;
    }

    private CorruptRecordException(CorruptRecordException problem, Path file, long position, long baseOffset) {
        super("Corrupt batch in " + file + " at position " + (position < 0 ? "unknown" : Long.toString(position))
                + " (base offset " + baseOffset + "): " + problem.problem, problem.getCause());
        this.problem = problem.problem;
        this.file = file;
        this.position = position;
        this.baseOffset = baseOffset;
    }

    /**
     * This problem, for the batch at byte {@code position} of {@code file} whose header says it
     * starts at {@code baseOffset}; {@code position} is -1 when it could not be found.
     */
    public CorruptRecordException located(Path file, long position, long baseOffset) {
        return new CorruptRecordException(this, file, position, baseOffset);
    }

    /** What is wrong with the batch, without where it is. */
    public String problem() {
        return problem;
    }

    /** The file holding the batch, when the reader knew it. */
    public Optional<Path> file() {
        return Optional.ofNullable(file);
    }

    /** The batch's byte position in {@link #file()}; -1 when not known. */
    public long position() {
        return position;
    }

    /** The base offset the batch's header states; -1 when not known. */
    public long baseOffset() {
        return baseOffset;
    }
}
