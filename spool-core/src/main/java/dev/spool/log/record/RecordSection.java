package dev.spool.log.record;

import java.nio.ByteBuffer;

/**
 * One buffer that {@link RecordCursor} reads records from (a read's batches, or a compressed
 * batch's decompressed bytes), with the read-only views it hands out over it. The views are made
 * once per buffer and re-pointed for each record, so walking records allocates nothing.
 * Not thread-safe: owned by one cursor.
 */
final class RecordSection {
    static final RecordSection EMPTY = new RecordSection(ByteBuffer.allocate(0));

    /** The bytes, big-endian, read by absolute index. */
    final ByteBuffer bytes;
    /** A read-only view of all of {@link #bytes}, for callers that index it themselves. */
    final ByteBuffer readOnly;
    final ByteBuffer key;
    final ByteBuffer value;
    final ByteBuffer headerKey;
    final ByteBuffer headerValue;

    /** Over {@code bytes} (a duplicate the caller made: big-endian, whatever the original's order). */
    RecordSection(ByteBuffer bytes) {
        this.bytes = bytes;
        this.readOnly = bytes.asReadOnlyBuffer();
        this.key = readOnly.duplicate();
        this.value = readOnly.duplicate();
        this.headerKey = readOnly.duplicate();
        this.headerValue = readOnly.duplicate();
    }

    /** Points {@code view} (one of this section's) at {@code [position, position + length)}. */
    static ByteBuffer point(ByteBuffer view, int position, int length) {
        // Limit first: the old limit may be below the new position.
        return view.limit(position + length).position(position);
    }
}
