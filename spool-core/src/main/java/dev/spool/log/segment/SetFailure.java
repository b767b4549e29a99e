package dev.spool.log.segment;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first write-path I/O error of a {@link SegmentSet}, and when it happened: once recorded, the
 * set refuses writes until it is reopened or reloaded (which {@link #clear}s it). Volatile fields:
 * written under the set's locks, read by anyone.
 */
final class SetFailure {
    private static final Logger LOG = LoggerFactory.getLogger(SetFailure.class);

    private final Path dir;
    private final LongSupplier clockMs;
    private volatile IOException error;
    /** When {@link #error} was recorded, or the last reload failed, by the log's clock. */
    private volatile long atMs;

    SetFailure(Path dir, LongSupplier clockMs) {
        this.dir = dir;
        this.clockMs = clockMs;
    }

    Optional<IOException> error() {
        return Optional.ofNullable(error);
    }

    long atMs() {
        return atMs;
    }

    /** Records {@code e} unless an error is recorded already; returns it, to throw. */
    IOException record(IOException e) {
        if (error == null) {
            atMs = clockMs.getAsLong();
            error = e;
            LOG.error("Log {} failed: {}; it refuses writes until reopened or recovered", dir, describe(e));
        }
        return e;
    }

    /** A reload failed: the set stays failed, with that error if it is an I/O error, from now. */
    void reloadFailed(Exception e) {
        atMs = clockMs.getAsLong();
        if (e instanceof IOException io) {
            error = io;
        }
    }

    void clear() {
        error = null;
    }

    /** Throws the recorded error itself, if any. */
    void rethrow() throws IOException {
        IOException failed = error;
        if (failed != null) {
            throw failed;
        }
    }

    /** Throws an error that says the log failed earlier, if it did. */
    void ensureNone() throws IOException {
        IOException failed = error;
        if (failed != null) {
            throw new IOException("Log " + dir + " failed earlier (" + describe(failed)
                    + ") and refuses writes until it is reopened or recovered", failed);
        }
    }

    /**
     * An error's message for a person. The JDK's missing-file, access-denied and file-exists errors
     * carry only the path as their message ("/data/t-0/00000000000000000020.log"): the type says why.
     */
    private static String describe(IOException e) {
        return e instanceof FileSystemException fs && fs.getReason() == null
                ? e.getClass().getSimpleName() + ": " + e.getMessage() : e.getMessage();
    }
}
