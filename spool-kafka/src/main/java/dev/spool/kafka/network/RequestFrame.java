package dev.spool.kafka.network;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One request frame read whole (the bytes after its length prefix), and its share of the
 * {@link RequestMemoryPool}, held until the request is done or dropped. {@link #release()} may be
 * called more than once and from any thread; only the first returns the bytes.
 */
final class RequestFrame {
    private final byte[] bytes;
    private final RequestMemoryPool pool;
    private final AtomicBoolean released = new AtomicBoolean();

    RequestFrame(byte[] bytes, RequestMemoryPool pool) {
        this.bytes = bytes;
        this.pool = pool;
    }

    int size() {
        return bytes.length;
    }

    /** The request's API key (the header's first field), or -1 for a frame too short to have one. */
    short apiKey() {
        return bytes.length < 2 ? -1 : (short) ((bytes[0] << 8) | (bytes[1] & 0xff));
    }

    /** The frame's bytes, for the request processor (which owns them from then on). */
    ByteBuffer buffer() {
        return ByteBuffer.wrap(bytes);
    }

    void release() {
        if (released.compareAndSet(false, true)) {
            pool.release(bytes.length);
        }
    }
}
