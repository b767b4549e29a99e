package dev.spool.queue;

import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * The channel a {@link PayloadWriter} writes an item's payload into: the value section of the
 * item's record batch in a direct buffer from {@link BatchBuffers}, starting at
 * {@link ItemCodec#STREAMED_VALUE_AT} so that the record prefix and batch header fit in front of it
 * ({@link ItemCodec#finish}). Grows the buffer (taking a larger one and copying what was written)
 * when the payload is larger than the caller's estimate, never past {@code itemBytesMax}.
 *
 * <p>A lending sink ({@link PayloadWriter#lendsBuffers()}) copies only small writes: a direct buffer
 * of at least {@value #LENT_BYTES_MIN} bytes is kept where it lies, and the item becomes pieces in
 * order (its own bytes around the lent buffers) that the log writes with one gathering write
 * ({@link #pieces}). Not thread-safe: one per item, on the producer's thread.
 */
final class ItemSink implements WritableByteChannel {
    /** The smallest write a lending sink keeps where it lies: below it a copy costs less than a piece. */
    static final int LENT_BYTES_MIN = 32 << 10;
    private final BatchBuffers buffers;
    private final int itemBytesMax;
    /** Bytes after the value: the encoded metadata. */
    private final int trailerBytes;
    private ByteBuffer buffer;
    private boolean open = true;
    /** Whether large direct writes are kept where they lie ({@link PayloadWriter#lendsBuffers()}). */
    private final boolean lending;
    /** The buffers kept where they lie, in order, and where in {@link #buffer} each goes between own bytes. */
    private final List<ByteBuffer> lent = new ArrayList<>();
    private final List<Integer> lentAt = new ArrayList<>();
    private long lentBytes;

    ItemSink(BatchBuffers buffers, int payloadBytesEstimate, int trailerBytes, int itemBytesMax, boolean lending) {
        this.buffers = buffers;
        this.itemBytesMax = itemBytesMax;
        this.trailerBytes = trailerBytes;
        this.lending = lending;
        long estimate = (long) ItemCodec.STREAMED_VALUE_AT + Math.max(0, lending ? 0 : payloadBytesEstimate)
                + trailerBytes;
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
        if (lending && bytes >= LENT_BYTES_MIN && src.isDirect()) {
            checkFits(payloadBytes() + (long) bytes);
            lent.add(src.slice());
            lentAt.add(buffer.position());
            lentBytes += bytes;
            src.position(src.limit());
            return bytes;
        }
        if (bytes > buffer.remaining() - trailerBytes) {
            grow(bytes);
        }
        buffer.put(src);
        return bytes;
    }

    private void checkFits(long payload) {
        if ((long) ItemCodec.STREAMED_VALUE_AT + payload + trailerBytes > capacityMax()) {
            throw new IllegalArgumentException("Item payload of at least " + payload + " bytes (with "
                    + trailerBytes + " bytes of metadata) exceeds the buffer's itemBytesMax of " + itemBytesMax
                    + " bytes");
        }
    }

    private void grow(int more) {
        checkFits(payloadBytes() + (long) more);
        long needed = (long) buffer.position() + more + trailerBytes;
        ByteBuffer larger = buffers.take((int) Math.min(capacityMax(), Math.max(needed, 2L * buffer.capacity())));
        larger.put(buffer.flip());
        buffers.give(buffer);
        buffer = larger;
    }

    /** Payload bytes written so far. */
    int payloadBytes() {
        return (int) (buffer.position() - ItemCodec.STREAMED_VALUE_AT + lentBytes);
    }

    /** Whether some of the payload was kept where it lies: the item is {@link #pieces}, not one buffer. */
    boolean lent() {
        return !lent.isEmpty();
    }

    /**
     * The item's batch as pieces in order, once {@link ItemCodec#frame} has framed the sink's own
     * bytes ({@code framed}: from the batch header to the end of the metadata, in {@link #buffer}):
     * the own bytes up to the first lent buffer, that buffer, the own bytes up to the next, and so on.
     */
    ByteBuffer[] pieces(ByteBuffer framed) {
        ByteBuffer[] pieces = new ByteBuffer[2 * lent.size() + 1];
        int count = 0;
        int from = framed.position();
        for (int i = 0; i < lent.size(); i++) {
            int to = lentAt.get(i);
            if (to > from) { // the first always is: it holds the batch header
                pieces[count++] = framed.duplicate().position(from).limit(to);
            }
            pieces[count++] = lent.get(i);
            from = to;
        }
        pieces[count++] = framed.duplicate().position(from).limit(framed.limit());
        return java.util.Arrays.copyOf(pieces, count);
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
