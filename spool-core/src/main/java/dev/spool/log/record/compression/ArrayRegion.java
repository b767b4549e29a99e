package dev.spool.log.record.compression;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;

/** A buffer's remaining bytes as an array region, for libraries that take arrays; direct buffers are copied. */
record ArrayRegion(byte[] array, int offset, int length) {

    static ArrayRegion of(ByteBuffer buffer) {
        if (buffer.hasArray()) {
            return new ArrayRegion(buffer.array(), buffer.arrayOffset() + buffer.position(), buffer.remaining());
        }
        byte[] copy = new byte[buffer.remaining()];
        buffer.duplicate().get(copy);
        return new ArrayRegion(copy, 0, copy.length);
    }

    /** The region as a heap target: requires an array-backed, writable buffer. */
    static ArrayRegion target(ByteBuffer buffer) {
        if (!buffer.hasArray()) {
            throw new IllegalArgumentException("Compression target must be a writable heap buffer");
        }
        return new ArrayRegion(buffer.array(), buffer.arrayOffset() + buffer.position(), buffer.remaining());
    }

    int end() {
        return offset + length;
    }

    ByteArrayInputStream stream() {
        return new ByteArrayInputStream(array, offset, length);
    }
}
