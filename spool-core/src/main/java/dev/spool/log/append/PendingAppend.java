package dev.spool.log.append;

import dev.spool.log.AppendResult;
import dev.spool.log.Durability;
import dev.spool.log.InvalidBatchException;
import dev.spool.log.LogConfig;
import dev.spool.log.record.RecordBatch;
import dev.spool.log.segment.HashChain;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * One append between the caller and the writer: what to write, how durable, and, once written,
 * where it landed. Made on the caller's thread after validation; the writer sets its placement
 * once, under the writer lock, before its future can complete. Not thread-safe: handed from the
 * caller to the writer (and the fsync round) through the pipeline's queue and locks.
 */
public final class PendingAppend {
    /** The batches; of a gathered append, its first piece (the batch header is whole in it). */
    final ByteBuffer batches;
    /** A gathered append's pieces in order, {@link #batches} first; null for batches in one buffer. */
    private final ByteBuffer[] pieces;
    final int sizeBytes;
    final Durability durability;
    /** Records' offset span minus one (last offset - first offset), worked out on the caller's thread. */
    final long lastOffsetDelta;
    /**
     * Completed when the append is acknowledged; made by {@link #awaitable()} only for an append
     * that leaves its caller's thread (queued, or waiting for an fsync): one written and
     * acknowledged in line needs none.
     */
    private CompletableFuture<AppendResult> future;
    /**
     * {@link System#nanoTime()} when the append was made: its latency ({@link LogMetrics}) counts
     * from here; {@link #UNTIMED} when no registry records it (a clock read is a tenth of a
     * one-record append on a virtual machine).
     */
    final long acceptedNanos;
    static final long UNTIMED = Long.MIN_VALUE;
    private Placement placement;
    /** Each batch's content digest for the hash chain, 32 bytes a batch in order ({@link #digestContents}), or null. */
    private byte[] contents;

    PendingAppend(ByteBuffer batches, int sizeBytes, long lastOffsetDelta, Durability durability, boolean timed) {
        this(batches, null, sizeBytes, lastOffsetDelta, durability, timed);
    }

    private PendingAppend(ByteBuffer batches, ByteBuffer[] pieces, int sizeBytes, long lastOffsetDelta,
                          Durability durability, boolean timed) {
        this.acceptedNanos = timed ? System.nanoTime() : UNTIMED;
        this.batches = batches;
        this.pieces = pieces;
        this.sizeBytes = sizeBytes;
        this.lastOffsetDelta = lastOffsetDelta;
        this.durability = Objects.requireNonNull(durability, "durability");
    }

    /**
     * Checks the whole batches from {@code batches.position()} to its limit against {@code config}
     * ({@link AppendValidation}) and wraps them for the pipeline; the buffer's position is not moved.
     * {@code timed}: whether its latency is measured ({@link AppendPipeline#timesAppends}).
     *
     * @throws dev.spool.log.InvalidBatchException if the batches are refused
     */
    public static PendingAppend validated(ByteBuffer batches, Durability durability, LogConfig config, String log,
                                          boolean timed) {
        return checked(batches, durability, config, log, timed, true);
    }

    /**
     * As {@link #validated}, for one batch a {@code BatchBuilder} built on this thread for this
     * append, its view in no caller's hands: checked against the log's limits, its CRC not computed
     * again ({@link AppendValidation#checkBuilt}).
     */
    public static PendingAppend built(ByteBuffer batch, Durability durability, LogConfig config, String log,
                                      boolean timed) {
        return checked(batch, durability, config, log, timed, false);
    }

    /**
     * One batch whose bytes are {@code pieces} in order, its header whole in the first, checked as
     * {@link #validated} checks but for its CRC, which is computed over the pieces and written into
     * the first ({@link AppendValidation#checkGathered}), and written from the pieces with one
     * gathering write. The pieces' positions are not moved; their bytes must not change until the
     * append is acknowledged. A compacted log's batch is joined into one buffer once sealed: its
     * records are decoded to check their keys.
     *
     * @throws dev.spool.log.InvalidBatchException if the batch is refused
     */
    public static PendingAppend gathered(ByteBuffer[] pieces, Durability durability, LogConfig config, String log,
                                         boolean timed) {
        if (pieces.length == 0) {
            throw new InvalidBatchException(InvalidBatchException.Reason.EMPTY, "Nothing to append to " + log);
        }
        ByteBuffer[] views = new ByteBuffer[pieces.length];
        for (int i = 0; i < pieces.length; i++) {
            views[i] = Objects.requireNonNull(pieces[i], "piece").duplicate().order(ByteOrder.BIG_ENDIAN);
        }
        int totalBytes = AppendValidation.checkGathered(views, config, log);
        if (config.compacted()) {
            ByteBuffer joined = ByteBuffer.allocate(totalBytes);
            for (ByteBuffer view : views) {
                joined.put(view.duplicate());
            }
            return built(joined.flip(), durability, config, log, timed);
        }
        ByteBuffer head = views[0];
        return new PendingAppend(head, views, totalBytes, RecordBatch.lastOffsetDelta(head, head.position()),
                durability, timed);
    }

