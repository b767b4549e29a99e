package dev.spool.log.catalog;

import dev.spool.log.LoadState;
import dev.spool.log.Log;
import dev.spool.log.LogConfig;
import java.io.IOException;
import java.nio.file.Path;

/**
 * How the catalog opens and handles logs, supplied by the log manager: opening uses its file
 * interface, clock, I/O executor and meters, and the other two are {@link Log}'s own methods
 * that only its package reaches.
 */
public interface LogAccess {
    Log open(Path dir, LogConfig config, LoadState state) throws IOException;

    /** Closes a log that must not flush (its creation failed, or its files are being deleted). */
    void closeWithoutFlush(Log log) throws IOException;

    /** Runs {@code action} whenever a truncation lowers the log's recovery point. */
    void onRecoveryPointLowered(Log log, Runnable action);
}
