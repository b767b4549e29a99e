package dev.spool.log.segment;

import java.io.IOException;
import java.nio.file.Path;

/** An index file fails its sanity check. Indexes are derived data: the log rebuilds them from the segment. */
public final class CorruptIndexException extends IOException {
    public CorruptIndexException(Path file, String problem) {
        super("Corrupt index " + file + ": " + problem);
    }
}
