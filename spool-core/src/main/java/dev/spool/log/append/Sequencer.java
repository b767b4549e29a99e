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
 * chain hashes the stored bytes, offset included) and otherwise changes no append: where each one
 * landed comes back as a {@link Placement} in the {@link Run}. One run is placed at a time,
 * starting at the log end, because the next run's segment exists only once this one is written
 * and the end published ({@link SegmentSet#append}).
 *
 * <p>The chain head (the chain after the last batch placed) is the anchor of each new segment's
 * chain file, which takes the log's chain format. In format 2 ({@link HashChain}) the costly
 * digest, over each large batch's content, is taken on the caller's thread before the append gets
 * here ({@link PendingAppend#digestContents}, when {@link #contentDigestedByCallers()}); the
 * sequencer only links it, two blocks of SHA-256 a batch, so the writer lock is not held over the
 * batch's bytes and appenders hash in parallel. Small batches, and an append that comes without
 * its digests (from a thread that found the log in another format), are hashed here. Not
 * thread-safe: used by the writer, under the log's writer lock.
 */
public final class Sequencer {
    private final SegmentSet segments;
    /** Hashes batches into the chain; null when the log keeps no chain. */
    private final HashChain hasher;
    /** The chain after the last batch placed; the anchor of the next segment. */
    private final byte[] head;
    /** The log's chain format, which new segments take; volatile for {@link #contentDigestedByCallers()}. */
    private volatile short chainVersion;

    /**
     * @param chainHead    the chain after the last batch on disk, as recovery found it (ignored
     *                     without a chain)
     * @param chainVersion the log's chain format, as recovery found it ({@link ChainFile#VERSION} for a new log)
     */
    public Sequencer(SegmentSet segments, boolean hashChain, byte[] chainHead, short chainVersion) {
        this.segments = segments;
        this.hasher = hashChain ? new HashChain() : null;
        this.head = hashChain ? chainHead.clone() : Placement.NO_CHAIN;
        this.chainVersion = chainVersion;
    }

    /**
     * Whether appenders should digest their batches' content before the writer
     * ({@link PendingAppend#digestContents}): the log keeps a chain of format 2. Any thread; an
     * append with or without the digests is placed correctly either way.
     */
    public boolean contentDigestedByCallers() {
        return hasher != null && chainVersion == ChainFile.VERSION_2;
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
            return stamp(append.batches, next, chain, append.contents());
        }
        ByteBuffer batch = append.batches; // one batch, its header whole in the first piece
        RecordBatch.setBaseOffset(batch, batch.position(), next);
        if (hasher != null) {
            byte[] contents = append.contents();
            if (contents != null && chain.version() == ChainFile.VERSION_2 && !HashChain.linkedWhole(append.sizeBytes)) {
                hasher.link(head, batch, contents, 0);
            } else {
                hasher.step(chain.version(), head, pieces);
            }
            chain.add(next, head);
        }
        return next + RecordBatch.lastOffsetDelta(batch, batch.position()) + 1;
    }

    /** {@code contents}: the batches' content digests, 32 bytes each in order, or null. */
    private long stamp(ByteBuffer batches, long next, ChainFile chain, byte[] contents) {
        final HashChain hasher = this.hasher;
        boolean linkOnly = hasher != null && contents != null && chain.version() == ChainFile.VERSION_2;
        int index = 0;
        for (int at = batches.position(); at < batches.limit(); index++) {
            int batchBytes = RecordBatch.sizeInBytes(batches, at);
            RecordBatch.setBaseOffset(batches, at, next);
            if (linkOnly && !HashChain.linkedWhole(batchBytes)) { // the header as stored, the content as digested
                hasher.link(head, batches.duplicate().position(at), contents, index * HashChain.HASH_BYTES);
                chain.add(next, head);
            } else if (hasher != null) { // the stored bytes, base offset stamped; the digest reads them in place
                hasher.step(chain.version(), head, batches.duplicate().limit(at + batchBytes).position(at));
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
        return segments.roll(reason, config, hasher == null ? null : head.clone(), chainVersion);
    }

    /** A truncation left {@code last} as the active segment: the chain head is its chain's last hash. */
    public void truncated(Segment last) throws IOException {
        if (hasher != null) {
            ChainFile chain = last.chain();
            System.arraycopy(chain.lastHash(), 0, head, 0, HashChain.HASH_BYTES);
            chainVersion = chain.version();
        }
    }

    /** Recovery in place found the chain after the last batch on disk: {@code chainHead}, in format {@code version}. */
    public void recovered(byte[] chainHead, short version) {
        if (hasher != null) {
            System.arraycopy(chainHead, 0, head, 0, HashChain.HASH_BYTES);
            chainVersion = version;
        }
    }

    /** The chain head as 64 hex digits, or empty when the log keeps no chain. */
    public String chainHeadHex() {
        return hasher == null ? "" : HashChain.hex(head);
    }
}
