package dev.spool.log;

import java.util.Optional;

/**
 * What {@link Log#readSlice} found: where whole batches lie in a segment's file (none at the log
 * end), and the log's bounds when it looked. The file stays the segment's: if retention or a
 * truncation removes the segment before the bytes are sent, sending them fails with
 * {@link java.nio.channels.ClosedChannelException} rather than returning other data.
 *
 * @param slice          the file, position and length of the batches; empty at the log end
 * @param logStartOffset first readable offset when the read ran
 * @param logEndOffset   the offset the next append gets, when the read ran
 */
public record LogSlice(Optional<FileSlice> slice, long logStartOffset, long logEndOffset) {
}
