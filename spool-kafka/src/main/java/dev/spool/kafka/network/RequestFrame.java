package dev.spool.kafka.network;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One request frame read whole (the bytes after its length prefix) in a pooled direct buffer, and
 * its share of the {@link RequestMemoryPool}, both held until the request is done or dropped: the
 * request's decoded fields, and the log writing a Produce's batches, read the buffer in place, so
 * it must not go back to the allocator before then. {@link #release()} may be called more than
 * once and from any thread; only the first frees the buffer and returns the bytes.
 */
final class RequestFrame {
    private final ByteBuf bytes;
    private final int size;
    private final RequestMemoryPool pool;
    private final AtomicBoolean released = new AtomicBoolean();

    RequestFrame(ByteBuf bytes, RequestMemoryPool pool) {
        this.bytes = bytes;
        this.size = bytes.readableBytes();
        this.pool = pool;
    }

    int size() {
        return size;
    }

    /** The request's API key (the header's first field), or -1 for a frame too short to have one. */
    short apiKey() {
        return size < 2 ? -1 : bytes.getShort(bytes.readerIndex());
    }

    /** The frame's bytes, for the request processor (valid until {@link #release()}). */
    ByteBuffer buffer() {
        return bytes.nioBuffer(bytes.readerIndex(), size);
    }

    void release() {
        if (released.compareAndSet(false, true)) {
            bytes.release();
            pool.release(size);
        }
    }
}
