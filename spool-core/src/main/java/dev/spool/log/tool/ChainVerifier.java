package dev.spool.log.tool;

import dev.spool.log.io.FileIO;
import dev.spool.log.io.StorageFile;
import dev.spool.log.record.RecordBatch;
import dev.spool.log.segment.BatchCursor;
import dev.spool.log.segment.ChainFile;
import dev.spool.log.segment.CorruptChainException;
import dev.spool.log.segment.HashChain;
import dev.spool.log.segment.SegmentFiles;
import dev.spool.log.tool.LogVerifier.Kind;
import dev.spool.log.tool.LogVerifier.Severity;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The hash-chain half of {@link LogVerifier}, for one partition: recomputes the chain from the
 * batches as the verifier streams them and compares it with each segment's {@code .chain}
 * sidecar, telling the kinds of tampering apart.
 *
 * <h2>What each finding means</h2>
 * <table>
 * <tr><th>kind</th><th>seen as</th></tr>
 * <tr><td>{@link Kind#BATCH_MODIFIED}</td><td>a batch whose CRC is valid but whose recomputed hash
 *     is not the sidecar's entry for it: its bytes changed after it was written (an attacker who
 *     recomputes the CRC still cannot recompute the chain without rewriting every later hash)</td></tr>
 * <tr><td>{@link Kind#BATCH_REMOVED}</td><td>a batch that matches a <em>later</em> sidecar entry
 *     (with that entry's offset, so a renumbered batch is recognised too): the entries between
 *     have no batch; or sidecar entries left over at the end of a segment that is not the last</td></tr>
 * <tr><td>{@link Kind#SEGMENTS_REORDERED}</td><td>a segment file holding another segment's batches
 *     (by offset, or by its chain continuing another segment's anchor), or a sidecar naming
 *     another segment</td></tr>
 * <tr><td>{@link Kind#LOG_TRUNCATED}</td><td>the last segment's sidecar records batches the log no
 *     longer holds, or a receipt ({@code --expect-head}) that is nowhere in the recomputed chain</td></tr>
 * <tr><td>{@link Kind#CHAIN_BROKEN}</td><td>a segment's anchor is not the previous segment's last
 *     hash (one of them was rewritten whole, sidecar included)</td></tr>
 * <tr><td>{@link Kind#CHAIN_MISSING}</td><td>a segment with batches but no sidecar (or not enough
 *     entries) in a partition that keeps a chain; or a damaged sidecar header</td></tr>
 * </table>
 * What the chain cannot see: an attacker who rewrites the batches <em>and</em> every sidecar
 * from the change to the end leaves a consistent chain with a different head; only a receipt
 * kept outside the log (the producer's {@link AppendResult#chainHash()}) catches that.
 *
 * <p>Memory: one sidecar header, its first entry and last hash per segment, and a chunk of
 * entries. Not thread-safe.
 */
final class ChainVerifier {
    /** How many later entries are tried when looking for where a batch went (removal). */
    private static final int REMOVAL_SEARCH_ENTRIES_MAX = 4096;

    private final FileIO io;
    private final Path dir;
    private final List<Long> bases;
    private final LogVerifier.Tally tally;
    private final Optional<byte[]> receipt;
    private final HashChain hasher = new HashChain();
    /** The chain format of the segment being read: its sidecar's, else the log's (its first usable sidecar's). */
    private short version = ChainFile.VERSION;
    private short logVersion = ChainFile.VERSION;
    /** Per segment (by index in bases): header (null when missing or damaged), first entry, last hash. */
    private final ChainFile.Header[] headers;
    private final long[] firstEntryBase;
    private final byte[][] firstEntryHash;
    private final byte[][] lastHashes;
    private final boolean anySidecar;

    private byte[] running;
    /** Whether {@link #running} follows every batch so far; false after a break, until the next anchor. */
    private boolean runningKnown;
    private boolean wholeChainComputed = true;
    private long receiptOffset = -1;
    private long lastOffset = -1;

    // The current segment.
    private int segment;
    private boolean segmentIsLast;
    private StorageFile sidecar;
    private long entryCount;
    private long entryIndex;
    private final ByteBuffer entries = ByteBuffer.allocate(ChainFile.ENTRIES_PER_READ * ChainFile.ENTRY_BYTES);
    private long entriesFirst;
    private int entriesRead;
    private boolean segmentBroken;

    private ChainVerifier(FileIO io, Path dir, List<Long> bases, LogVerifier.Tally tally, Optional<byte[]> receipt) {
        this.io = io;
        this.dir = dir;
        this.bases = bases;
        this.tally = tally;
        this.receipt = receipt;
        int n = bases.size();
        headers = new ChainFile.Header[n];
        firstEntryBase = new long[n];
        firstEntryHash = new byte[n][];
        lastHashes = new byte[n][];
        boolean any = false;
        for (int i = 0; i < n; i++) {
            any |= io.exists(SegmentFiles.chainFile(dir, bases.get(i)));
        }
        anySidecar = any;
    }

    /** Prepares a partition's chain check; empty when it keeps no chain and no receipt is to be checked. */
    static Optional<ChainVerifier> open(FileIO io, Path dir, List<Long> bases, LogVerifier.Tally tally,
                                        Optional<byte[]> receipt) throws IOException {
        ChainVerifier verifier = new ChainVerifier(io, dir, bases, tally, receipt);
        if (!verifier.anySidecar && receipt.isEmpty()) {
            return Optional.empty();
        }
        verifier.readSidecars();
        return Optional.of(verifier);
    }

    private void readSidecars() throws IOException {
        boolean versionKnown = false;
        for (int i = 0; i < bases.size(); i++) {
            long base = bases.get(i);
            Path path = SegmentFiles.chainFile(dir, base);
            firstEntryBase[i] = -1;
            if (!io.exists(path)) {
                continue;
            }
            try (StorageFile file = io.open(path, FileIO.OpenMode.READ)) {
                ChainFile.Header header = ChainFile.readHeader(file, path, -1);
                headers[i] = header;
                if (!versionKnown) {
                    logVersion = header.version(); // every sidecar of a log has the same
                    versionKnown = true;
                }
                lastHashes[i] = header.anchor();
                ByteBuffer entry = ByteBuffer.allocate(ChainFile.ENTRY_BYTES);
                if (header.entries() > 0) {
                    ChainFile.readEntries(file, 0, 1, entry);
                    firstEntryBase[i] = entry.getLong(0);
                    firstEntryHash[i] = Arrays.copyOfRange(entry.array(), 8, 8 + ChainFile.HASH_BYTES);
                    ChainFile.readEntries(file, header.entries() - 1, 1, entry);
                    lastHashes[i] = Arrays.copyOfRange(entry.array(), 8, 8 + ChainFile.HASH_BYTES);
                }
            } catch (CorruptChainException e) {
                boolean last = i == bases.size() - 1;
                tally.add(last ? Severity.WARNING : Severity.ERROR, Kind.CHAIN_MISSING, path, e.position(), base,
                        e.getMessage().replaceFirst("^Corrupt hash chain \\S+ at position \\d+: ", "damaged sidecar: ")
                                + (last ? "; the next open rebuilds it" : ""));
            }
        }
    }

    /**
     * Looks for segments in the wrong place before any batch is read: a {@code .log} whose first
     * batch is another segment's, a sidecar naming another segment, an anchor continuing another
     * segment's chain. Returns false when it found any (offsets then mean nothing; the partition's
     * batches are not checked further).
     */
    boolean checkOrder() throws IOException {
        boolean inOrder = true;
        for (int i = 0; i < bases.size(); i++) {
            long base = bases.get(i);
            Path logFile = SegmentFiles.logFile(dir, base);
            if (io.size(logFile) >= RecordBatch.HEADER_BYTES) {
                long firstBase;
                try (StorageFile file = io.open(logFile, FileIO.OpenMode.READ)) {
                    // The first header's base offset, whatever the classifier makes of the batch.
                    BatchCursor cursor = BatchCursor.overHeaders(file, logFile, 0, file.size(), Integer.MAX_VALUE);
                    cursor.read();
                    firstBase = cursor.baseOffset();
                }
                if (firstBase != base && bases.contains(firstBase)) {
                    tally.add(Severity.ERROR, Kind.SEGMENTS_REORDERED, logFile, 0, firstBase, "holds the batches of "
                            + "the segment that starts at offset " + firstBase + ", not " + base
                            + ": segment files were reordered or swapped");
                    inOrder = false;
                    continue;
                }
            }
            ChainFile.Header header = headers[i];
            if (header == null) {
                continue;
            }
            Path chainFile = SegmentFiles.chainFile(dir, base);
            if (header.baseOffset() != base) {
                tally.add(Severity.ERROR, Kind.SEGMENTS_REORDERED, chainFile, 0, header.baseOffset(), "is the "
                        + "sidecar of the segment that starts at offset " + header.baseOffset() + ", not " + base);
                inOrder = false;
            } else if (i > 0 && lastHashes[i - 1] != null && !Arrays.equals(header.anchor(), lastHashes[i - 1])) {
                for (int j = 0; j < bases.size(); j++) {
                    if (j != i - 1 && j != i && lastHashes[j] != null && Arrays.equals(header.anchor(), lastHashes[j])) {
                        tally.add(Severity.ERROR, Kind.SEGMENTS_REORDERED, chainFile, 16, base, "its anchor continues "
                                + "the chain of the segment at offset " + bases.get(j) + ", not of the one before it "
                                + "(at " + bases.get(i - 1) + "): segments were reordered or swapped");
                        inOrder = false;
                        break;
                    }
                }
            }
        }
        return inOrder;
    }

    /** Segments are missing before the next one (reported as an offset gap): its anchor is not checked. */
    void gap() {
        runningKnown = false;
        wholeChainComputed = false;
    }

    /** Starts segment {@code i}: checks its anchor against the chain so far and opens its entries. */
    void startSegment(int i, boolean isLast, long sizeBytes) throws IOException {
        closeSidecar();
        segment = i;
        segmentIsLast = isLast;
        segmentBroken = false;
        entryIndex = 0;
        entryCount = 0;
        entriesRead = 0;
        long base = bases.get(i);
        ChainFile.Header header = headers[i];
        version = header == null ? logVersion : header.version();
        if (header == null) {
            if (sizeBytes > 0 && anySidecar && io.exists(SegmentFiles.chainFile(dir, base)) == false) {
                tally.add(isLast ? Severity.WARNING : Severity.ERROR, Kind.CHAIN_MISSING,
                        SegmentFiles.chainFile(dir, base), -1, base, "no hash-chain sidecar for a segment that "
                                + "holds batches" + (isLast ? "; the next open rebuilds it" : ": its batches are unchained"));
            }
            if (!runningKnown && i == 0 && base == 0) {
                running = HashChain.genesis(); // a log's first segment is anchored at zeros
                runningKnown = true;
            } else if (!runningKnown) {
                wholeChainComputed = false;
            }
            return;
        }
        Path chainFile = SegmentFiles.chainFile(dir, base);
        if (runningKnown && !Arrays.equals(running, header.anchor())) {
            tally.add(Severity.ERROR, Kind.CHAIN_BROKEN, chainFile, 16, base, "anchor " + HashChain.hex(header.anchor())
                    + " does not continue the chain, which ends at " + HashChain.hex(running) + " after the previous "
                    + "segment: it or this segment was rewritten, sidecar included");
            wholeChainComputed = false;
        }
        running = header.anchor();
        runningKnown = true;
        sidecar = io.open(chainFile, FileIO.OpenMode.READ);
        entryCount = header.entries();
    }

    /**
     * Called with each batch whose CRC is valid, before its offset is checked. Returns false when
     * it reported a chain finding (the verifier then stops reading this segment).
     */
    boolean onBatch(Path logFile, long position, ByteBuffer batch) throws IOException {
        long base = RecordBatch.baseOffset(batch, 0);
        lastOffset = RecordBatch.lastOffset(batch, 0);
        if (!runningKnown) {
            return true;
        }
        byte[] previous = running.clone();
        hasher.step(version, running, batch);
        if (receipt.isPresent() && Arrays.equals(running, receipt.get())) {
            receiptOffset = lastOffset;
        }
        if (sidecar == null || segmentBroken) {
            return true;
        }
        if (entryIndex >= entryCount) {
            segmentBroken = true; // reported once, for the first batch without an entry
            Path chainFile = SegmentFiles.chainFile(dir, bases.get(segment));
            tally.add(segmentIsLast ? Severity.WARNING : Severity.ERROR, Kind.CHAIN_MISSING, chainFile,
                    ChainFile.entryPosition(entryIndex), base, "the sidecar has " + entryCount + " entries; the "
                            + "batches from offset " + base + " (position " + position + " of " + logFile.getFileName()
                            + ") have none" + (segmentIsLast ? " (not flushed yet, or appended by someone else)" : ""));
            return true;
        }
        int at = entryAt(entryIndex);
        long storedBase = entries.getLong(at);
        byte[] stored = Arrays.copyOfRange(entries.array(), at + 8, at + 8 + ChainFile.HASH_BYTES);
        if (storedBase == base && Arrays.equals(stored, running)) {
            entryIndex++;
            return true;
        }
        wholeChainComputed = false;
        runningKnown = false;
        long found = findLaterEntry(batch, previous);
        if (found > entryIndex) {
            int foundAt = entryAt(found);
            long foundBase = entries.getLong(foundAt);
            tally.add(Severity.ERROR, Kind.BATCH_REMOVED, logFile, position, storedBase, (found - entryIndex)
                    + " batch(es) the chain recorded from offset " + storedBase + " to " + (foundBase - 1)
                    + " are missing before this position: the batch here is the one recorded at offset " + foundBase);
            return false;
        }
        if (entryIndex == 0 && continuesAnotherSegment(batch)) {
            tally.add(Severity.ERROR, Kind.SEGMENTS_REORDERED, logFile, position, base, "the first batch is the "
                    + "first batch of another segment (renumbered): segments were reordered or swapped");
            return false;
        }
        tally.add(Severity.ERROR, Kind.BATCH_MODIFIED, logFile, position, base, "the batch's CRC is valid but it "
                + "chains to " + HashChain.hex(running) + "; entry " + entryIndex + " of " + bases.get(segment)
                + " .chain holds offset " + storedBase + ", hash " + HashChain.hex(stored) + ": the batch was changed "
                + "after it was written (and its CRC recomputed)");
        return false;
    }

    /** The index of a later entry this batch is (hashed with that entry's offset), or -1. */
    private long findLaterEntry(ByteBuffer batch, byte[] previous) throws IOException {
        long last = Math.min(entryCount - 1, entryIndex + REMOVAL_SEARCH_ENTRIES_MAX);
        byte[] candidate = new byte[ChainFile.HASH_BYTES];
        for (long j = entryIndex + 1; j <= last; j++) {
            int before = entryAt(j - 1);
            System.arraycopy(entries.array(), before + 8, candidate, 0, ChainFile.HASH_BYTES);
            int at = entryAt(j);
            hasher.stepWithBaseOffset(version, candidate, batch, entries.getLong(at));
            if (Arrays.equals(candidate, Arrays.copyOfRange(entries.array(), at + 8, at + 8 + ChainFile.HASH_BYTES))) {
                return j;
            }
        }
        return -1;
    }

    /** Whether this batch is another segment's first batch (by that segment's anchor and first entry). */
    private boolean continuesAnotherSegment(ByteBuffer batch) {
        byte[] candidate = new byte[ChainFile.HASH_BYTES];
        for (int j = 0; j < bases.size(); j++) {
            if (j == segment || headers[j] == null || firstEntryHash[j] == null) {
                continue;
            }
            System.arraycopy(headers[j].anchor(), 0, candidate, 0, ChainFile.HASH_BYTES);
            hasher.stepWithBaseOffset(headers[j].version(), candidate, batch, firstEntryBase[j]);
            if (Arrays.equals(candidate, firstEntryHash[j])) {
                return true;
            }
        }
        return false;
    }

    private int entryAt(long i) throws IOException {
        if (i < entriesFirst || i >= entriesFirst + entriesRead) {
            entriesFirst = i;
            entriesRead = ChainFile.readEntries(sidecar, i, ChainFile.ENTRIES_PER_READ, entries);
        }
        return (int) (i - entriesFirst) * ChainFile.ENTRY_BYTES;
    }

    /** Called when the segment's batches end; reports sidecar entries left over (batches gone). */
    void endSegment(Path logFile, long validBytes, long nextOffset, boolean wholeSegmentRead) throws IOException {
        if (sidecar != null && wholeSegmentRead && !segmentBroken && runningKnown && entryIndex < entryCount) {
            int at = entryAt(entryIndex);
            long extraBase = entries.getLong(at);
            long extra = entryCount - entryIndex;
            if (segmentIsLast) {
                tally.add(Severity.ERROR, Kind.LOG_TRUNCATED, logFile, validBytes, extraBase, "the sidecar records "
                        + extra + " more batch(es) from offset " + extraBase + " than the log holds: it was cut "
                        + "after they were written");
            } else {
                tally.add(Severity.ERROR, Kind.BATCH_REMOVED, logFile, validBytes, extraBase, "the sidecar records "
                        + extra + " more batch(es) from offset " + extraBase + " after the segment's last batch");
            }
            wholeChainComputed = false;
        }
        if (!wholeSegmentRead) {
            wholeChainComputed = false;
            runningKnown = false;
        }
        closeSidecar();
    }

    /** After the last segment: the head, and the receipt's check. */
    Optional<LogVerifier.ChainHead> finish(Path lastLogFile, long lastLogBytes) throws IOException {
        closeSidecar();
        if (receipt.isPresent() && receiptOffset < 0) {
            if (wholeChainComputed && runningKnown) {
                tally.add(Severity.ERROR, Kind.LOG_TRUNCATED, lastLogFile, lastLogBytes, lastOffset + 1, "the "
                        + "receipt " + HashChain.hex(receipt.get()) + " is not in the chain, which ends at offset "
                        + lastOffset + " with " + HashChain.hex(running) + ": the log was truncated (or rewritten) "
                        + "after the receipt was issued");
            } else if (tally.findings.isEmpty()) {
                tally.add(Severity.ERROR, Kind.CHAIN_MISSING, dir, -1, -1, "the receipt cannot be checked: the "
                        + "chain cannot be recomputed from the log's first segment (no sidecar, and the log does "
                        + "not start at offset 0)");
            }
        }
        if (!runningKnown) {
            return Optional.empty();
        }
        return Optional.of(new LogVerifier.ChainHead(dir, lastOffset + 1, running.clone(), receiptOffset));
    }

    private void closeSidecar() throws IOException {
        StorageFile f = sidecar;
        sidecar = null;
        if (f != null) {
            f.close();
        }
    }
}
