package dev.spool.queue;

import dev.spool.log.io.FileIO;
import dev.spool.log.io.StorageFile;
import dev.spool.log.tool.DataDirCheck;
import dev.spool.log.tool.LogVerifier.Finding;
import dev.spool.log.tool.LogVerifier;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code spool verify}'s check of a disk buffer's consumer position ({@link AckFile}), for a data
 * directory that is a disk buffer's (it holds the file; any other data directory has none, and
 * gets no finding). A buffer's directory is a log manager data directory, so {@code spool verify
 * --data-dir BUFFER_DIR} checks its log as well.
 *
 * <p>One slot failing its CRC is normal (a torn write, or the empty second slot of a new file)
 * and no finding. A file of the wrong size, or whose slots all fail, is a warning: the buffer
 * still opens, takes the position from the log's own checkpoint and delivers the items above it
 * again (at-least-once). Read-only.
 */
public final class PositionFileCheck implements DataDirCheck {
    private final FileIO io;

    public PositionFileCheck(FileIO io) {
        this.io = io;
    }

    @Override
    public List<Finding> check(Path dataDir) throws IOException {
        Path path = dataDir.resolve(AckFile.FILE_NAME);
        if (!io.exists(path)) {
            return List.of();
        }
        ByteBuffer bytes = ByteBuffer.allocate(2 * AckFile.SLOT_BYTES);
        long size;
        try (StorageFile file = io.open(path, FileIO.OpenMode.READ)) {
            size = file.size();
            while (bytes.hasRemaining() && file.read(bytes, bytes.position()) > 0) {
                // both slots, or what there is of them
            }
        }
        bytes.flip();
        String consequence = "; the buffer takes the consumer position from the log's checkpoint and delivers the"
                + " items above it again";
        if (size != 2L * AckFile.SLOT_BYTES) {
            return List.of(warning(path, "consumer position file is " + size + " bytes, expected "
                    + 2 * AckFile.SLOT_BYTES + consequence));
        }
        if (!AckFile.valid(bytes, 0) && !AckFile.valid(bytes, AckFile.SLOT_BYTES)) {
            return List.of(warning(path, "neither slot of the consumer position file is valid (magic, version, "
                    + "CRC-32C)" + consequence));
        }
        return List.of();
    }

    private static Finding warning(Path path, String problem) {
        return new Finding(LogVerifier.Severity.WARNING, LogVerifier.Kind.FILE_CORRUPT, path, -1, -1, problem);
    }
}
