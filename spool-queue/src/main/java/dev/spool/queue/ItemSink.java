package dev.spool.queue;

import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.WritableByteChannel;

/**
 * The channel a {@link PayloadWriter} writes an item's payload into: the value section of the
 * item's record batch in a direct buffer from {@link BatchBuffers}, starting at
 * {@link ItemCodec#STREAMED_VALUE_AT} so that the record prefix and batch header fit in front of it
 * ({@link ItemCodec#finish}). Grows the buffer (taking a larger one and copying what was written)
 * when the payload is larger than the caller's estimate, never past {@code itemBytesMax}. Not
 * thread-safe: one per item, on the producer's thread.
 */
final class ItemSink implements WritableByteChannel {
    private final BatchBuffers buffers;
    private final int itemBytesMax;
    /** Bytes after the value: the encoded metadata. */
    private final int trailerBytes;
    private ByteBuffer buffer;
    private boolean open = true;

    ItemSink(BatchBuffers buffers, int payloadBytesEstimate, int trailerBytes, int itemBytesMax) {
        this.buffers = buffers;
        this.itemBytesMax = itemBytesMax;
        this.trailerBytes = trailerBytes;
        long estimate = (long) ItemCodec.STREAMED_VALUE_AT + Math.max(0, payloadBytesEstimate) + trailerBytes;
        this.buffer = buffers.take((int) Math.min(estimate, capacityMax()));
        buffer.position(ItemCodec.STREAMED_VALUE_AT);
    }

    /** The largest buffer an item within {@code itemBytesMax} can need. */
    private long capacityMax() {
        return (long) itemBytesMax + ItemCodec.VALUE_PREFIX_BYTES_MAX;
    }

    @Override
    public int write(ByteBuffer src) throws ClosedChannelException {
        if (!open) {
            throw new ClosedChannelException();
        }
        int bytes = src.remaining();
        if (bytes > buffer.remaining() - trailerBytes) {
            grow(bytes);
        }
        buffer.put(src);
        return bytes;
    }

    private void grow(int more) {
        long payload = (long) buffer.position() - ItemCodec.STREAMED_VALUE_AT + more;
        long needed = (long) ItemCodec.STREAMED_VALUE_AT + payload + trailerBytes;
        if (needed > capacityMax()) {
            throw new IllegalArgumentException("Item payload of at least " + payload + " bytes (with "
                    + trailerBytes + " bytes of metadata) exceeds the buffer's itemBytesMax of " + itemBytesMax
                    + " bytes");
        }
        ByteBuffer larger = buffers.take((int) Math.min(capacityMax(), Math.max(needed, 2L * buffer.capacity())));
        larger.put(buffer.flip());
        buffers.give(buffer);
        buffer = larger;
    }

    /** Payload bytes written so far. */
    int payloadBytes() {
        return buffer.position() - ItemCodec.STREAMED_VALUE_AT;
    }

    /** The buffer written into (for {@link ItemCodec#finish}); the channel is closed. */
    ByteBuffer finish() {
        open = false;
        return buffer;
    }

    /** Gives the buffer back after the payload writer failed. */
    void discard() {
        open = false;
        buffers.give(buffer);
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public void close() {
        // The writer may close the channel it was handed (Arrow's stream writer does); the item stays open.
    }
}
