package dev.spool.log.io;

import java.io.IOException;
import java.nio.file.Path;

/** Another process (or another open handle in this one) holds the data directory's lock. */
public final class DirectoryLockedException extends IOException {
    private final Path lockFile;

    public DirectoryLockedException(Path lockFile) {
        super("Data directory " + lockFile.getParent() + " is in use by another process (lock file "
                + lockFile.getFileName() + " is held)");
        this.lockFile = lockFile;
    }

    public Path lockFile() {
        return lockFile;
    }
}