    /** The buffers the append's bytes lie in: 1, or a gathered append's pieces. */
    int bufferCount() {
        return pieces == null ? 1 : pieces.length;
    }

    /** Puts the buffers the append's bytes lie in into {@code into} from {@code at}; returns the index after them. */
    int buffersInto(ByteBuffer[] into, int at) {
        if (pieces == null) {
            into[at] = batches.duplicate();
            return at + 1;
        }
        for (ByteBuffer piece : pieces) {
            into[at++] = piece.duplicate();
        }
        return at;
    }

    /** A gathered append's pieces (for the chain to digest), or null for batches in one buffer. */
    ByteBuffer[] pieces() {
        return pieces;
    }

    /**
     * When {@code chained} (the log's {@link Sequencer#contentDigestedByCallers()}), takes the
     * content digest of each batch the chain links by it ({@link HashChain#linkedWhole}: the large
     * ones) on this thread, the caller's, so that the writer only links them; returns this. Call
     * before the append is handed on; the bytes must not change after it, as they must not until
     * the append is acknowledged.
     */
    public PendingAppend digestContents(boolean chained) {
        if (!chained || HashChain.linkedWhole(sizeBytes)) { // no batch in it is large: the writer hashes them whole
            return this;
        }
        HashChain hasher = HashChain.forThisThread();
        if (pieces != null) {
            byte[] digest = new byte[HashChain.HASH_BYTES];
            hasher.content(pieces, digest, 0);
            contents = digest;
            return this;
        }
        int count = 0;
        for (int at = batches.position(); at < batches.limit(); at += RecordBatch.sizeInBytes(batches, at)) {
            count++;
        }
        byte[] digests = new byte[count * HashChain.HASH_BYTES]; // a small batch's slot stays unused
        int index = 0;
        for (int at = batches.position(); at < batches.limit(); index++) {
            int end = at + RecordBatch.sizeInBytes(batches, at);
            if (!HashChain.linkedWhole(end - at)) {
                hasher.content(batches.duplicate().limit(end).position(at), digests, index * HashChain.HASH_BYTES);
            }
            at = end;
        }
        contents = digests;
        return this;
    }

    /** The digests {@link #digestContents} took, or null. */
    byte[] contents() {
        return contents;
    }

    private static PendingAppend checked(ByteBuffer batches, Durability durability, LogConfig config, String log,
                                         boolean timed, boolean untrusted) {
        ByteBuffer view = batches.duplicate().order(ByteOrder.BIG_ENDIAN);
        int totalBytes = untrusted ? AppendValidation.check(view, config, log)
                : AppendValidation.checkBuilt(view, config, log);
        return new PendingAppend(view, totalBytes, lastOffsetDelta(view), durability, timed);
    }

    /** The offset span of the batches in {@code batches}, minus one: last offset minus first. */
    private static long lastOffsetDelta(ByteBuffer batches) {
        long delta = -1;
        for (int at = batches.position(); at < batches.limit(); at += RecordBatch.sizeInBytes(batches, at)) {
            delta += RecordBatch.lastOffsetDelta(batches, at) + 1;
        }
        return delta;
    }

    /**
     * The future this append completes, made on first call; the first call must come before the
     * append is handed to another thread (the hand-off publishes it).
     */
    CompletableFuture<AppendResult> awaitable() {
        CompletableFuture<AppendResult> f = future;
        if (f == null) {
            f = new CompletableFuture<>();
            future = f;
        }
        return f;
    }

    void placed(Placement where) {
        if (placement != null) {
            throw new IllegalStateException("Append already placed at " + placement);
        }
        placement = where;
    }

    Placement placement() {
        return placement;
    }

    long recordCount() {
        return placement.lastOffset() - placement.firstOffset() + 1;
    }

    AppendResult result(boolean durable, long fsyncMicros) {
        return new AppendResult(placement.firstOffset(), placement.lastOffset(), placement.segmentBaseOffset(),
                placement.position(), sizeBytes, durable, fsyncMicros, placement.chainHash());
    }
}
