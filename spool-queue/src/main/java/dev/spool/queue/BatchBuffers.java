package dev.spool.queue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;

/**
 * Direct buffers that streamed items are written into ({@link ItemSink}), kept for reuse once the
 * log has written them. Direct, so that the log's file write takes the bytes straight from them
 * (a heap buffer is first copied into a temporary direct one by the JDK); reused, because a
 * direct buffer of an item's size (up to {@code itemBytesMax}) is costly to allocate and is freed
 * only by a garbage collection.
 *
 * <p>Holds at most {@value #KEPT_MAX} buffers: one per producer that waits for its write, a few
 * for writes in flight; more writes in flight allocate buffers that are then dropped. A buffer is
 * given back only after the write that used it completed successfully: a failed write may still
 * be under way. Thread-safe.
 */
final class BatchBuffers {
    static final int KEPT_MAX = 4;
    /** The smallest buffer allocated: small items go through heap buffers and never come here. */
    private static final int BYTES_MIN = 64 << 10;

    private final ArrayDeque<ByteBuffer> kept = new ArrayDeque<>();
    /** Buffers taken and not given back (a failed write's buffer is never given back: it only counts). */
    private int inUse;

    /** A cleared big-endian buffer of at least {@code bytes}: a kept one if one is large enough. */
    synchronized ByteBuffer take(int bytes) {
        ByteBuffer buffer = takeKept(bytes);
        inUse++;
        return buffer != null ? buffer
                : ByteBuffer.allocateDirect(Math.max(bytes, BYTES_MIN)).order(ByteOrder.BIG_ENDIAN);
    }

    /**
     * As {@link #take}, but only a kept buffer, or a new one while fewer than {@value #KEPT_MAX} are
     * out: null otherwise. For small items, which have a cheap alternative (a heap buffer) and must
     * not make the buffers churn when many producers write at once.
     */
    synchronized ByteBuffer tryTake(int bytes) {
        ByteBuffer buffer = takeKept(bytes);
        if (buffer == null && inUse + kept.size() >= KEPT_MAX) {
            return null;
        }
        inUse++;
        return buffer != null ? buffer
                : ByteBuffer.allocateDirect(Math.max(bytes, BYTES_MIN)).order(ByteOrder.BIG_ENDIAN);
    }

    private ByteBuffer takeKept(int bytes) {
        for (int i = kept.size(); i > 0; i--) {
            ByteBuffer buffer = kept.pollFirst();
            if (buffer.capacity() >= bytes) {
                return buffer.clear();
            }
            kept.addLast(buffer);
        }
        return null;
    }

    /** Keeps {@code buffer} for a later item, dropping the smallest kept one when full. */
    synchronized void give(ByteBuffer buffer) {
        inUse = Math.max(0, inUse - 1);
        if (kept.size() < KEPT_MAX) {
            kept.addLast(buffer);
            return;
        }
        ByteBuffer smallest = buffer;
        for (ByteBuffer candidate : kept) {
            if (candidate.capacity() < smallest.capacity()) {
                smallest = candidate;
            }
        }
        if (smallest != buffer) {
            kept.remove(smallest);
            kept.addLast(buffer);
        }
    }

    synchronized int keptCount() {
        return kept.size();
    }
}
