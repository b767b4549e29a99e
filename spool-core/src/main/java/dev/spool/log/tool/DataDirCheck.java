package dev.spool.log.tool;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A check of files in a data directory other than the segments and their indexes, for
 * {@code spool verify}. The engine's own files are checked by {@link DataDirFileChecks}; an
 * application that keeps files of its own in the data directory (the Kafka server's committed
 * offsets and producer ids) supplies a check that reads them with its own codec, and the command
 * composes them all: the engine cannot depend on the modules built on it.
 *
 * <p>A check is read-only and takes no lock, as {@link LogVerifier} does.
 */
public interface DataDirCheck {
    /**
     * Every problem found in {@code dataDir}'s files that this check owns; empty when they are
     * sound or absent where absence is normal.
     *
     * @throws IOException only when the directory itself cannot be read; a damaged file is a finding
     */
    List<LogVerifier.Finding> check(Path dataDir) throws IOException;
}
