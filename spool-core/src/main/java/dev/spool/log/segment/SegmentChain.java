package dev.spool.log.segment;

import dev.spool.log.io.FileIO;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A segment's hash-chain sidecar ({@link ChainFile}), when its log keeps one: started empty with
 * a new segment, loaded from disk on first use for a segment opened from disk, or attached by
 * recovery after it checked or rebuilt it. Its order against the data is the segment's: flushed
 * after the data, cut before it (so a crash leaves the sidecar behind the log, never ahead).
 *
 * <p>Not thread-safe: the segment's writer only, under the log's writer lock.
 */
final class SegmentChain {
    private final FileIO io;
    private final Path path;
    private final long baseOffset;
    /** Whether the log keeps a chain for this segment; {@link #chain} is null until it is loaded. */
    private boolean kept;
    private ChainFile chain;

    SegmentChain(FileIO io, Path dir, long baseOffset) {
        this.io = io;
        this.path = SegmentFiles.chainFile(dir, baseOffset);
        this.baseOffset = baseOffset;
    }

    /** Starts an empty chain of format {@code version} at {@code anchor} (a new segment); written on the first flush. */
    void startEmpty(byte[] anchor, short version) {
        kept = true;
        chain = ChainFile.empty(path, baseOffset, anchor, version);
    }

    void attach(ChainFile loaded) {
        kept = true;
        chain = loaded;
    }

    void keep() {
        kept = true;
    }

    /** The chain, loaded on first use; null when none is kept. */
    ChainFile get() throws IOException {
        if (kept && chain == null) {
            if (!io.exists(path)) {
                throw new CorruptChainException(path, 0, "missing");
            }
            chain = ChainFile.load(io, path, baseOffset);
        }
        return chain;
    }

    /** After an append: writes the entries out when enough have gathered (only a loaded chain has new ones). */
    void spillIfDue() throws IOException {
        if (chain != null) {
            chain.spillIfDue(io);
        }
    }

    /** Writes and forces the entries of a loaded chain; the caller forced the data first. */
    void flush() throws IOException {
        if (chain != null) {
            chain.flush(io);
        }
    }

    /** Cuts the chain to the batches before {@code newNext}; the caller cuts the log after. */
    void truncateTo(long newNext) throws IOException {
        ChainFile c = get();
        if (c != null) {
            c.truncateTo(io, newNext);
        }
    }
}
