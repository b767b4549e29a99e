package dev.spool.log.segment;

import dev.spool.log.io.FileIO;
import dev.spool.log.io.StorageFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * The file handling both index kinds share: their files are a plain array of fixed-size entries
 * with no header, read whole and written by appending new entries (or cutting removed ones).
 * The entry layout itself stays with {@link OffsetIndex} and {@link TimeIndex}.
 */
final class IndexFile {
    /** Writes entry {@code i} into {@code out} at its current position. */
    interface EntryWriter {
        void put(ByteBuffer out, int i);
    }

    /**
     * The persisted count of a new index: it knows nothing of a file that may already exist (left
     * by a crash or damaged), so its first flush rewrites the file whole.
     */
    static final int UNKNOWN_ON_DISK = -1;

    private IndexFile() {
    }

    /** The largest number of entries an index of {@code indexBytesMax} holds. */
    static int entriesMax(int indexBytesMax, int entryBytes) {
        return Math.max(1, indexBytesMax / entryBytes);
    }

    /** Reads a whole index file, checking its size is a whole number of entries within the limit. */
    static ByteBuffer readAll(FileIO io, Path path, int entryBytes, int entriesMax) throws IOException {
        try (StorageFile file = io.open(path, FileIO.OpenMode.READ)) {
            long size = file.size();
            if (size % entryBytes != 0) {
                throw new CorruptIndexException(path, "size " + size + " is not a multiple of " + entryBytes);
            }
            if (size / entryBytes > entriesMax) {
                throw new CorruptIndexException(path, "holds " + size / entryBytes + " entries, more than the "
                        + entriesMax + " allowed");
            }
            ByteBuffer bytes = ByteBuffer.allocate((int) size);
            file.readFully(bytes, 0);
            bytes.flip();
            return bytes;
        }
    }

    /**
     * Makes the file hold exactly entries {@code [0, count)}: cuts it where entries were removed,
     * appends the ones not yet written (from {@code persistedCount} on), then forces it. Returns
     * the new persisted count; a file this call created has its directory synced too (else a crash
     * could keep the forced bytes and lose the name). A no-op when nothing changed and the file exists; a negative
     * {@code persistedCount} means the file's content is unknown and it is rewritten.
     */
    static int sync(FileIO io, Path path, int entryBytes, int persistedCount, int count, EntryWriter writer)
            throws IOException {
        boolean exists = io.exists(path);
        if (count == persistedCount && exists) {
            return count;
        }
        try (StorageFile file = io.open(path, FileIO.OpenMode.CREATE)) {
            int from = Math.max(0, Math.min(persistedCount, count));
            if (file.size() != (long) from * entryBytes) {
                from = (int) Math.min(from, file.size() / entryBytes);
                file.truncate((long) from * entryBytes);
            }
            if (count > from) {
                ByteBuffer bytes = ByteBuffer.allocate((count - from) * entryBytes);
                for (int i = from; i < count; i++) {
                    writer.put(bytes, i);
                }
                bytes.flip();
                file.write(bytes, (long) from * entryBytes);
            }
            file.force(true);
        }
        if (!exists) { // a new file's name is durable only once its directory is synced
            io.syncDirectory(path.getParent());
        }
        return count;
    }
}
