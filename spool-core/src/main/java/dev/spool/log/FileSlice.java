package dev.spool.log;

import dev.spool.log.io.StorageFile;

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
}
