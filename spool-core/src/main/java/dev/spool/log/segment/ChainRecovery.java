package dev.spool.log.segment;

import dev.spool.log.io.FileIO;
import dev.spool.log.io.StorageFile;
import dev.spool.log.record.RecordBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Checks a segment's hash-chain sidecar against its batches while recovery scans them, and
 * rebuilds whatever the sidecar lacks, in one pass (the scan reads each batch once; the chain
 * hashes it there).
 *
 * <p>The rule: a sidecar entry for a batch below {@code trustedBelowOffset} (the checkpointed
 * recovery point: those entries were written and forced by the flush that moved it) must agree
 * with the recomputed chain, or it is a {@linkplain #mismatch() mismatch} the loader reports as
 * corruption. From the first batch at or past it, a disagreeing, missing or torn entry is what a
 * crash leaves (entries are written early without a force, or not yet), and the rest of the
 * sidecar is recomputed. Entries past the last valid batch are cut when they lie past that point
 * too (the batches they describe were never durable), else they are a mismatch: flushed batches
 * are gone.
 *
 * <p>Not thread-safe; one per segment scan.
 */
public final class ChainRecovery implements SegmentScanner.BatchVisitor {

    private final FileIO io;
    private final Path path;
    private final long segmentBaseOffset;
    /** The sidecar's format: its header's, or the log's when it is rebuilt from nothing. */
    private final short version;
    private final byte[] anchor;
    private final long trustedBelowOffset;
    private final HashChain hasher = new HashChain();
    private final byte[] running;
    /** The sidecar as found, while it still agrees; null when missing, damaged, or after it diverged. */
    private StorageFile existing;
    private long existingEntries;
    private final ByteBuffer entries = ByteBuffer.allocate(ChainFile.ENTRIES_PER_READ * ChainFile.ENTRY_BYTES);
    private long entriesFirst;
    private int entriesRead;
    /** Entries checked and agreeing so far. */
    private long agreed;
    private long lastBase = -1L;
    /** The rebuilt chain once the sidecar stopped agreeing (or from the start when it is unusable). */
    private ChainFile rebuilt;
    private Mismatch mismatch;
    private final String rebuildReason;

    /** A disagreement the loader must report: the batch's position and offset, and what differs. */
    public record Mismatch(long position, long offset, String problem) {
    }

    private ChainRecovery(FileIO io, Path path, long segmentBaseOffset, short version, byte[] anchor,
                          long trustedBelowOffset, StorageFile existing, long existingEntries, String rebuildReason) {
        this.io = io;
        this.path = path;
        this.segmentBaseOffset = segmentBaseOffset;
        this.version = version;
        this.anchor = anchor.clone();
        this.running = anchor.clone();
        this.trustedBelowOffset = trustedBelowOffset;
        this.existing = existing;
        this.existingEntries = existingEntries;
        this.rebuildReason = rebuildReason;
        if (existing == null) {
            rebuilt = ChainFile.empty(path, segmentBaseOffset, anchor, version);
        }
    }

    /**
     * Prepares the check of segment {@code segmentBaseOffset}'s sidecar. The anchor is the last
     * hash of {@code previous} (the previous segment's chain) when known, else the sidecar
     * header's; when the header is valid and disagrees with that hash, the result reports a
     * mismatch at position 0. With neither, the chain restarts from zeros (the caller logs it:
     * verification can then no longer link this segment to the ones before it). The sidecar's
     * hashes are computed in its header's format or, when it is rebuilt for want of a usable
     * header, in the log's: {@code previous}'s, else {@link #logVersion}.
     */
    public static ChainRecovery open(FileIO io, Path dir, long segmentBaseOffset, Optional<ChainFile> previous,
                                     long trustedBelowOffset) throws IOException {
        Path path = SegmentFiles.chainFile(dir, segmentBaseOffset);
        ChainFile.Header header = null;
        StorageFile file = null;
        String reason;
        if (!io.exists(path)) {
            reason = "missing";
        } else {
            file = io.open(path, FileIO.OpenMode.READ);
            try {
                header = ChainFile.readHeader(file, path, segmentBaseOffset);
                reason = "";
            } catch (CorruptChainException e) {
                reason = e.getMessage();
                file.close();
                file = null;
            }
        }
        Optional<byte[]> previousHash = previous.map(ChainFile::lastHash);
        byte[] anchor = previousHash.orElse(header != null ? header.anchor() : HashChain.genesis());
        short version = header != null ? header.version()
                : previous.isPresent() ? previous.get().version() : logVersion(io, dir);
        ChainRecovery recovery = new ChainRecovery(io, path, segmentBaseOffset, version, anchor, trustedBelowOffset,
                file, header == null ? 0 : header.entries(), reason);
        if (header != null && previousHash.isPresent() && !Arrays.equals(header.anchor(), previousHash.get())) {
            recovery.mismatch = new Mismatch(0, segmentBaseOffset, "the sidecar " + path.getFileName()
                    + " is anchored at " + HashChain.hex(header.anchor()) + " but the previous segment's chain ends at "
                    + HashChain.hex(previousHash.get()));
            recovery.closeExisting();
        }
        return recovery;
    }

    /**
     * The chain format of the log in {@code dir}: that of its first sidecar (by name) with a usable
     * header, since every sidecar of a log has the same, or {@link ChainFile#VERSION} when none has
     * one (a new chain).
     */
    static short logVersion(FileIO io, Path dir) throws IOException {
        List<Path> sidecars = io.list(dir).stream()
                .filter(p -> p.getFileName().toString().endsWith(SegmentFiles.CHAIN_SUFFIX)).sorted().toList();
        for (Path path : sidecars) {
            try (StorageFile file = io.open(path, FileIO.OpenMode.READ)) {
                return ChainFile.readHeader(file, path, -1).version();
            } catch (CorruptChainException unusable) {
                // the next one, then
            }
        }
        return ChainFile.VERSION;
    }

    /** Why the sidecar is rebuilt from its anchor (missing, or its header failed a check); empty when it was usable. */
    public String rebuildReason() {
        return rebuildReason;
    }

    /** Whether the anchor came from nowhere (no previous chain, no usable header): the chain restarted. */
    public boolean anchorIsGenesis() {
        return Arrays.equals(anchor, HashChain.genesis());
    }

    @Override
    public void batch(ByteBuffer batch, long position) throws IOException {
        if (mismatch != null) {
            return;
        }
        long base = RecordBatch.baseOffset(batch, 0);
        hasher.step(version, running, batch);
        if (existing != null && agreed < existingEntries) {
            int at = entryAt(agreed);
            byte[] stored = new byte[ChainFile.HASH_BYTES];
            entries.get(at + ChainFile.ENTRY_HASH_AT, stored);
            long storedBase = entries.getLong(at + ChainFile.ENTRY_BASE_OFFSET_AT);
            if (storedBase == base && Arrays.equals(stored, running)) {
                agreed++;
                lastBase = base;
                return;
            }
            if (base < trustedBelowOffset) {
                mismatch = new Mismatch(position, base, "the batch at offset " + base + " chains to "
                        + HashChain.hex(running) + " but entry " + agreed + " of " + path.getFileName()
                        + " (flushed) holds offset " + storedBase + ", hash " + HashChain.hex(stored)
                        + ": the batch or the sidecar was changed after it was written");
                closeExisting();
                return;
            }
        }
        if (existing != null) { // disagrees past the trusted part, or the sidecar is behind: recompute from here
            diverge();
        }
        rebuilt.add(base, running);
        rebuilt.spillIfDue(io);
        lastBase = base;
    }

    /** The sidecar stops agreeing here: keep what agreed, recompute the rest. */
    private void diverge() throws IOException {
        byte[] last = agreed == 0 ? anchor : lastAgreedHash();
        rebuilt = ChainFile.resumed(path, segmentBaseOffset, version, anchor, agreed, last, lastBase);
        closeExisting();
    }

    private byte[] lastAgreedHash() throws IOException {
        int at = entryAt(agreed - 1);
        byte[] hash = new byte[ChainFile.HASH_BYTES];
        entries.get(at + ChainFile.ENTRY_HASH_AT, hash);
        return hash;
    }

    /** The buffer index of entry {@code i}, reading the next chunk of the sidecar when needed. */
    private int entryAt(long i) throws IOException {
        if (i < entriesFirst || i >= entriesFirst + entriesRead) {
            entriesFirst = i;
            entriesRead = ChainFile.readEntries(existing, i, ChainFile.ENTRIES_PER_READ, entries);
            if (entriesRead == 0) {
                throw new CorruptChainException(path, ChainFile.entryPosition(i), "entry " + i + " cannot be read");
            }
        }
        return (int) (i - entriesFirst) * ChainFile.ENTRY_BYTES;
    }

    /**
     * Called after the scan, with the offset after the last valid batch. Returns the chain to
     * attach, or empty when there is a {@linkplain #mismatch() mismatch} to report.
     */
    public Optional<ChainFile> finish(long nextOffset) throws IOException {
        try {
            if (mismatch != null) {
                return Optional.empty();
            }
            if (existing != null) {
                if (agreed < existingEntries) { // the sidecar describes batches the log does not hold
                    int at = entryAt(agreed);
                    long extraBase = entries.getLong(at + ChainFile.ENTRY_BASE_OFFSET_AT);
                    if (extraBase < trustedBelowOffset) {
                        mismatch = new Mismatch(-1, extraBase, "the sidecar " + path.getFileName() + " records "
                                + (existingEntries - agreed) + " more batch(es) from offset " + extraBase
                                + " (flushed) than the log holds; it ends at offset " + nextOffset);
                        return Optional.empty();
                    }
                }
                diverge(); // keeps the agreed prefix; the next write cuts whatever follows it
            }
            return Optional.of(rebuilt);
        } finally {
            closeExisting();
        }
    }

    /** The disagreement found, if any; valid after {@link #finish}. */
    public Optional<Mismatch> mismatch() {
        return Optional.ofNullable(mismatch);
    }

    /** Entries of the sidecar that were found and agreed with the log. */
    public long agreedEntries() {
        return agreed;
    }

    private void closeExisting() throws IOException {
        StorageFile f = existing;
        existing = null;
        if (f != null) {
            f.close();
        }
    }
}
