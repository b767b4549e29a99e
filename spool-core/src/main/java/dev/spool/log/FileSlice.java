package dev.spool.log;

import dev.spool.log.io.StorageFile;
import dev.spool.log.segment.BatchCursor;
import java.io.IOException;

/**
 * A run of whole batches in a segment's file, for sending without copying
 * ({@link StorageFile#transferTo}). The file belongs to the segment: once retention or a
 * truncation closes it, a transfer fails with {@link java.nio.channels.ClosedChannelException}
 * rather than sending other bytes.
 *
 * @param file      the segment's {@code .log} file
 * @param position  where the first batch starts in it
 * @param sizeBytes the length of the run
 */
public record FileSlice(StorageFile file, long position, int sizeBytes) {
    /** The first {@code sizeBytes} of a slice, and the offset after the records in them. */
    public record Cut(int sizeBytes, long nextOffset) {
    }

    /**
     * The slice's leading batches whose last offset is below {@code endOffset} (a {@code read_committed}
     * reader's bound): their bytes, and the offset after the last of them ({@code endOffset} when there is
     * none). Reads their headers from the file, a page of them at a time on a long walk.
     *
     * @throws CorruptLogException if a header in the slice is cut short or runs past it
     */
    public Cut below(long endOffset) throws IOException {
        long end = position + sizeBytes;
        BatchCursor cursor = BatchCursor.overHeaders(file, file.path(), position, end, Integer.MAX_VALUE);
        long next = endOffset;
        while (cursor.position() < end) {
            cursor.readPublished();
            long lastOffset = cursor.lastOffset();
            if (lastOffset >= endOffset) {
                break;
            }
            next = lastOffset + 1;
            cursor.advance();
        }
        return new Cut((int) (cursor.position() - position), next);
    }
}
