package dev.spool.log.tool;

import dev.spool.log.LoadState;
import dev.spool.log.LogConfig;
import dev.spool.log.TopicConfig;
import dev.spool.log.TopicName;
import dev.spool.log.TopicPartition;
import dev.spool.log.UnknownTopicException;
import dev.spool.log.catalog.TopicConfigFile;
import dev.spool.log.io.FileIO;
import dev.spool.log.record.CorruptRecordException;
import dev.spool.log.record.RecordBatch;
import dev.spool.log.recovery.RecoveryInput.Bytes;
import dev.spool.log.segment.BatchClassifier;
import dev.spool.log.segment.HashChain;
import dev.spool.log.segment.OffsetIndex;
import dev.spool.log.segment.SegmentFiles;
import dev.spool.log.segment.TimeIndex;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Checks a data directory, a topic or one partition, read-only, and lists every problem with its
 * file and position: the engine of {@code spool verify}.
 *
 * <h2>What is checked</h2>
 * <table>
 * <caption>What spool verify checks</caption>
 * <tr><th>check</th><th>severity of a failure</th></tr>
 * <tr><td>every batch of every segment: length in bounds, magic 2, CRC-32C, offset deltas against
 *     the record count, and (uncompressed batches) the framing of every record</td><td>error</td></tr>
 * <tr><td>offsets dense: a segment's first batch starts at the segment's base offset, each batch
 *     at the offset after the previous one, each segment at the previous segment's end</td><td>error</td></tr>
 * <tr><td>where a segment's valid batches stop (an incomplete batch, zeros, a batch failing its
 *     check with a zero-filled sector, a zero-filled header before more data, a segment ending
 *     before the next one's base, a log ending before its recovery point): the bytes named by
 *     {@link BatchClassifier}, the rules of recovery's own scan, and judged by the recovery
 *     table ({@link dev.spool.log.recovery.RecoveryCase}) from the clean-shutdown marker and the
 *     checkpointed recovery point in the data directory, as the next open will judge it: a row the
 *     open cuts (a torn tail, hole or lost tail past the recovery point of an unclean shutdown, or
 *     at the end of the log with no checkpoint) is a warning naming the row; every other row (after a
 *     clean shutdown, below the recovery point) is an error</td><td>warning or error</td></tr>
 * <tr><td>each offset-index entry names a batch boundary whose batch's <em>last</em> offset is the
 *     entry's offset (Kafka's semantics); entries increase; none lies past the valid data</td><td>error</td></tr>
 * <tr><td>each time-index entry {@code (t, o)}: the largest timestamp of the batches before the one
 *     ending at or holding {@code o} is at most {@code t} (or a lookup by time could skip records),
 *     and {@code t} is at most the largest timestamp up to that batch (the entry claims no
 *     timestamp that is not there); entries increase</td><td>error</td></tr>
 * <tr><td>an index file missing for a segment that holds data (rebuilt on the next open)</td><td>warning</td></tr>
 * <tr><td>a {@code .txnindex} ({@link TransactionIndexChecker}): a torn partial entry, or an entry whose
 *     marker lies at or past the log end, which the open cuts or drops (warning); an entry of an unknown
 *     version, ending before it begins, out of order or outside its segment (error: the open refuses the
 *     log)</td><td>warning or error</td></tr>
 * <tr><td>partitions of a topic numbered from 0 without holes</td><td>error</td></tr>
 * <tr><td>a {@code .cleaned} or {@code .swap} file an interrupted cleaning round left: the next open
 *     discards or completes the round; the segments verified are those the open will have (a swap file
 *     in place of the segments it replaces), see {@link CleanerLeftovers}</td><td>warning (error for a
 *     swap file that does not read)</td></tr>
 * <tr><td>the hash chain of a partition that keeps one (or has a receipt to check): recomputed
 *     from the batches and compared with each {@code .chain} sidecar; see {@link ChainVerifier}
 *     for the finding kinds</td><td>error (warning for the last segment's lagging sidecar)</td></tr>
 * </table>
 * Each finding has a {@link Kind}; the first bad batch of a segment is reported by file,
 * position and offset, and the rest of that segment is not read.
 * A report is {@linkplain Report#isSound() sound} only when it holds no finding at all.
 *
 * <h2>Read-only, no lock</h2>
 * Files are opened {@link FileIO.OpenMode#READ}; nothing is written, truncated, rebuilt or
 * locked, so a directory another process owns can be verified. The price: while a writer is
 * live, the newest bytes of its active segment may be mid-write (reported as a torn tail) and
 * that segment's index files lag until its next flush (a lagging index is a valid prefix and is
 * not reported). Verify a closed directory for a definitive answer.
 *
 * <p>Memory is bounded by one batch plus the two indexes of one segment, whatever the log's size.
 * Not thread-safe; use one verifier per thread.
 */
public final class LogVerifier {

    /** Progress is reported each time this many more bytes of batches were verified. */
    public static final long PROGRESS_INTERVAL_BYTES = 256L << 20;

    private final FileIO io;
    private final LogConfig config;
    /**
     * The largest batch the partition being verified may hold: the configured limit, or the
     * larger one its topic had ({@code max.message.bytes} raised, see {@link TopicConfigFile}).
     */
    private int batchBytesMax;
    private final int indexBytesMax;
    private final Progress progress;

    /** Told how far a long verification got. */
    public interface Progress {
        /** {@code bytesVerified} of batches checked so far, every {@link #PROGRESS_INTERVAL_BYTES}. */
        void verified(long bytesVerified, Path segment);
    }

    public LogVerifier(FileIO io, LogConfig config) {
        this(io, config, (bytes, segment) -> { });
    }

    public LogVerifier(FileIO io, LogConfig config, Progress progress) {
        this.io = io;
        this.config = config;
        this.batchBytesMax = config.batchBytesMax();
        this.indexBytesMax = config.segmentIndexBytes();
        this.progress = progress;
    }

    /**
     * What kind of problem a finding is. The chain kinds are explained in {@link ChainVerifier}.
     */
    public enum Kind {
        /** A batch fails its own checks: length, magic, CRC, record framing. */
        BATCH_CORRUPT,
        /** Offsets not dense: a batch or a segment does not start where the previous one ended. */
        OFFSET_MISMATCH,
        /** An incomplete write at the very end of the log (or zeros): the next open truncates it. */
        TORN_TAIL,
        /** An offset- or time-index entry that is wrong. */
        INDEX_CORRUPT,
        /** An index file missing (rebuilt on the next open). */
        INDEX_MISSING,
        /** A partition number missing from a topic. */
        PARTITION_MISSING,
        /** A file the engine or the server keeps beside the segments that does not parse (see {@link DataDirFileChecks}). */
        FILE_CORRUPT,
        /** Such a file missing where the directory's other files show it was written. */
        FILE_MISSING,
        /** Copies that must agree (a topic's settings or id in each partition) that do not. */
        FILES_DISAGREE,
        /** A batch with a valid CRC whose bytes are not the ones the chain recorded. */
        BATCH_MODIFIED,
        /** Batches the chain recorded that are gone. */
        BATCH_REMOVED,
        /** Segment files in the wrong place. */
        SEGMENTS_REORDERED,
        /** The log ends before batches the chain (or a receipt) recorded. */
        LOG_TRUNCATED,
        /** A segment's anchor does not continue the chain before it. */
        CHAIN_BROKEN,
        /** A sidecar, or entries of one, missing or damaged where the partition keeps a chain. */
        CHAIN_MISSING,
        /**
         * A cleaning round's {@code .cleaned} or {@code .swap} file: the round was interrupted, and the
         * next open discards or completes it (see {@link CleanerLeftovers}).
         */
        CLEANING_INTERRUPTED
    }

    /**
     * The chain after a partition's last batch, as recomputed.
     *
     * @param dir           the partition directory
     * @param nextOffset    the offset after the last batch
     * @param hash          the chain's head (SHA-256)
     * @param receiptOffset the last offset of the batch whose hash equals the receipt given, -1 when none was
     *                      given or it was not found
     */
    public record ChainHead(Path dir, long nextOffset, byte[] hash, long receiptOffset) {
        public String hex() {
            return HashChain.hex(hash);
        }
    }

    /** A receipt to check: the chain hash an append to {@code partition} returned. */
    public record Receipt(int partition, byte[] hash) {
    }

    /** How bad a finding is. */
    public enum Severity {
        /** Recovery or a rebuild will fix it on the next open (a torn tail, a missing index). */
        WARNING,
        /** Damage the engine will not fix by itself: the log refuses to open, or reads go wrong. */
        ERROR
    }

    /**
     * One problem.
     *
     * @param severity how bad it is
     * @param file     the file holding it (a directory for a missing partition)
     * @param position byte position in {@code file}, or -1 when no position applies
     * @param problem  what is wrong and what was expected
     */
    public record Finding(Severity severity, Kind kind, Path file, long position, long offset, String problem) {
        @Override
        public String toString() {
            return severity + " " + kind + " " + file + (position >= 0 ? " at position " + position : "")
                    + (offset >= 0 ? " (offset " + offset + ")" : "") + ": " + problem;
        }
    }

    /**
     * What a verification found.
     *
     * @param partitions partitions checked
     * @param segments   segments checked
     * @param batches    valid batches read
     * @param bytes      bytes of valid batches read
     * @param findings   every problem, in the order found
     * @param heads      the recomputed chain head of each partition that keeps a chain (and whose chain
     *                   could be followed to its end)
     */
    public record Report(int partitions, int segments, long batches, long bytes, List<Finding> findings,
                         List<ChainHead> heads) {
        public boolean isSound() {
            return findings.isEmpty();
        }

        public boolean hasErrors() {
            return findings.stream().anyMatch(f -> f.severity() == Severity.ERROR);
        }

        /** This report with {@code more} findings (from the checks of the other files) after its own. */
        public Report plus(List<Finding> more) {
            List<Finding> all = new ArrayList<>(findings);
            all.addAll(more);
            return new Report(partitions, segments, batches, bytes, List.copyOf(all), heads);
        }
    }

    /** Verifies every topic-partition directory under {@code dataDir}; other entries are ignored. */
    public Report verifyDataDir(Path dataDir) throws IOException {
        return verify(dataDir, partitionsOf(dataDir, Optional.empty()));
    }

    /** Verifies every partition of {@code topic}; throws {@link UnknownTopicException} when there is none. */
    public Report verifyTopic(Path dataDir, String topic) throws IOException {
        return verifyTopic(dataDir, topic, Optional.empty());
    }

    /**
     * As {@link #verifyTopic(Path, String)}, also checking that {@code receipt}'s hash is in the
     * chain of its partition (at the head, or before it when more was appended since); a receipt
     * that is nowhere in the chain is a {@link Kind#LOG_TRUNCATED} finding.
     */
    public Report verifyTopic(Path dataDir, String topic, Optional<Receipt> receipt) throws IOException {
        TopicName.validate(topic);
        TreeMap<TopicPartition, Path> partitions = partitionsOf(dataDir, Optional.of(topic));
        if (partitions.isEmpty()) {
            throw new UnknownTopicException("Unknown topic '" + topic + "' in " + dataDir);
        }
        if (receipt.isPresent() && !partitions.containsKey(new TopicPartition(topic, receipt.get().partition()))) {
            throw new UnknownTopicException("No partition " + receipt.get().partition() + " of topic '" + topic
                    + "' in " + dataDir);
        }
        this.receipt = receipt.map(r -> new TopicPartition(topic, r.partition())).orElse(null);
        this.receiptHash = receipt.map(Receipt::hash);
        try {
            return verify(dataDir, partitions);
        } finally {
            this.receipt = null;
            this.receiptHash = Optional.empty();
        }
    }

    private TopicPartition receipt;
    private Optional<byte[]> receiptHash = Optional.empty();

    /** Verifies one partition directory. */
    public Report verifyPartition(Path partitionDir) throws IOException {
        return verifyPartition(partitionDir, Optional.empty());
    }

    /** Verifies one partition directory, checking that {@code receipt} (a chain hash) is in its chain. */
    public Report verifyPartition(Path partitionDir, Optional<byte[]> receipt) throws IOException {
        Tally tally = new Tally();
        verifyPartition(partitionDir, tally, receipt);
        return tally.report(1);
    }

    private Report verify(Path dataDir, TreeMap<TopicPartition, Path> partitions) throws IOException {
        Tally tally = new Tally();
        String topic = null;
        int expected = 0;
        for (var entry : partitions.entrySet()) {
            TopicPartition tp = entry.getKey();
            if (!tp.topic().equals(topic)) {
                topic = tp.topic();
                expected = 0;
            }
            if (tp.partition() != expected) {
                tally.add(Severity.ERROR, Kind.PARTITION_MISSING,
                        dataDir.resolve(new TopicPartition(topic, expected).dirName()), -1, -1,
                        "partition " + expected + " of topic " + topic + " is missing (partition " + tp.partition()
                                + " exists); the log manager will not open the directory");
            }
            expected = tp.partition() + 1;
            verifyPartition(entry.getValue(), tally, tp.equals(receipt) ? receiptHash : Optional.empty());
        }
        return tally.report(partitions.size());
    }

    /** The partition directories in {@code dataDir}, sorted, optionally of one topic only. */
    TreeMap<TopicPartition, Path> partitionsOf(Path dataDir, Optional<String> topic) throws IOException {
        if (!io.isDirectory(dataDir)) {
            throw new java.nio.file.NoSuchFileException(dataDir.toString(), null, "no such data directory");
        }
        TreeMap<TopicPartition, Path> found = new TreeMap<>();
        for (Path path : io.list(dataDir)) {
            if (!io.isDirectory(path)) {
                continue;
            }
            Optional<TopicPartition> tp = TopicPartition.parseDirName(path.getFileName().toString());
            if (tp.isPresent() && (topic.isEmpty() || tp.get().topic().equals(topic.get()))) {
                found.put(tp.get(), path);
            }
        }
        return found;
    }

    private void verifyPartition(Path dir, Tally tally, Optional<byte[]> receipt) throws IOException {
        batchBytesMax = batchBytesMaxOf(dir);
        CleanerLeftovers.Segments files = CleanerLeftovers.list(io, dir, batchBytesMax, tally);
        List<Long> bases = files.bases();
        Optional<ChainVerifier> chain = ChainVerifier.open(io, dir, bases, tally, receipt);
        if (chain.isPresent() && !chain.get().checkOrder()) {
            return; // segments out of place: offsets and chain mean nothing past this
        }
        LoadState shutdown = SegmentEnds.stateOf(io, dir);
        long previousEnd = -1; // the offset after the previous segment, -1 when unknown
        for (int i = 0; i < bases.size(); i++) {
            long base = bases.get(i);
            if (previousEnd >= 0 && base != previousEnd) {
                Path previous = files.logFile(bases.get(i - 1));
                SegmentEnds.reportGap(tally, shutdown, previous, io.size(previous), previousEnd, base); // T3 or X2
                chain.ifPresent(ChainVerifier::gap);
            }
            previousEnd = verifySegment(dir, files, i, tally, chain.orElse(null), shutdown);
            if (!files.isSwap(base)) {
                TransactionIndexChecker.check(io, dir, base, previousEnd, i == bases.size() - 1, tally);
            }
            tally.segments++;
        }
        if (previousEnd >= 0 && !bases.isEmpty()) { // X3
            Path last = files.logFile(bases.get(bases.size() - 1));
            SegmentEnds.reportEndBeforeRecoveryPoint(tally, shutdown, last, io.size(last), previousEnd);
        }
        if (chain.isPresent() && !bases.isEmpty()) {
            Path last = files.logFile(bases.get(bases.size() - 1));
            chain.get().finish(last, io.size(last)).ifPresent(tally.heads::add);
        }
    }

    private int batchBytesMaxOf(Path dir) {
        try {
            TopicConfigFile.Stored stored = TopicConfigFile.readStored(io, dir, TopicConfig.defaults(config));
            return Math.max(config.batchBytesMax(),
                    stored.config().applyTo(config, stored.batchBytesMaxStored()).batchBytesMax());
        } catch (IOException | RuntimeException e) { // a damaged topic.config is DataDirFileChecks' to report
            return config.batchBytesMax();
        }
    }

    /**
     * Checks one segment and its indexes; returns the offset after its last batch, or -1 if it is
     * damaged (or the next open removes the segments after it). Where its valid batches stop is
     * judged by the recovery table ({@link SegmentEnds}), from the directory's {@code shutdown} state.
     * A swap file's indexes are not checked: the open rebuilds them.
     */
    private long verifySegment(Path dir, CleanerLeftovers.Segments files, int segmentIndex, Tally tally,
                               ChainVerifier chain, LoadState shutdown) throws IOException {
        long base = files.bases().get(segmentIndex);
        boolean isLast = segmentIndex == files.bases().size() - 1;
        Path logFile = files.logFile(base);
        IndexChecker indexes = files.isSwap(base) ? null : IndexChecker.load(io, dir, base, indexBytesMax, tally);
        long expected = base;
        long position = 0;
        boolean damaged = false;
        boolean wholeSegmentRead = false;
        try (SegmentFileReader reader = SegmentFileReader.open(io, logFile, batchBytesMax)) {
            long size = reader.sizeBytes();
            if (chain != null) {
                chain.startSegment(segmentIndex, isLast, size);
            }
            while (true) {
                SegmentFileReader.BatchRead read = reader.read(position);
                if (read.kind() == SegmentFileReader.BatchRead.Kind.END) {
                    wholeSegmentRead = true;
                    break;
                }
                BatchClassifier.Verdict verdict = judge(read, size);
                if (!verdict.isValid()) {
                    damaged = SegmentEnds.report(tally, shutdown, isLast, Bytes.of(verdict.kind()), logFile, position,
                            expected, size - position, verdict.problem(),
                            io.exists(dir.resolve(SegmentFiles.REUSED_FILES_MARKER)));
                    break;
                }
                ByteBuffer batch = read.batch();
                if (chain != null && !chain.onBatch(logFile, position, batch)) {
                    damaged = true;
                    break;
                }
                BatchClassifier.Verdict offsets = BatchClassifier.offsets(batch, 0, expected, base);
                if (!offsets.isValid()) {
                    tally.add(Severity.ERROR, Kind.OFFSET_MISMATCH, logFile, position, RecordBatch.baseOffset(batch, 0),
                            offsets.problem());
                    damaged = true;
                    break;
                }
                if (indexes != null) {
                    indexes.onBatch(position, batch, logFile);
                }
                expected = RecordBatch.lastOffset(batch, 0) + 1;
                position += read.sizeBytes();
                counted(tally, read.sizeBytes(), logFile);
            }
        }
        if (chain != null) {
            chain.endSegment(logFile, position, expected, wholeSegmentRead);
        }
        if (indexes != null) {
            indexes.finish(position, expected, wholeSegmentRead);
        }
        return damaged ? -1 : expected;
    }

    /**
     * What {@link BatchClassifier} names the bytes of {@code read}: its header's kind, or for a
     * whole batch, the kind its own checks (CRC, framing of every record) give it.
     */
    private BatchClassifier.Verdict judge(SegmentFileReader.BatchRead read, long size) {
        if (read.bytes() != BatchClassifier.Kind.VALID) {
            return new BatchClassifier.Verdict(read.bytes(), read.problem());
        }
        Optional<String> problem = checkBatch(read.batch());
        if (problem.isEmpty()) {
            return new BatchClassifier.Verdict(BatchClassifier.Kind.VALID, "");
        }
        boolean atEnd = read.position() + read.sizeBytes() == size;
        return BatchClassifier.failedCheck(read.batch(), read.position(), atEnd, problem.get());
    }

    /** Counts a verified batch, telling {@link #progress} each time another interval of bytes is done. */
    private void counted(Tally tally, int batchBytes, Path logFile) {
        tally.batches++;
        tally.bytes += batchBytes;
        if (tally.bytes / PROGRESS_INTERVAL_BYTES != (tally.bytes - batchBytes) / PROGRESS_INTERVAL_BYTES) {
            progress.verified(tally.bytes, logFile);
        }
    }

    /** Everything wrong with a whole batch by itself (not its offset), if anything. */
    private Optional<String> checkBatch(ByteBuffer batch) {
        try {
            RecordBatch.validate(batch, 0, batchBytesMax);
            RecordBatch.validateRecords(batch, 0); // compressed batches too: decompression is bounded
        } catch (CorruptRecordException e) {
            return Optional.of(e.getMessage());
        }
        return Optional.empty();
    }

    /** Counts and findings of one verification. */
    static final class Tally {
        final List<Finding> findings = new ArrayList<>();
        final List<ChainHead> heads = new ArrayList<>();
        int segments;
        long batches;
        long bytes;

        void add(Severity severity, Kind kind, Path file, long position, long offset, String problem) {
            findings.add(new Finding(severity, kind, file, position, offset, problem));
        }

        /** An index problem: no offset applies. */
        void add(Severity severity, Path file, long position, String problem) {
            add(severity, Kind.INDEX_CORRUPT, file, position, -1, problem);
        }

        Report report(int partitions) {
            return new Report(partitions, segments, batches, bytes, List.copyOf(findings), List.copyOf(heads));
        }
    }
}
