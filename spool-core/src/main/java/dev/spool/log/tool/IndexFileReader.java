package dev.spool.log.tool;

import dev.spool.log.io.FileIO;
import dev.spool.log.io.StorageFile;
import dev.spool.log.segment.OffsetIndex;
import dev.spool.log.segment.TimeIndex;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * A segment's index files read entry by entry as they lie on disk, for {@code spool dump}: the
 * read-only view of an index that the CLI uses. Nothing is checked against the log or against
 * the other entries (that is {@code spool verify}'s job), so a damaged index shows as it is; a
 * tail shorter than one entry is counted, not read.
 *
 * <p>The layouts are drawn and owned by {@link OffsetIndex} (relative offset, then position) and
 * {@link TimeIndex} (timestamp, then relative offset); this class reads the fields where their
 * constants say. Opens the file read-only and closes it before returning; stateless and
 * thread-safe.
 */
public final class IndexFileReader {
    /** One {@code .index} entry: the last offset of a batch and where the batch starts in the {@code .log}. */
    public record OffsetEntry(long offset, long position) {
    }

    /** One {@code .timeindex} entry: no record at or below {@code offset} is newer than {@code timestamp}. */
    public record TimeEntry(long timestamp, long offset) {
    }

    /**
     * What a read saw.
     *
     * @param sizeBytes  the file's size
     * @param entries    the whole entries read
     * @param entryBytes the size of one entry in this kind of index
     */
    public record Summary(long sizeBytes, long entries, int entryBytes) {
        /** The bytes at the end that do not make a whole entry (0 in a sound index). */
        public long trailingBytes() {
            return sizeBytes % entryBytes;
        }
    }

    private IndexFileReader() {
    }

    /** Passes each entry of the {@code .index} file of the segment at {@code baseOffset} to {@code each}, in file order. */
    public static Summary readOffsetIndex(FileIO io, Path file, long baseOffset, Consumer<OffsetEntry> each)
            throws IOException {
        return read(io, file, OffsetIndex.ENTRY_BYTES, entry -> each.accept(new OffsetEntry(
                baseOffset + entry.getInt(OffsetIndex.RELATIVE_OFFSET_AT),
                Integer.toUnsignedLong(entry.getInt(OffsetIndex.POSITION_AT)))));
    }

    /** Passes each entry of the {@code .timeindex} file of the segment at {@code baseOffset} to {@code each}, in file order. */
    public static Summary readTimeIndex(FileIO io, Path file, long baseOffset, Consumer<TimeEntry> each)
            throws IOException {
        return read(io, file, TimeIndex.ENTRY_BYTES, entry -> each.accept(new TimeEntry(
                entry.getLong(TimeIndex.TIMESTAMP_AT), baseOffset + entry.getInt(TimeIndex.RELATIVE_OFFSET_AT))));
    }

    private static Summary read(FileIO io, Path file, int entryBytes, Consumer<ByteBuffer> each) throws IOException {
        try (StorageFile in = io.open(file, FileIO.OpenMode.READ)) {
            long size = in.size();
            long entries = size / entryBytes;
            ByteBuffer entry = ByteBuffer.allocate(entryBytes);
            for (long i = 0; i < entries; i++) {
                entry.clear();
                in.readFully(entry, i * entryBytes);
                each.accept(entry);
            }
            return new Summary(size, entries, entryBytes);
        }
    }
}
