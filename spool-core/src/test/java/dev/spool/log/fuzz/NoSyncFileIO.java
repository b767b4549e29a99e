package dev.spool.log.fuzz;

import dev.spool.log.io.FileIO;
import dev.spool.log.io.ForwardingFileIO;
import dev.spool.log.io.ForwardingStorageFile;
import dev.spool.log.io.StorageFile;
import java.nio.file.Path;

/**
 * The real file system without fsync: hostile-bytes tests check what recovery decides, not what
 * survives a power loss, and thousands of fsyncs would cost them most of their time budget.
 */
final class NoSyncFileIO extends ForwardingFileIO {
    NoSyncFileIO() {
        super(FileIO.real());
    }

    @Override
    protected StorageFile wrap(StorageFile file, Path path, OpenMode mode) {
        return new ForwardingStorageFile(file) {
            @Override
            public void force(boolean metadata) {
            }
        };
    }

    @Override
    public void syncDirectory(Path dir) {
    }
}
