package dev.spool.queue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * Turns what a producer hands a {@link DiskBuffer} into the item's record batch ({@link ItemCodec}),
 * checked against the buffer's limits, and decides which buffer it goes in: a heap buffer of its
 * exact size for an item written asynchronously, a reused direct one ({@link BatchBuffers}) for an
 * item the producer waits for and for a streamed payload ({@link PayloadWriter}), which is written
 * into the batch where it stays. A direct buffer goes back to {@link BatchBuffers} once the log wrote
 * it ({@link #recycle}). Thread-safe.
 */
final class ItemEncoder {
    /**
     * An item's batch, and the reused buffer it is a view of (null for a heap buffer of its own);
     * for a lending payload writer's item, the batch's pieces in order ({@link ItemSink#pieces}),
     * {@code batch} their first, else null.
     */
    record Encoded(ByteBuffer batch, ByteBuffer pooled, ByteBuffer[] pieces) {
        Encoded(ByteBuffer batch, ByteBuffer pooled) {
            this(batch, pooled, null);
        }

        /** The item's stored size. */
        int bytes() {
            if (pieces == null) {
                return batch.remaining();
            }
            long bytes = 0;
            for (ByteBuffer piece : pieces) {
                bytes += piece.remaining();
            }
            return (int) bytes;
        }
    }

    private final Path dir;
    private final DiskBufferConfig config;
    private final BatchBuffers batchBuffers = new BatchBuffers();

    ItemEncoder(Path dir, DiskBufferConfig config) {
        this.dir = dir;
        this.config = config;
    }

    /** The item in a heap buffer of its own: the log may hold it as long as it likes. */
    Encoded encode(byte[] payload, Map<String, String> metadata) {
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(metadata, "metadata");
        return new Encoded(checkFits(ItemCodec.encode(payload, metadata, System.currentTimeMillis(),
                config.itemBytesMax())), null);
    }

    /**
     * The item in a reused direct buffer when one is free, for a write the caller waits for: no
     * allocation, and the file write takes the bytes as they are (a heap buffer is first copied into
     * a direct one by the JDK). Else as {@link #encode}.
     */
    Encoded encodeForPut(byte[] payload, Map<String, String> metadata) {
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(metadata, "metadata");
        ItemCodec.Headers headers = ItemCodec.Headers.of(metadata);
        long size = ItemCodec.storedBytes(payload.length, headers);
        ItemCodec.checkSize(size, payload.length, config.itemBytesMax());
        ByteBuffer pooled = batchBuffers.tryTake((int) size);
        if (pooled == null) {
            return encode(payload, metadata);
        }
        try {
            return new Encoded(checkFits(ItemCodec.encodeInto(pooled, payload, headers, System.currentTimeMillis())),
                    pooled);
        } catch (RuntimeException e) {
            batchBuffers.give(pooled);
            throw e;
        }
    }

    /**
     * Runs the payload writer into a new item's batch and completes the batch around what it wrote.
     * {@code mayLend}: the caller waits until the item is written (a put), so the buffers a lending
     * writer ({@link PayloadWriter#lendsBuffers()}) hands over may be written from where they lie.
     */
    Encoded stream(PayloadWriter payload, int payloadBytesEstimate, Map<String, String> metadata, boolean mayLend)
            throws IOException {
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(metadata, "metadata");
        ItemCodec.Headers headers = ItemCodec.Headers.of(metadata);
        ItemSink sink = new ItemSink(batchBuffers, payloadBytesEstimate, headers.encodedBytes(), config.itemBytesMax(),
                mayLend && payload.lendsBuffers());
        try {
            payload.writeTo(sink);
            int payloadBytes = sink.payloadBytes();
            long storedBytes = ItemCodec.storedBytes(payloadBytes, headers);
            ItemCodec.checkSize(storedBytes, payloadBytes, config.itemBytesMax());
            ByteBuffer buffer = sink.finish();
            long now = System.currentTimeMillis();
            if (sink.lent()) {
                checkFits(storedBytes);
                int headersAt = buffer.position();
                ByteBuffer framed = ItemCodec.frame(buffer, ItemCodec.STREAMED_VALUE_AT, payloadBytes, headersAt,
                        headers, now);
                ByteBuffer[] pieces = sink.pieces(framed); // the log writes their CRC (Log.appendGathered)
                return new Encoded(pieces[0], buffer, pieces);
            }
            return new Encoded(checkFits(ItemCodec.finish(buffer, ItemCodec.STREAMED_VALUE_AT, payloadBytes, headers,
                    now)), buffer);
        } catch (IOException | RuntimeException e) {
            sink.discard();
            throw e;
        }
    }

    /**
     * Gives an item's reused buffer back for the next one, once nothing will read it again: the item
     * was dropped or written. After a failed write it is left to the garbage collector.
     */
    void recycle(ByteBuffer pooled) {
        if (pooled != null) {
            batchBuffers.give(pooled);
        }
    }

    private ByteBuffer checkFits(ByteBuffer batch) {
        checkFits(batch.remaining());
        return batch;
    }

    private void checkFits(long storedBytes) {
        if (storedBytes > config.sizeBytesMax()) {
            throw new IllegalArgumentException("Item of " + storedBytes + " stored bytes can never fit disk buffer "
                    + dir + " of at most " + config.sizeBytesMax() + " bytes");
        }
    }
}
