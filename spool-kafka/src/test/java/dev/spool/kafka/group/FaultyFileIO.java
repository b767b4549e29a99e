package dev.spool.kafka.group;

import dev.spool.log.io.FileIO;
import dev.spool.log.io.ForwardingFileIO;
import dev.spool.log.io.ForwardingStorageFile;
import dev.spool.log.io.StorageFile;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The real file interface, with two faults a test can switch on: every {@code force} (fsync) fails,
 * or every rename fails (segment deletion renames to {@code .deleted} first).
 */
final class FaultyFileIO extends ForwardingFileIO {
    volatile boolean failForce;
    volatile boolean failRename;

    FaultyFileIO() {
        super(FileIO.real());
    }

    @Override
    protected StorageFile wrap(StorageFile file, Path path, OpenMode mode) {
        return new ForwardingStorageFile(file) {
            @Override
            public void force(boolean metadata) throws IOException {
                if (failForce) {
                    throw new IOException("Injected fsync failure on " + delegate.path());
                }
                delegate.force(metadata);
            }
        };
    }

    @Override
    public void rename(Path from, Path to) throws IOException {
        if (failRename) {
            throw new IOException("Injected rename failure of " + from);
        }
        delegate.rename(from, to);
    }
}
