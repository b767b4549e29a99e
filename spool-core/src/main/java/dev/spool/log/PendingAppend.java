package dev.spool.log;

import dev.spool.log.segment.Segment;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/** One append between the caller and the writer: what to write, how durable, and where it landed. */
final class PendingAppend {
    final ByteBuffer batches;
    final int sizeBytes;
    final Durability durability;
    final CompletableFuture<AppendResult> future = new CompletableFuture<>();
    long firstOffset;
    long lastOffset;
    Segment segment;
    int position;
    /** The chain after this append's last batch; empty when the log keeps none. Set by the writer. */
    byte[] chainHash = NO_CHAIN;
    static final byte[] NO_CHAIN = new byte[0];

    /** Records' offset span minus one (last offset - first offset), worked out on the caller's thread. */
    final long lastOffsetDelta;

    PendingAppend(ByteBuffer batches, int sizeBytes, long lastOffsetDelta, Durability durability) {
        this.batches = batches;
        this.sizeBytes = sizeBytes;
        this.lastOffsetDelta = lastOffsetDelta;
        this.durability = durability;
    }

    AppendResult result(boolean durable, long fsyncMicros) {
        return new AppendResult(firstOffset, lastOffset, segment.baseOffset(), position, sizeBytes, durable,
                fsyncMicros, chainHash);
    }
}
