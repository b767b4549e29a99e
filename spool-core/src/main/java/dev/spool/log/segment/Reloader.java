package dev.spool.log.segment;

import java.io.IOException;

/** Runs the log's recovery over the directory, as a reopen would. */
public interface Reloader {
    Reloaded load() throws IOException;
}
