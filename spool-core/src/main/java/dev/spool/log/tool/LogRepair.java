package dev.spool.log.tool;

import dev.spool.log.CorruptLogException;
import dev.spool.log.LoadState;
import dev.spool.log.Log;
import dev.spool.log.LogConfig;
import dev.spool.log.LogManager;
import dev.spool.log.LogManagerConfig;
import dev.spool.log.TopicConfig;
import dev.spool.log.TopicName;
import dev.spool.log.TopicPartition;
import dev.spool.log.UnknownTopicException;
import dev.spool.log.catalog.DataDirFiles;
import dev.spool.log.catalog.OffsetCheckpointFile;
import dev.spool.log.catalog.TopicConfigFile;
import dev.spool.log.io.FileIO;
import dev.spool.log.io.StorageFile;
import dev.spool.log.record.RecordBatch;
import dev.spool.log.segment.SegmentFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes the damaged batches of a partition log explicitly, keeping every batch that checks out
 * and a copy of every byte it removes: the engine of {@code spool repair}. Recovery never skips
 * corruption ({@link CorruptLogException}); this is the one place that removes data, and only
 * when asked.
 *
 * <h2>Steps (commit order: copies are durable before anything is cut)</h2>
 * <ol>
 * <li>{@link #plan}: open the partition's log with a full scan (as if no checkpoint existed), so
 *     every batch of every segment is checked. If it opens, nothing is wrong, unless the
 *     checkpointed recovery point lies past its end (a log manager would refuse it: flushed data
 *     is missing), in which case the plan only lowers the checkpoint. If it fails with
 *     {@link CorruptLogException}, the named segment is split ({@link SegmentSalvage}) into the
 *     runs of batches that check out and the damaged bytes between them.</li>
 * <li>{@link #execute}: copy each damaged run of bytes to {@code <file>.broken} (tmp, force,
 *     rename) and sync the directory; write the repaired segment to a tmp file: the kept batches
 *     at their own offsets, and in place of each damaged run an empty batch spanning the offsets it
 *     held ({@link RecordBatch#gapBatch}); force it, rename it over the segment, delete the
 *     segment's indexes (rebuilt on open), sync the directory; reopen the log with a full scan
 *     to prove it sound; finally lower the partition's checkpoints to the new end if they lie past
 *     it (only damage at the end of the last segment moves the end).</li>
 * </ol>
 * A topic's own files come first: its settings ({@link #planSettings}; a partition whose
 * {@code topic.config} is missing or damaged stays offline, and its log cannot be planned until
 * the file is restored from a copy that reads) and its id ({@link #planTopicId}).
 * Why an empty batch and not a hole in the offsets: segments hold dense offsets and follow on
 * from each other, and recovery, the verifier and the read path treat anything else as missing
 * data. An empty batch over the lost offsets is what Kafka's compaction leaves, so the log stays
 * dense for Spool's own checks, and a reader (Spool's or a Kafka consumer over Fetch) steps from
 * the last good offset to the next good batch. Later segments are not touched. Damage at the end
 * of the last segment, with no good batch after it, is cut: its offsets are unknown from the
 * bytes, but when the checkpoint says offsets up to R were flushed, the empty batch spans them up
 * to R − 1, so that a new record never reuses an offset a consumer may already have read.
 *
 * <p>The plan opens the log first as the log manager would (clean marker, checkpointed recovery
 * point): flushed bytes that look torn are then corruption to plan, copy and remove, never
 * truncated by the planning open itself, which runs before the user has said yes.
 *
 * <p>With a hash chain, the repaired segment's chain and every later one change from the gap
 * batch on, so their {@code .chain} sidecars are renamed to {@code .broken} (evidence, not
 * orphans) and rebuilt on the reopen.
 *
 * <p>Internal logs (a {@code __}-prefixed directory under the data directory that is itself a
 * log, such as the Kafka server's {@code __consumer_offsets}) are repaired the same way, as
 * partition 0 of that name, under their own lock as well.
 * <p>A batch whose CRC holds over records that do not parse opens fine and fails every read; when
 * every batch checks out, such a batch is planned, copied and replaced the same way
 * ({@link RefusedBatches}, {@link BatchContentCheck#RECORDS}: what {@code spool verify} checks).
 * An internal log's owner may add the check its replay makes of each record: a batch whose records
 * its codec refuses is replaced too, since the owner cannot open the log past it either.
 *
 * <p>A {@code .broken} name never replaces an existing file: a second copy gets
 * {@code .broken.1}, and so on. The log loader ignores {@code .broken} files. Holds the data
 * directory's lock from {@link #open} to {@link #close}. Not thread-safe.
 */
public final class LogRepair implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LogRepair.class);
    private static final String REPAIR_TMP_SUFFIX = ".repair" + SegmentFiles.TMP_SUFFIX;

    private final Path dataDir;
    private final LogManagerConfig config;
    private final FileIO io;
    private final RepairFiles files;
    private final TopicSettingsRepair settingsRepair;
    private final TopicIdRepair idRepair;
    private final RefusedBatches refused;
    private final AutoCloseable lock;
    private final Map<Path, AutoCloseable> internalLocks = new HashMap<>();

    private LogRepair(Path dataDir, LogManagerConfig config, AutoCloseable lock, LogVerifier.Progress progress) {
        this.dataDir = dataDir;
        this.config = config;
        this.io = config.io();
        this.files = new RepairFiles(io);
        this.settingsRepair = new TopicSettingsRepair(io, TopicConfig.defaults(config.logConfig()), files);
        this.idRepair = new TopicIdRepair(io, files);
        this.refused = new RefusedBatches(io, files, progress, LogVerifier.PROGRESS_INTERVAL_BYTES);
        this.lock = lock;
    }

    /** As {@link #open(Path, LogManagerConfig, LogVerifier.Progress)}, reporting no progress. */
    public static LogRepair open(Path dataDir, LogManagerConfig config) throws IOException {
        return open(dataDir, config, (bytes, segment) -> { });
    }

    /** Takes the lock of an existing data directory ({@code DirectoryLockedException} when another process uses it); {@code progress} hears how far a plan reading every batch got. */
    public static LogRepair open(Path dataDir, LogManagerConfig config, LogVerifier.Progress progress) throws IOException {
        if (!config.io().isDirectory(dataDir)) {
            throw new java.nio.file.NoSuchFileException(dataDir.toString(), null, "no such data directory");
        }
        return new LogRepair(dataDir, config, config.io().lock(dataDir.resolve(DataDirFiles.LOCK_FILE)), progress);
    }

    /**
     * The partitions of {@code topic} found on disk, in order; an internal log is its partition 0.
     * Throws {@link UnknownTopicException} if none.
     */
    public List<TopicPartition> partitions(String topic) throws IOException {
        TopicName.validate(topic);
        if (isInternalLog(topic)) {
            return List.of(new TopicPartition(topic, 0));
        }
        List<TopicPartition> out = new ArrayList<>(
                new LogVerifier(io, config.logConfig()).partitionsOf(dataDir, Optional.of(topic)).keySet());
        if (out.isEmpty()) {
            throw new UnknownTopicException("Unknown topic '" + topic + "' in " + dataDir);
        }
        return out;
    }

    /**
     * What restoring {@code topic}'s settings files would do ({@link TopicSettingsRepair}); empty when
     * every copy reads. Run it before {@link #plan}: a partition without readable settings cannot be
     * planned. Throws when copies are unreadable and none reads, saying what to do.
     */
    public Optional<TopicSettingsRepair.Plan> planSettings(String topic) throws IOException {
        return isInternalLog(topic) ? Optional.empty() : settingsRepair.plan(topic, partitions(topic), dataDir);
    }

    /** Carries out a plan of {@link #planSettings}; returns the {@code .broken} copies kept. */
    public List<Path> restoreSettings(TopicSettingsRepair.Plan plan) throws IOException {
        return settingsRepair.execute(plan);
    }

    /** What rewriting {@code topic}'s id files would do ({@link TopicIdRepair}); empty when they need nothing. */
    public Optional<TopicIdRepair.Plan> planTopicId(String topic) throws IOException {
        return isInternalLog(topic) ? Optional.empty() : idRepair.plan(partitions(topic), dataDir);
    }

    /** Carries out a plan of {@link #planTopicId}; returns the {@code .broken} copies kept. */
    public List<Path> restoreTopicId(TopicIdRepair.Plan plan) throws IOException {
        return idRepair.execute(plan);
    }

    /** Whether {@code topic} names a {@code __}-prefixed directory of the data directory that is a log itself. */
    private boolean isInternalLog(String topic) throws IOException {
        Path dir = dataDir.resolve(topic);
        if (!topic.startsWith(LogManager.RESERVED_PREFIX) || !io.isDirectory(dir)) {
            return false;
        }
        for (Path path : io.list(dir)) {
            if (SegmentFiles.baseOffsetOf(path.getFileName().toString(), SegmentFiles.LOG_SUFFIX).isPresent()) {
                return true;
            }
        }
        return false;
    }

    /** The directory of {@code partition}'s log; an internal log's lock is taken on first use. */
    private Path logDir(TopicPartition partition) throws IOException {
        if (partition.partition() == 0 && isInternalLog(partition.topic())) {
            Path dir = dataDir.resolve(partition.topic());
            if (!internalLocks.containsKey(dir)) {
                internalLocks.put(dir, io.lock(dir.resolve(DataDirFiles.LOCK_FILE)));
            }
            return dir;
        }
        Path dir = dataDir.resolve(partition.dirName());
        if (!io.isDirectory(dir)) {
            throw new UnknownTopicException("No partition " + partition.partition() + " of topic '"
                    + partition.topic() + "' in " + dataDir);
        }
        return dir;
    }

    private boolean internal(Path dir) {
        return internalLocks.containsKey(dir);
    }

    /**
     * What repairing {@code partition} would do, or empty when its log opens and every batch and
     * its records check out (nothing to repair; every batch is read, as {@code spool verify} does). Opening a sound log runs ordinary recovery: a torn tail past
     * the checkpointed recovery point of an unclean shutdown is truncated and indexes are rebuilt,
     * as any open would; flushed bytes that look torn are planned as damage, never cut unasked. A log with damage in several segments
     * needs one plan per damaged segment: plan and execute again until the plan is empty.
     */
    public Optional<Plan> plan(TopicPartition partition) throws IOException {
        return plan(partition, BatchContentCheck.ANY);
    }

    /**
     * As {@link #plan(TopicPartition)}, and when every batch checks out, the batches whose records
     * {@code contents} refuses (an internal log's records its owner's codec cannot read) are
     * planned as damage, one segment per plan, as are those whose records do not parse at all
     * ({@link BatchContentCheck#RECORDS}).
     */
    public Optional<Plan> plan(TopicPartition partition, BatchContentCheck contents) throws IOException {
        Path dir = logDir(partition);
        Map<TopicPartition, Long> recoveryPoints = internal(dir) ? Map.of() : OffsetCheckpointFile.read(io,
                dataDir.resolve(DataDirFiles.RECOVERY_POINT_CHECKPOINT));
        long end;
        try {
            end = planningOpen(dir, partition);
        } catch (CorruptLogException e) {
            Path segment = e.file();
            if (!dir.equals(segment.getParent())) {
                throw new IOException("Corruption reported in " + segment + ", outside " + dir, e);
            }
            return Optional.of(planCut(partition, dir, segment, e.getMessage(),
                    Optional.ofNullable(recoveryPoints.get(partition))));
        }
        Long recoveryPoint = recoveryPoints.get(partition);
        if (recoveryPoint != null && recoveryPoint > end) {
            Path last = files.lastSegment(dir);
            return Optional.of(new Plan(partition, last, io.size(last), List.of(), List.of(), "the log ends at offset "
                    + end + " but the checkpoint says offsets up to " + recoveryPoint + " were flushed",
                    OptionalLong.empty(), OptionalLong.empty()));
        }
        return refused.plan(partition, dir, logConfigOf(dir).batchBytesMax(), BatchContentCheck.RECORDS.then(contents));
    }

    private Plan planCut(TopicPartition partition, Path dir, Path segment, String problem,
                         Optional<Long> recoveryPoint) throws IOException {
        long base = SegmentFiles.baseOffsetOf(segment.getFileName().toString(), SegmentFiles.LOG_SUFFIX)
                .orElseThrow(() -> new IOException("Not a segment file: " + segment));
        List<Long> bases = files.segmentBases(dir);
        int index = bases.indexOf(base);
        long nextBase = index + 1 < bases.size() ? bases.get(index + 1) : Long.MAX_VALUE;
        ByteBuffer bytes = files.readAll(segment);
        SegmentSalvage.Pieces pieces = SegmentSalvage.split(bytes, base, nextBase, logConfigOf(dir).batchBytesMax());
        if (pieces.damages().isEmpty()) {
            throw new IOException("Recovery reports " + segment + " corrupt (" + problem + ") but every batch in it "
                    + "checks out; nothing here for repair to remove");
        }
        List<SegmentSalvage.Damage> damages = new ArrayList<>(pieces.damages());
        SegmentSalvage.Damage tail = damages.get(damages.size() - 1);
        if (nextBase == Long.MAX_VALUE && tail.lastOffset().isEmpty() && recoveryPoint.isPresent()
                && recoveryPoint.get() > tail.firstOffset()
                && recoveryPoint.get() - 1 - tail.firstOffset() <= Integer.MAX_VALUE) {
            // Damage at the end of the log: its offsets are unknown from the bytes, but the checkpoint
            // says offsets up to the recovery point were flushed. Keep them taken (an empty batch over
            // them) so that new records never reuse an offset a consumer may already have seen.
            damages.set(damages.size() - 1, new SegmentSalvage.Damage(tail.position(), tail.bytes(),
                    tail.firstOffset(), OptionalLong.of(recoveryPoint.get() - 1), tail.claimedLastOffset(),
                    tail.problem()));
            pieces = new SegmentSalvage.Pieces(pieces.kept(), List.copyOf(damages));
        }
        return new Plan(partition, segment, bytes.limit(), pieces.kept(), pieces.damages(), problem,
                OptionalLong.of(bases.get(0)), files.logEndAfter(dir, bases, index));
    }

    /** Carries out a plan made by {@link #plan} under this lock; refuses if the files changed since. */
    public Result execute(Plan plan) throws IOException {
        Path dir = plan.segment().getParent();
        if (io.size(plan.segment()) != plan.segmentBytes()) {
            throw new IOException("Segment " + plan.segment() + " changed since the repair was planned ("
                    + io.size(plan.segment()) + " bytes, planned " + plan.segmentBytes() + "); plan again");
        }
        List<Path> copies = new ArrayList<>();
        if (plan.removesData()) {
            for (SegmentSalvage.Damage damage : plan.damages()) {
                copies.add(files.copy(plan.segment(), damage.position(), damage.bytes()));
            }
            long base = RepairFiles.baseOf(plan.segment());
            if (logConfigOf(dir).hashChain() || io.exists(SegmentFiles.chainFile(dir, base))) {
                for (long later : files.segmentBases(dir)) {
                    Path chain = SegmentFiles.chainFile(dir, later);
                    if (later >= base && io.exists(chain)) {
                        Path brokenChain = files.brokenName(chain);
                        io.rename(chain, brokenChain);
                        copies.add(brokenChain);
                    }
                }
            }
            io.syncDirectory(dir); // the copies are durable before anything is cut
            rewrite(plan);
            io.deleteIfExists(SegmentFiles.indexFile(dir, base));
            io.deleteIfExists(SegmentFiles.timeIndexFile(dir, base));
            io.syncDirectory(dir);
            LOG.warn("Repaired {}: removed {} damaged bytes of {} ({}); copies kept: {}", plan.partition(),
                    plan.bytesRemoved(), plan.segment(), plan.lostOffsets(), copies);
        }
        if (!plan.removesData() && !internal(dir)) {
            markMissingEnd(plan);
        }
        long end;
        try {
            end = openAndClose(dir, plan.partition());
        } catch (CorruptLogException e) {
            if (e.file().equals(plan.segment())) {
                throw e; // the rewritten segment itself must check out
            }
            // Damage in another segment, next to repair: this one is done, the log does not open yet.
            return new Result(plan, List.copyOf(copies), OptionalLong.empty(), Optional.of(e.getMessage()));
        }
        if (!internal(dir)) {
            files.lowerCheckpoints(dataDir, plan.partition(), end);
        }
        return new Result(plan, List.copyOf(copies), OptionalLong.of(end), Optional.empty());
    }

    /**
     * The log ends before its checkpointed recovery point R (every batch checks out, the end is
     * missing: row X3): appends to the last segment one empty batch spanning offsets end .. R − 1,
     * forces it and drops the segment's indexes (rebuilt on open), so that the lost offsets stay
     * taken and a new record never reuses an offset a consumer may already have read. Removes
     * nothing, so nothing needs a copy.
     */
    private void markMissingEnd(Plan plan) throws IOException {
        Path dir = plan.segment().getParent();
        Long recoveryPoint = OffsetCheckpointFile.read(io, dataDir.resolve(DataDirFiles.RECOVERY_POINT_CHECKPOINT))
                .get(plan.partition());
        long end = openAndClose(dir, plan.partition());
        if (recoveryPoint == null || recoveryPoint <= end || recoveryPoint - 1 - end > Integer.MAX_VALUE) {
            return; // nothing missing, or too many offsets for one batch: the checkpoint is lowered instead
        }
        Path last = files.lastSegment(dir);
        ByteBuffer gap = RecordBatch.gapBatch(end, (int) (recoveryPoint - 1 - end));
        try (StorageFile out = io.open(last, FileIO.OpenMode.READ_WRITE)) {
            out.write(gap, out.size());
            out.force(true);
        }
        long base = RepairFiles.baseOf(last);
        io.deleteIfExists(SegmentFiles.indexFile(dir, base));
        io.deleteIfExists(SegmentFiles.timeIndexFile(dir, base));
        io.syncDirectory(dir);
        LOG.warn("Repaired {}: the log ended at offset {} but offsets up to {} had been flushed; offsets {}–{} are "
                + "marked lost in {}", plan.partition(), end, recoveryPoint, end, recoveryPoint - 1, last);
    }

    /** Writes the kept batches and a gap batch per damaged run to a tmp file, forces it, renames it over the segment. */
    private void rewrite(Plan plan) throws IOException {
        Path tmp = plan.segment().resolveSibling(plan.segment().getFileName() + REPAIR_TMP_SUFFIX);
        io.deleteIfExists(tmp);
        List<Object> pieces = new ArrayList<>();
        pieces.addAll(plan.kept());
        pieces.addAll(plan.damages());
        pieces.sort(java.util.Comparator.comparingLong(p -> p instanceof SegmentSalvage.Kept k ? k.position()
                : ((SegmentSalvage.Damage) p).position()));
        try (StorageFile in = io.open(plan.segment(), FileIO.OpenMode.READ);
             StorageFile out = io.open(tmp, FileIO.OpenMode.CREATE_NEW)) {
            long at = 0;
            for (Object piece : pieces) {
                if (piece instanceof SegmentSalvage.Kept kept) {
                    at = RepairFiles.copyRange(in, kept.position(), kept.bytes(), out, at);
                } else {
                    SegmentSalvage.Damage damage = (SegmentSalvage.Damage) piece;
                    if (damage.lastOffset().isPresent() && damage.losesOffsets()) {
                        at = RepairFiles.writeGap(out, at, damage.firstOffset(), damage.lastOffset().getAsLong());
                    }
                }
            }
            out.force(true);
        }
        io.rename(tmp, plan.segment());
    }

    /**
     * Opens the log as the log manager would open it (the clean marker and the checkpointed
     * recovery point), then with a full scan; returns its end offset. The first open makes damage
     * to flushed bytes a {@link CorruptLogException}, to be planned and copied: the full scan
     * alone, which trusts no checkpoint, would truncate such bytes as a torn tail without a copy.
     */
    private long planningOpen(Path dir, TopicPartition partition) throws IOException {
        if (!internal(dir)) {
            try (Log log = Log.open(io, dir, logConfigOf(dir), SegmentEnds.stateOf(io, dir), config.clockMs())) {
                log.logEndOffset();
            } catch (CorruptLogException e) {
                if (!e.isEndBeforeRecoveryPoint()) {
                    throw e;
                }
                // The log ends before its checkpointed recovery point: the plan lowers the checkpoint.
            }
        }
        return openAndClose(dir, partition);
    }

    /** Opens the log with a full scan and closes it (flushing rebuilt indexes); returns its end offset. */
    private long openAndClose(Path dir, TopicPartition partition) throws IOException {
        Map<TopicPartition, Long> logStarts = internal(dir) ? Map.of()
                : OffsetCheckpointFile.read(io, dataDir.resolve(DataDirFiles.LOG_START_CHECKPOINT));
        Long start = logStarts.get(partition);
        LoadState fullScan = new LoadState(false, OptionalLong.empty(),
                start == null ? OptionalLong.empty() : OptionalLong.of(start));
        try (Log log = Log.open(io, dir, logConfigOf(dir), fullScan, config.clockMs())) {
            return log.logEndOffset();
        }
    }

    /**
     * The settings the log is opened with: a topic's own (its hash chain above all), as the log
     * manager will open it; an internal log's owner opens it with the defaults (batch limits and
     * chain are what matter here; segment size and retention do not).
     */
    private LogConfig logConfigOf(Path dir) throws IOException {
        if (internal(dir)) {
            return LogConfig.defaults();
        }
        TopicConfigFile.Stored stored = TopicConfigFile.readStored(io, dir, TopicConfig.defaults(config.logConfig()));
        return stored.config().applyTo(config.logConfig(), stored.batchBytesMaxStored());
    }

    /** Releases the locks: the internal logs' ones, then the data directory's. */
    @Override
    public void close() throws IOException {
        List<AutoCloseable> locks = new ArrayList<>(internalLocks.values());
        locks.add(lock);
        internalLocks.clear();
        IOException failure = null;
        for (AutoCloseable held : locks) {
            try {
                held.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = e instanceof IOException io ? io : new IOException("Cannot release a lock in " + dataDir, e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * A repair to make: {@link RepairPlanText} says it in words.
     *
     * @param partition     the partition
     * @param segment       the damaged segment's {@code .log} file (the last one for a plan that only lowers a checkpoint)
     * @param segmentBytes  its size when planned
     * @param kept          the runs of batches of that segment that check out, kept at their offsets
     * @param damages       the damaged runs of bytes, moved to {@code .broken} copies
     * @param problem       what is wrong, as recovery reported it
     * @param logStart      the log's first offset (the first segment's base), when known
     * @param logEnd        the log's end as its last segment's headers say, when that is not the damaged segment
     */
    public record Plan(TopicPartition partition, Path segment, long segmentBytes, List<SegmentSalvage.Kept> kept,
                       List<SegmentSalvage.Damage> damages, String problem, OptionalLong logStart,
                       OptionalLong logEnd) {

        /** Damaged bytes removed from the segment. */
        public long bytesRemoved() {
            return damages.stream().mapToLong(SegmentSalvage.Damage::bytes).sum();
        }

        /** Whether any data is removed (a plan may only lower a stale checkpoint). */
        public boolean removesData() {
            return !damages.isEmpty();
        }

        /** The lost offsets, as "offsets 5000–5999 (1,000 records)" joined by "and". */
        public String lostOffsets() {
            return RepairPlanText.lost(this);
        }

        /** The plan in words, as the question {@code spool repair} asks before it cuts (without "Continue?"). */
        public String describe() {
            return RepairPlanText.describe(this);
        }
    }

    /**
     * A repair made.
     *
     * @param plan         what was done
     * @param brokenCopies where the removed bytes are kept
     * @param logEnd       the log's end offset after the repair, when it opens
     * @param moreDamage   why the log still does not open (damage in another segment: plan again)
     */
    public record Result(Plan plan, List<Path> brokenCopies, OptionalLong logEnd, Optional<String> moreDamage) {

        /** The log's end offset after the repair; throws when the log does not open yet ({@link #moreDamage}). */
        public long logEndOffset() {
            return logEnd.orElseThrow(() -> new IllegalStateException("The log does not open yet: "
                    + moreDamage.orElse("")));
        }
    }
}
