package dev.spool.log.append;

import dev.spool.log.LogConfig;
import dev.spool.log.record.RecordBatch;
import dev.spool.log.segment.ChainFile;
import dev.spool.log.segment.HashChain;
import dev.spool.log.segment.Segment;
import dev.spool.log.segment.SegmentSet;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Decides where a group of appends goes: the offsets of each record, the hash chain after each
 * batch, and the runs of appends that share a segment (rolling to a new segment between runs when
 * size, age, a full index or the offset range require it).
 *
 * <h2>Design</h2>
 * The sequencer is the only code that assigns offsets. It stamps each batch's base offset into
 * the caller's buffer (the offset is outside the batch CRC, so the checksum stays valid, and the
 * chain digests the stored bytes, offset included) and otherwise changes no append: where each one
 * landed comes back as a {@link Placement} in the {@link Run}. One run is placed at a time,
 * starting at the log end, because the next run's segment exists only once this one is written
 * and the end published ({@link SegmentSet#append}).
 *
 * <p>The chain head (the chain after the last batch placed) is the anchor of each new segment's
 * chain file. Not thread-safe: used by the writer, under the log's writer lock.
 */
public final class Sequencer {
    private final SegmentSet segments;
    /** Hashes batches into the chain; null when the log keeps no chain. */
    private final HashChain hasher;
    /** The chain after the last batch placed; the anchor of the next segment. */
    private final byte[] head;

    /**
     * @param chainHead the chain after the last batch on disk, as recovery found it (ignored
     *                  without a chain)
     */
    public Sequencer(SegmentSet segments, boolean hashChain, byte[] chainHead) {
        this.segments = segments;
        this.hasher = hashChain ? new HashChain() : null;
        this.head = hashChain ? chainHead.clone() : Placement.NO_CHAIN;
    }

    /**
     * Appends {@code group[from, from + count)} go to {@code segment}, written with one gathering
     * write of {@code buffers[0, bufferCount)} (one per append, or a gathered append's pieces); the
     * run's last offset is {@code lastOffset}.
     */
    public record Run(Segment segment, int from, int count, ByteBuffer[] buffers, int bufferCount,
                      Placement[] placements, long lastOffset) {
        /** The index in the group after this run's last append. */
        public int end() {
            return from + count;
        }
    }

    /**
     * Places the next run of {@code group}, starting with the append at {@code from} and at the log
     * end, rolling first if the active segment cannot take that append. Every append of the group
     * from {@code from} on that fits the same segment joins the run; at least one always does.
     */
    public Run place(List<PendingAppend> group, int from, LogConfig config, long nowMs) throws IOException {
        long next = segments.logEndOffset();
        PendingAppend first = group.get(from);
        Segment segment = maybeRoll(first.sizeBytes, next + first.lastOffsetDelta, config, nowMs);
        long segmentBytes = segment.sizeBytes();
        ChainFile chain = hasher == null ? null : segment.chain();
        int bufferTotal = 0;
        for (int i = from; i < group.size(); i++) {
            bufferTotal += group.get(i).bufferCount();
        }
        ByteBuffer[] buffers = new ByteBuffer[bufferTotal];
        Placement[] placements = new Placement[group.size() - from];
        int count = 0;
        int bufferCount = 0;
        for (int i = from; i < group.size(); i++, count++) {
            PendingAppend append = group.get(i);
            boolean fits = segmentBytes + append.sizeBytes <= config.segmentBytes()
                    && next + append.lastOffsetDelta - segment.baseOffset() <= Integer.MAX_VALUE;
            if (count > 0 && !fits) {
                break;
            }
            long firstOffset = next;
            next = stamp(append, next, chain);
            placements[count] = new Placement(firstOffset, next - 1, segment.baseOffset(), (int) segmentBytes,
                    hasher == null ? Placement.NO_CHAIN : head.clone());
            bufferCount = append.buffersInto(buffers, bufferCount);
            segmentBytes += append.sizeBytes;
        }
        return new Run(segment, from, count, buffers, bufferCount, placements, next - 1);
    }

    /**
     * Places {@code append} alone, at the log end, rolling first if the active segment cannot take
     * it (what {@link #place} does for a run of one, without the run's arrays): stamps its offsets,
     * steps the chain, records the {@link Placement} in it and returns the segment it goes to.
     */
    public Segment placeOne(PendingAppend append, LogConfig config, long nowMs) throws IOException {
        long next = segments.logEndOffset();
        Segment segment = maybeRoll(append.sizeBytes, next + append.lastOffsetDelta, config, nowMs);
        int position = segment.sizeBytes();
        long after = stamp(append, next, hasher == null ? null : segment.chain());
        append.placed(new Placement(next, after - 1, segment.baseOffset(), position,
                hasher == null ? Placement.NO_CHAIN : head.clone()));
        return segment;
    }

    /**
     * Stamps base offsets from {@code next} into each batch of {@code append} and steps the chain
     * over each (adding an entry to {@code chain}); returns the offset after the last record.
     */
    private long stamp(PendingAppend append, long next, ChainFile chain) {
        ByteBuffer[] pieces = append.pieces();
        if (pieces == null) {
            return stamp(append.batches, next, chain);
        }
        ByteBuffer batch = append.batches; // one batch, its header whole in the first piece
        RecordBatch.setBaseOffset(batch, batch.position(), next);
        if (hasher != null) {
            hasher.step(head, pieces);
            chain.add(next, head);
        }
        return next + RecordBatch.lastOffsetDelta(batch, batch.position()) + 1;
    }

    private long stamp(ByteBuffer batches, long next, ChainFile chain) {
        final HashChain hasher = this.hasher;
        for (int at = batches.position(); at < batches.limit(); ) {
            int batchBytes = RecordBatch.sizeInBytes(batches, at);
            RecordBatch.setBaseOffset(batches, at, next);
            if (hasher != null) { // the stored bytes, base offset stamped; the digest reads them in place
                hasher.step(head, batches.duplicate().limit(at + batchBytes).position(at));
                chain.add(next, head);
            }
            next += RecordBatch.lastOffsetDelta(batches, at) + 1;
            at += batchBytes;
        }
        return next;
    }

    /** The active segment, or a new one if the active one cannot take an append of this size and last offset. */
    private Segment maybeRoll(int incomingBytes, long lastOffset, LogConfig config, long nowMs) throws IOException {
        Segment segment = segments.active();
        if (segment.isEmpty()) {
            return segment;
        }
        String reason = null;
        if ((long) segment.sizeBytes() + incomingBytes > config.segmentBytes()) {
            reason = "size";
        } else if (nowMs - segment.rollingBaseMs() > config.segmentMs()) {
            reason = "age";
        } else if (segment.indexesFull()) {
            reason = "full index";
        } else if (lastOffset - segment.baseOffset() > Integer.MAX_VALUE) {
            reason = "offset range";
        }
        return reason == null ? segment : roll(reason, config);
    }

    /** Starts a new segment at the log end, anchored at the chain head (see {@link SegmentSet#roll}). */
    public Segment roll(String reason, LogConfig config) throws IOException {
        return segments.roll(reason, config, hasher == null ? null : head.clone());
    }

    /** A truncation left {@code last} as the active segment: the chain head is its chain's last hash. */
    public void truncated(Segment last) throws IOException {
        if (hasher != null) {
            System.arraycopy(last.chain().lastHash(), 0, head, 0, HashChain.HASH_BYTES);
        }
    }

    /** Recovery in place found the chain after the last batch on disk to be {@code chainHead}. */
    public void recovered(byte[] chainHead) {
        if (hasher != null) {
            System.arraycopy(chainHead, 0, head, 0, HashChain.HASH_BYTES);
        }
    }

    /** The chain head as 64 hex digits, or empty when the log keeps no chain. */
    public String chainHeadHex() {
        return hasher == null ? "" : HashChain.hex(head);
    }
}
