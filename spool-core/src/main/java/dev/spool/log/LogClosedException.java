package dev.spool.log;

import java.nio.file.Path;

/**
 * The log was closed: it takes no more appends, flushes or retention runs. An
 * {@link IllegalStateException}, as a closed log always reported, so callers that caught that
 * still catch this.
 */
public final class LogClosedException extends IllegalStateException {
    private final transient Path dir;

    public LogClosedException(Path dir) {
        super("Log " + dir + " is closed");
        this.dir = dir;
    }

    /** The closed log's directory. */
    public Path dir() {
        return dir;
    }
}
