package dev.spool.log.segment;

import java.io.IOException;
import java.nio.file.Path;

/** An index file fails its sanity check. Indexes are derived data: the log rebuilds them from the segment. */
public final class CorruptIndexException extends IOException {
    private final Path file;
    private final String problem;

    public CorruptIndexException(Path file, String problem) {
        super("Corrupt index " + file + ": " + problem);
        this.file = file;
        this.problem = problem;
    }

    /** The index file. */
    public Path file() {
        return file;
    }

    /** What is wrong with it, without the file's name. */
    public String problem() {
        return problem;
    }
}
