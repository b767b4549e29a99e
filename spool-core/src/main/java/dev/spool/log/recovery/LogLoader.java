package dev.spool.log.recovery;

import dev.spool.log.CorruptLogException;
import dev.spool.log.LoadState;
import dev.spool.log.LogConfig;
import dev.spool.log.io.FileIO;
import dev.spool.log.recovery.RecoveryInput.Bytes;
import dev.spool.log.recovery.RecoveryInput.SegmentRole;
import dev.spool.log.recovery.RecoveryInput.Shutdown;
import dev.spool.log.segment.BatchClassifier;
import dev.spool.log.segment.ChainFile;
import dev.spool.log.segment.ChainRecovery;
import dev.spool.log.segment.HashChain;
import dev.spool.log.segment.ScanResult;
import dev.spool.log.segment.Segment;
import dev.spool.log.segment.SegmentFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens a log directory and decides, case by case, what its files mean. Recovery is this table
 * ({@link dev.spool.log.recovery.RecoveryCase} for the segment rows); each row has one cause and one action, and {@code LogRecoveryTest} drives each.
 *
 * <h2>Files in the directory</h2>
 * <table>
 * <caption>Files found in a partition directory</caption>
 * <tr><th>found</th><th>cause</th><th>action</th></tr>
 * <tr><td>{@code *.deleted}</td><td>crash while deleting a segment</td><td>finish: delete it</td></tr>
 * <tr><td>{@code *.tmp}</td><td>crash while writing a file that was never renamed into place</td><td>delete it</td></tr>
 * <tr><td>{@code .index}/{@code .timeindex}/{@code .chain}/{@code .txnindex} without its {@code .log}</td><td>crash while deleting or creating a segment</td><td>delete it</td></tr>
 * <tr><td>no {@code .log} at all</td><td>new log, or every segment deleted</td><td>create an empty segment at the log start offset</td></tr>
 * </table>
 *
 * <h2>Segments</h2>
 * Which segments are scanned depends on the shutdown; what a scanned segment's end means is decided
 * by {@link RecoveryCase#classify} (the rows below as code, one constant each; {@code spool verify}
 * uses the same function). The rule behind it: bytes below a checkpointed recovery point, and
 * every byte after a clean shutdown, were forced to disk (the marker and the checkpoint are written
 * only after a flush), so they can be damaged but never torn, and damage there is never cut.
 * <table>
 * <caption>How the end of a scanned segment is classified</caption>
 * <tr><th>state</th><th>cause</th><th>action</th></tr>
 * <tr><td>C1 clean marker</td><td>clean shutdown: everything was flushed</td>
 *     <td>no scan; read the last segment's index and the headers after its last entry; other indexes
 *     load lazily. If the tail does not parse, scan the last segment: whole, it is still C1</td></tr>
 * <tr><td>C2 clean marker, but the last segment ends in bytes that would be a torn tail or a hole
 *     after a crash</td><td>damage after a clean shutdown: every byte had been flushed</td>
 *     <td>throw {@link CorruptLogException} with file and position; cut nothing</td></tr>
 * <tr><td>U1 no marker, recovery point R checkpointed</td><td>unclean shutdown</td>
 *     <td>scan only the segment holding R and those after it: CRC, length, dense offsets; rebuild their indexes</td></tr>
 * <tr><td>U2 no marker, no checkpoint</td><td>crash before the first checkpoint</td><td>scan every segment</td></tr>
 * <tr><td>T torn tail: the last segment ends in an incomplete batch, zeros, or a final batch failing
 *     its check with a zero-filled sector, with zeros after it, or ending in zeros where the file
 *     ends (a write into space allocated up to its end), at or past the checkpointed recovery point
 *     (or with no checkpoint at all)</td><td>a write interrupted by the crash</td>
 *     <td>truncate the last segment to its valid prefix; log how many bytes</td></tr>
 * <tr><td>T2 a torn end of a segment that is not the last, at or past the checkpointed recovery point</td>
 *     <td>a power loss soon after a roll, before the background flush of the rolled segment</td>
 *     <td>truncate it and remove the later segments (all unflushed); log both</td></tr>
 * <tr><td>T4 a hole: a zero-filled batch header, or a batch failing its check that holds a
 *     zero-filled sector, with more bytes after it, at or past the checkpointed recovery point</td>
 *     <td>a power loss kept later unsynced pages and lost earlier ones (writeback is not in order)</td>
 *     <td>as T and T2: truncate at the hole (everything after it was never forced) and remove later
 *     segments; log both</td></tr>
 * <tr><td>T5 in a log whose directory holds {@code reused-segment-files}, a bad batch where T or T4 could
 *     be</td><td>the old bytes of a deleted segment's file a roll took over</td><td>as T4</td></tr>
 * <tr><td>T3 a segment that is not the last ends cleanly, at or past the checkpointed recovery point,
 *     before the next segment's base</td><td>a power loss after a roll lost whole batches of the rolled,
 *     unflushed segment</td><td>remove the later segments (all unflushed), as T2; log it</td></tr>
 * <tr><td>X1 a bad batch anywhere; a torn end or hole below the checkpointed recovery point; with no
 *     checkpoint, a hole or a torn end of a segment that is not the last</td>
 *     <td>corruption</td><td>throw {@link CorruptLogException} with file and position; never skip, cut nothing</td></tr>
 * <tr><td>X2 segments not contiguous (a segment's base is not the previous segment's next offset),
 *     except T3</td><td>a segment was lost or damaged</td><td>throw {@link CorruptLogException}</td></tr>
 * <tr><td>X3 log ends before R (after a clean shutdown too)</td><td>flushed data is missing</td>
 *     <td>throw {@link CorruptLogException}, before anything is flushed</td></tr>
 * <tr><td>I index missing or failing its sanity check</td><td>crash or damage; indexes are derived</td>
 *     <td>rebuild it from the segment (lazily, on first use, for segments not scanned)</td></tr>
 * <tr><td>TX a {@code .txnindex} beside a segment that survived the rows above</td><td>transactions
 *     aborted in it</td><td>load it once the log end is known: cut a partial last entry (a torn write);
 *     drop, forced, the entries whose abort marker lies at or past the log end (the marker was lost); an
 *     entry that ends before it begins, is out of order or lies outside its segment refuses the open
 *     (it cannot be rebuilt from the segment), naming file and entry</td></tr>
 * </table>
 *
 * <h2>Compaction's leftovers (before the segments are listed; {@code CleanerFiles})</h2>
 * <table>
 * <caption>Compaction leftovers</caption>
 * <tr><th>state</th><th>cause</th><th>action</th></tr>
 * <tr><td>K1 {@code B.log.cleaned}</td><td>crash while a cleaned group was written, before its
 *     commit point</td><td>delete it; the old segments are untouched</td></tr>
 * <tr><td>K2 {@code B.log.swap}</td><td>crash after the commit point, before the swap finished</td>
 *     <td>complete it: delete every segment (log, indexes, chain) whose base lies in the swap file's
 *     range {@code [B, end of its last batch)}, rename it {@code B.log}; its indexes are rebuilt</td></tr>
 * </table>
 *
 * <h2>Hash chain ({@code .chain} sidecars, when {@link LogConfig#hashChain()} is on)</h2>
 * A scanned segment's sidecar is checked against the chain recomputed from its batches in the
 * same pass ({@link ChainRecovery}). "Trusted" entries are those of batches below the
 * checkpointed recovery point (every entry after a clean shutdown; with no checkpoint, those
 * below the last segment): the flush that moved that point wrote and forced them after the data.
 * <table>
 * <caption>Index entries below the recovery point</caption>
 * <tr><th>state</th><th>cause</th><th>action</th></tr>
 * <tr><td>H1 sidecar of a scanned segment missing, or its header fails its CRC or checks</td>
 *     <td>crash before the segment's first flush, or damage</td>
 *     <td>rebuild it from the anchor: the previous segment's last hash, else (first segment) the
 *     zero anchor of a new chain, logged as a restart</td></tr>
 * <tr><td>H2 sidecar behind, or disagreeing from an untrusted entry on</td><td>entries are written
 *     at flush, or early without a force: the crash lost or tore them</td>
 *     <td>keep the agreeing prefix, recompute the rest from the log</td></tr>
 * <tr><td>H3 sidecar entries past the last valid batch, all untrusted (including a torn tail cut
 *     from the log)</td><td>an early sidecar write reached the disk, the batches did not</td>
 *     <td>cut them with the log</td></tr>
 * <tr><td>H4 a trusted entry disagrees with the recomputed chain, or a valid header's anchor is
 *     not the previous segment's last hash</td><td>a batch (CRC recomputed) or the sidecar was
 *     changed after it was written</td><td>throw {@link CorruptLogException} naming the batch;
 *     never rewrite the evidence</td></tr>
 * <tr><td>H5 trusted entries past the last valid batch</td><td>flushed batches are gone</td>
 *     <td>throw {@link CorruptLogException}</td></tr>
 * <tr><td>H6 clean marker, but the last segment's sidecar is missing, damaged, or its last entry
 *     is not the segment's last batch</td><td>damage, or the chain was just turned on</td>
 *     <td>scan the last segment as in C2 (rows H1 to H5 then apply)</td></tr>
 * </table>
 * Segments not scanned keep their sidecars unread; {@code spool verify} checks them.
 * Since every rolled segment is flushed as soon as the log manager's I/O executor (threads {@code spool-io}) gets to it (and the recovery
 * point follows), the unflushed part of a log is its last segment plus at most the rolled ones
 * still queued: recovery time follows the unflushed tail, never the log's total size.
 */
public final class LogLoader {
    private static final Logger LOG = LoggerFactory.getLogger(LogLoader.class);

    private static final byte[] NO_CHAIN = new byte[0];

    /** What loading produced; {@code chainVersion}: the log's chain format ({@link ChainFile#VERSION} if none). */
    public record Loaded(List<Segment> segments, long logStartOffset, long logEndOffset, long recoveryPoint,
                  long bytesScanned, long bytesTruncated, byte[] chainHead, short chainVersion) { }

    private LogLoader() { }

    public static Loaded load(FileIO io, Path dir, LogConfig config, LoadState state, long nowMs) throws IOException {
        io.createDirectories(dir);
        // Rows K1 and K2: a cleaning round's leftovers (see CleanerFiles).
        dev.spool.log.compaction.CleanerFiles.finishInterruptedSwaps(io, dir, config.batchBytesMax());
        TreeSet<Long> bases = new TreeSet<>();
        TreeSet<Long> transactionIndexes = new TreeSet<>();
        boolean filesReused = listSegments(io, dir, bases, transactionIndexes);

        long checkpointedStart = state.logStartOffset().orElse(0L);
        if (bases.isEmpty()) {
            long base = Math.max(0L, checkpointedStart);
            Segment segment = Segment.create(io, dir, base, config.indexIntervalBytes(), config.segmentIndexBytes(),
                    nowMs, config.hashChain() ? HashChain.genesis() : null, ChainFile.VERSION, Optional.empty());
            io.syncDirectory(dir);
            return new Loaded(List.of(segment), base, base, base, 0, 0, segment.chain() == null ? NO_CHAIN
                    : segment.chain().lastHash(), ChainFile.VERSION);
        }

        List<Segment> segments = new ArrayList<>(bases.size());
        Long[] sorted = bases.toArray(new Long[0]);
        for (int i = 0; i < sorted.length; i++) {
            // The last segment's end is unknown until loadTail or recover reads it.
            long nextHint = i + 1 < sorted.length ? sorted[i + 1] : Long.MAX_VALUE;
            segments.add(Segment.open(io, dir, sorted[i], config.indexIntervalBytes(), config.segmentIndexBytes(),
                    nextHint, nowMs));
            if (transactionIndexes.contains(sorted[i])) {
                segments.get(i).transactions().foundOnDisk(); // so a segment recovery drops takes it along
            }
        }
        try {
            Loaded loaded = recover(io, dir, config, state, segments, filesReused);
            for (int i = 0; i < loaded.segments().size(); i++) { // row TX, once the log end is known
                loaded.segments().get(i).loadTransactions(loaded.logEndOffset(), i == loaded.segments().size() - 1);
            }
            return loaded;
        } catch (IOException | RuntimeException e) {
            for (Segment segment : segments) {
                try {
                    segment.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    /**
     * The rows of the directory table: removes leftovers and orphan index files, and collects the
     * segments' base offsets and those of the {@code .txnindex} files that have a segment. Returns
     * whether the directory holds the marker of reused segment files (row T5).
     */
    private static boolean listSegments(FileIO io, Path dir, TreeSet<Long> bases, TreeSet<Long> transactionIndexes)
            throws IOException {
        List<Path> indexFiles = new ArrayList<>();
        boolean filesReused = false;
        for (Path path : io.list(dir)) {
            String name = path.getFileName().toString();
            filesReused |= name.equals(SegmentFiles.REUSED_FILES_MARKER);
            if (name.endsWith(SegmentFiles.DELETED_SUFFIX) || name.endsWith(SegmentFiles.TMP_SUFFIX)) {
                LOG.info("Removing leftover {} from an interrupted operation", path);
                io.deleteIfExists(path);
                continue;
            }
            OptionalLong base = SegmentFiles.baseOffsetOf(name, SegmentFiles.LOG_SUFFIX);
            if (base.isPresent()) {
                bases.add(base.getAsLong());
            } else if (name.endsWith(SegmentFiles.INDEX_SUFFIX) || name.endsWith(SegmentFiles.TIME_INDEX_SUFFIX)
                    || name.endsWith(SegmentFiles.CHAIN_SUFFIX) || name.endsWith(SegmentFiles.TXN_INDEX_SUFFIX)) {
                indexFiles.add(path);
            }
        }
        for (Path index : indexFiles) {
            String name = index.getFileName().toString();
            OptionalLong base = SegmentFiles.baseOffsetOf(name, SegmentFiles.INDEX_SUFFIX);
            if (base.isEmpty()) {
                base = SegmentFiles.baseOffsetOf(name, SegmentFiles.TIME_INDEX_SUFFIX);
            }
            if (base.isEmpty()) {
                base = SegmentFiles.baseOffsetOf(name, SegmentFiles.CHAIN_SUFFIX);
            }
            OptionalLong transactions = SegmentFiles.baseOffsetOf(name, SegmentFiles.TXN_INDEX_SUFFIX);
            if (base.isEmpty()) {
                base = transactions;
            }
            if (base.isPresent() && !bases.contains(base.getAsLong())) {
                LOG.info("Removing orphan index {} (its segment is gone)", index);
                io.deleteIfExists(index);
            } else if (transactions.isPresent()) {
                transactionIndexes.add(transactions.getAsLong());
            }
        }
        return filesReused;
    }

    /**
     * Row T2: the segments after a torn one were written after it and never flushed either (they
     * lie past the recovery point), and offsets can no longer be contiguous: remove them, loudly.
     */
    private static long dropLaterSegments(FileIO io, Path dir, List<Segment> segments, int tornIndex)
            throws IOException {
        List<Segment> later = new ArrayList<>(segments.subList(tornIndex + 1, segments.size()));
        long bytes = 0;
        for (Segment segment : later) {
            bytes += segment.sizeBytes();
        }
        SegmentFiles.deleteDurably(io, dir, later);
        segments.subList(tornIndex + 1, segments.size()).clear();
        LOG.warn("Removed {} segment(s) ({} bytes) of {} after the torn segment: written after the torn write and "
                + "never flushed", later.size(), bytes, dir);
        return bytes;
    }

    /** What the pass over the scanned segments has done so far. */
    private static final class Pass {
        /** Offsets below this were flushed: the chain's recovery trusts its sidecar there. */
        final long trustedBelow;
        /** The directory's marker says segment files may be reused (row T5). */
        final boolean filesReused;
        long bytesScanned;
        long bytesTruncated;
        /** The chain before the next segment (its last hash and format), when the previous one was scanned. */
        ChainFile previousChain;

        Pass(long trustedBelow, boolean filesReused) {
            this.trustedBelow = trustedBelow;
            this.filesReused = filesReused;
        }
    }

    private static Loaded recover(FileIO io, Path dir, LogConfig config, LoadState state, List<Segment> segments,
                                  boolean filesReused) throws IOException {
        long firstBase = segments.get(0).baseOffset();
        int firstToScan = firstToScan(io, dir, config, state, segments);
        Pass pass = new Pass(state.cleanShutdown() ? Long.MAX_VALUE
                : state.recoveryPoint().orElse(segments.get(segments.size() - 1).baseOffset()), filesReused);
        for (int i = firstToScan; i < segments.size(); i++) {
            recoverSegment(io, dir, config, state, segments, i, pass);
        }

        Segment last = segments.get(segments.size() - 1); // rows T2, T3 and T4 may have removed segments
        long logEnd = last.nextOffset();
        if (state.recoveryPoint().isPresent() && logEnd < state.recoveryPoint().getAsLong()) {
            // X3, after a clean shutdown too: the marker and the checkpoint are written only after a flush.
            throw CorruptLogException.endsBeforeRecoveryPoint(last.logPath(), last.sizeBytes(), "the log ends at offset "
                    + logEnd
                    + " but offsets up to " + state.recoveryPoint().getAsLong() + " were flushed (row "
                    + RecoveryCase.classify(RecoveryInput.at(state.cleanShutdown(), state.recoveryPoint(), true,
                    Bytes.ENDS_BEFORE_RECOVERY_POINT, logEnd)) + ")");
        }
        // What the scan accepted past the recovery point may sit only in the page cache (after a
        // process crash): force it, and write the rebuilt indexes, before it counts as flushed. A log
        // with nothing past its recovery point needs no fsync (10,000 such logs: 8.3 s -> 0.4 s to open).
        long flushedBelow = state.recoveryPoint().orElse(-1L);
        for (int i = firstToScan; i < segments.size(); i++) {
            if (segments.get(i).nextOffset() > flushedBelow || pass.bytesTruncated > 0) {
                segments.get(i).flush();
            }
        }
        if (config.hashChain()) {
            for (Segment segment : segments) {
                segment.keepChain(); // loaded on first use (truncation) unless recovery attached it
            }
        }
        long logStart = Math.max(firstBase, state.logStartOffset().orElse(firstBase));
        if (logStart > logEnd) {
            LOG.warn("Log {}: checkpointed log start offset {} is past the log end {}; using the log end", dir,
                    logStart, logEnd);
            logStart = logEnd;
        }
        if (pass.bytesScanned > 0) {
            LOG.info("Recovered log {}: scanned {} bytes in {} segment(s), truncated {} bytes, log end offset {}",
                    dir, pass.bytesScanned, segments.size() - firstToScan, pass.bytesTruncated, logEnd);
        }
        byte[] chainHead = config.hashChain() ? last.chain().lastHash() : NO_CHAIN;
        return new Loaded(segments, logStart, logEnd, logEnd, pass.bytesScanned, pass.bytesTruncated, chainHead,
                config.hashChain() ? last.chain().version() : ChainFile.VERSION);
    }

    /**
     * Scans segment {@code i}, classifies its end by the table and acts on the row: refuse (throw),
     * truncate, drop the later segments, or accept. The H rows (the hash chain) come before the
     * contiguity rows, as ever.
     */
    private static void recoverSegment(FileIO io, Path dir, LogConfig config, LoadState state, List<Segment> segments,
                                       int i, Pass pass) throws IOException {
        Segment segment = segments.get(i);
        boolean isLast = i == segments.size() - 1;
        long fileSize = segment.sizeBytes();
        ChainRecovery chain = null;
        if (config.hashChain()) {
            Optional<ChainFile> previous = pass.previousChain != null ? Optional.of(pass.previousChain)
                    : i == 0 ? Optional.empty() : chainOf(io, dir, segments.get(i - 1));
            chain = ChainRecovery.open(io, dir, segment.baseOffset(), previous, pass.trustedBelow);
        }
        ScanResult scan = segment.recover(config.batchBytesMax(), chain);
        pass.bytesScanned += scan.validBytes();
        if (scan.outcome() == BatchClassifier.Kind.VALID && chain != null) {
            pass.previousChain = recoverChain(segment, chain, scan);
        }
        long nextBase = isLast ? Long.MAX_VALUE : segments.get(i + 1).baseOffset();
        RecoveryInput input = RecoveryInput.ofScan(state, isLast, scan, nextBase, pass.filesReused);
        RecoveryCase row = RecoveryCase.classify(input);
        if (row.refusesToOpen()) { // C2, X1, X2 (X3 is checked once the log's end is known)
            throw new CorruptLogException(segment.logPath(), row == RecoveryCase.X2 ? segment.sizeBytes()
                    : scan.validBytes(), refusal(row, input, scan, nextBase, state));
        }
        if (chain != null && (row.action() == RecoveryCase.Action.TRUNCATE
                || row.action() == RecoveryCase.Action.TRUNCATE_AND_DROP_LATER)) {
            // H3: the chain holds the valid batches only, so the cut keeps it whole
            pass.previousChain = recoverChain(segment, chain, scan);
        }
        pass.bytesTruncated += apply(io, dir, segments, i, row, scan, fileSize);
        if (!isLast && row.action() == RecoveryCase.Action.ACCEPT) {
            // A scan rebuilds the index entries of the interval only; a segment that is no longer
            // active also ends its time index with its largest timestamp, as a roll leaves it.
            segment.seal();
        }
    }

    /** Rows C1, H6, U1 and U2: the index of the first segment to scan ({@code segments.size()} for none). */
    private static int firstToScan(FileIO io, Path dir, LogConfig config, LoadState state, List<Segment> segments) {
        Segment last = segments.get(segments.size() - 1);
        if (state.cleanShutdown()) {
            try {
                last.loadTail(); // C1
            } catch (IOException e) {
                LOG.warn("Log {} was shut down cleanly but its last segment does not parse ({}); scanning it", dir,
                        e.getMessage()); // C1 if the scan finds it whole, C2 or X1 if not
                return segments.size() - 1;
            }
            if (config.hashChain() && !attachTailChain(io, dir, last)) {
                return segments.size() - 1; // H6
            }
            return segments.size();
        }
        long recoveryPoint = state.recoveryPoint().orElse(segments.get(0).baseOffset()); // U1 or U2
        int first = 0;
        for (int i = 0; i < segments.size(); i++) {
            if (segments.get(i).baseOffset() <= recoveryPoint) {
                first = i;
            }
        }
        return first;
    }

    /** Rows T, T2, T3 and T4: cuts what the row says (nothing for the accepting rows); returns the bytes removed. */
    private static long apply(FileIO io, Path dir, List<Segment> segments, int index, RecoveryCase row,
                              ScanResult scan, long fileSize) throws IOException {
        Segment segment = segments.get(index);
        boolean isLast = index == segments.size() - 1;
        long removed = 0;
        switch (row.action()) {
            case TRUNCATE, TRUNCATE_AND_DROP_LATER -> { // T, T2, T4
                long cut = scan.invalidBytesAfter(fileSize);
                if (scan.problem().endsWith("(" + BatchClassifier.ALLOCATED_NEVER_WRITTEN + ")")) {
                    // The active segment's space allocated ahead of its writes, left by a crash: no data.
                    LOG.info("Cutting {} bytes allocated ahead and never written from {} (row {}); the log ends "
                            + "at offset {}", cut, segment.logPath(), row, scan.nextOffset());
                } else {
                    LOG.warn("Truncating torn tail of {} (row {}): {} bytes after position {} ({}); the log now "
                            + "ends at offset {}", segment.logPath(), row, cut, scan.validBytes(), scan.problem(),
                            scan.nextOffset());
                }
                segment.truncateToPosition(scan.validBytes(), scan.nextOffset());
                removed += cut;
                if (!isLast) {
                    removed += dropLaterSegments(io, dir, segments, index);
                }
            }
            case DROP_LATER -> { // T3
                // Whole batches at the end of a rolled, unflushed segment were lost while the next
                // segment (created and its directory synced by the roll) survived: as T2, without a torn batch.
                LOG.warn("Segment {} ends at offset {} but the next starts at {}: its unflushed tail was lost",
                        segment.logPath(), segment.nextOffset(), segments.get(index + 1).baseOffset());
                removed += dropLaterSegments(io, dir, segments, index);
            }
            case ACCEPT, REFUSE -> {
            }
        }
        return removed;
    }

    /** The message of a refusing row: the scan's problem, and why it is damage rather than a torn write. */
    private static String refusal(RecoveryCase row, RecoveryInput input, ScanResult scan, long nextBase,
                                  LoadState state) {
        String why = switch (row) {
            case C2 -> ", after a clean shutdown, when every byte had been flushed";
            case X2 -> "segment ends at offset " + scan.nextOffset() + " but the next segment starts at " + nextBase;
            default -> input.bytes() == Bytes.CORRUPT ? ""
                    : (input.segment() == SegmentRole.NOT_LAST ? ", but this is not the last segment" : "")
                    + (input.shutdown() == Shutdown.CHECKPOINTED ? ", below the checkpointed recovery point "
                    + state.recoveryPoint().getAsLong() + " (those bytes had been flushed)"
                    : input.bytes() == Bytes.HOLE ? ", with no checkpointed recovery point to show it was never flushed"
                    : "");
        };
        return (row == RecoveryCase.X2 ? "" : scan.problem()) + why + " (row " + row + ": " + row.cause() + ")";
    }

    /** Rows H1 to H5 for one scanned segment: attaches the checked or rebuilt chain and returns it. */
    private static ChainFile recoverChain(Segment segment, ChainRecovery chain, ScanResult scan) throws IOException {
        Optional<ChainFile> checked = chain.finish(scan.nextOffset());
        if (checked.isEmpty()) { // H4, H5
            ChainRecovery.Mismatch mismatch = chain.mismatch().orElseThrow();
            throw new CorruptLogException(segment.logPath(), mismatch.position() >= 0 ? mismatch.position()
                    : scan.validBytes(), "hash chain: " + mismatch.problem());
        }
        if (!chain.rebuildReason().isEmpty()) { // H1
            LOG.warn("Rebuilding the hash chain of {} from {} ({}){}", segment.logPath(),
                    HashChain.hex(checked.get().anchor()), chain.rebuildReason(), chain.anchorIsGenesis()
                            && segment.baseOffset() > 0 ? "; no earlier chain was found, so the chain restarts here"
                            : "");
        } else if (chain.agreedEntries() < scan.batches()) { // H2, H3
            LOG.info("Recomputed the hash chain of {} from batch {} of {}", segment.logPath(), chain.agreedEntries(),
                    scan.batches());
        }
        segment.attachChain(checked.get());
        return checked.get();
    }

    /** The sidecar of a segment that was not scanned, if it can be read. */
    private static Optional<ChainFile> chainOf(FileIO io, Path dir, Segment segment) {
        try {
            return Optional.of(ChainFile.load(io, SegmentFiles.chainFile(dir, segment.baseOffset()),
                    segment.baseOffset()));
        } catch (IOException e) {
            LOG.warn("Cannot read the hash chain of {} ({}); the next segment's own anchor is used", segment.logPath(),
                    e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * Row C1 with a chain: attaches the last segment's sidecar when its last entry names the
     * segment's last batch. Returns false (row H6: scan it) when it is missing, damaged or behind.
     */
    private static boolean attachTailChain(FileIO io, Path dir, Segment last) {
        Path path = SegmentFiles.chainFile(dir, last.baseOffset());
        try {
            ChainFile chain = ChainFile.load(io, path, last.baseOffset());
            if (chain.lastBatchBaseOffset() != last.lastBatchBaseOffset()) {
                LOG.warn("The hash chain {} ends with the batch at offset {} but the segment's last batch is at {}; "
                        + "scanning it", path, chain.lastBatchBaseOffset(), last.lastBatchBaseOffset());
                return false;
            }
            last.attachChain(chain);
            return true;
        } catch (IOException e) {
            LOG.warn("The hash chain of {} cannot be used ({}); scanning the segment", last.logPath(), e.getMessage());
            return false;
        }
    }
}
