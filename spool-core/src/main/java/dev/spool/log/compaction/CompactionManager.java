package dev.spool.log.compaction;

import dev.spool.log.CleanerSettings;
import dev.spool.log.Log;
import dev.spool.log.TopicPartition;
import dev.spool.log.catalog.OffsetCheckpointFile;
import dev.spool.log.io.FileIO;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses which compacted log to clean and keeps the cleaner checkpoint.
 *
 * <h2>Design</h2>
 * The checkpoint, {@code cleaner-offset-checkpoint} in the data directory (Kafka's name and text
 * layout, {@link OffsetCheckpointFile}), holds each cleaned partition's first dirty offset: the
 * next round maps keys from there, so a restart does not redo work. A partition missing from it
 * starts at its log start. A damaged checkpoint is logged and ignored: cleaning from the start
 * again is only slower. One round cleans one log, the dirtiest (dirty bytes over the bytes of its
 * closed segments) among those at or above {@code minCleanableDirtyRatio}, or any whose oldest dirty
 * segment passed {@code maxCompactionLagMs}. Meters: {@code spool.cleaner.bytes.read},
 * {@code spool.cleaner.bytes.written}, {@code spool.cleaner.records.removed}, {@code spool.cleaner.time}
 * and the gauge {@code spool.cleaner.dirty.ratio} per partition.
 *
 * <p>In the background ({@link #startBackground}) the rounds run on a {@link CleanerThread} of their
 * own; {@link #close} stops the running round and that thread.
 *
 * <p>Thread-safety: {@link #cleanOnce} and {@link #clean} are synchronized (one log at a time, one
 * key map), so a {@code cleanNow} waits for a background round; the checkpoint's changes and
 * writes are serialized by a lock of their own, so {@link #forget} never waits for a round.
 */
public final class CompactionManager {
    public static final String CHECKPOINT_FILE = "cleaner-offset-checkpoint";
    /**
     * How long closing waits for the background cleaner to end. A stopped round ends at its next
     * batch; only a swap under way (renames, an index rebuilt) is waited for, seconds at worst.
     */
    public static final long CLOSE_WAIT_MS_MAX = 30_000L;
    private static final Logger LOG = LoggerFactory.getLogger(CompactionManager.class);

    /** A log whose topic's cleanup policy compacts. */
    public record Candidate(TopicPartition partition, Log log) {
    }

    private final FileIO io;
    private final Path checkpointFile;
    private final Cleaner cleaner;
    private final LongSupplier clockMs;
    private final MeterRegistry meters;
    private final Map<TopicPartition, Long> firstDirty = new ConcurrentHashMap<>();
    private final Map<TopicPartition, Double> ratios = new ConcurrentHashMap<>();
    private final Counter bytesRead;
    private final Counter bytesWritten;
    private final Counter recordsRemoved;
    private final Timer time;
    /**
     * Serializes the checkpoint's changes and writes: a round's (on the cleaner thread) and a
     * deleted topic's (on the caller's), which would otherwise write the same temporary file at once.
     */
    private final Object checkpointLock = new Object();
    /** The background cleaner, once started. */
    private volatile CleanerThread background;

    public CompactionManager(FileIO io, Path dataDir, CleanerSettings settings, LongSupplier clockMs,
                             MeterRegistry meters) {
        this.io = io;
        this.checkpointFile = dataDir.resolve(CHECKPOINT_FILE);
        this.cleaner = new Cleaner(io, settings);
        this.clockMs = clockMs;
        this.meters = meters;
        this.bytesRead = Counter.builder("spool.cleaner.read.bytes").baseUnit("bytes")
                .description("Bytes of segments the cleaner read").register(meters);
        this.bytesWritten = Counter.builder("spool.cleaner.written.bytes").baseUnit("bytes")
                .description("Bytes of cleaned segments the cleaner wrote").register(meters);
        this.recordsRemoved = Counter.builder("spool.cleaner.records.removed")
                .description("Records the cleaner removed (superseded by a later record with the same key)")
                .register(meters);
        this.time = Timer.builder("spool.cleaner.time").description("Cleaning rounds, one partition each")
                .register(meters);
        readCheckpoint();
    }

    private void readCheckpoint() {
        if (!io.exists(checkpointFile)) {
            return;
        }
        try {
            firstDirty.putAll(OffsetCheckpointFile.read(io, checkpointFile));
        } catch (IOException e) {
            LOG.warn("Ignoring the cleaner checkpoint {} ({}); compacted logs are cleaned from their start again",
                    checkpointFile, e.getMessage());
        }
    }

    /** The checkpointed first dirty offset of {@code partition}, if it was cleaned. */
    public Optional<Long> firstDirtyOffset(TopicPartition partition) {
        return Optional.ofNullable(firstDirty.get(partition));
    }

    /** Cleans the dirtiest cleanable candidate, if any; returns the partition cleaned. */
    public synchronized Optional<TopicPartition> cleanOnce(List<Candidate> candidates) throws IOException {
        Candidate chosen = null;
        double best = -1;
        long now = clockMs.getAsLong();
        for (Candidate candidate : candidates) {
            if (candidate.log().isClosed()) {
                continue;
            }
            long from = dirtyFrom(candidate);
            long[] bytes = candidate.log().cleanableBytes(from);
            double ratio = bytes[1] == 0 ? 0 : (double) bytes[0] / bytes[1];
            trackRatio(candidate.partition(), ratio);
            boolean due = ratio >= candidate.log().config().compaction().minCleanableDirtyRatio() && bytes[0] > 0
                    || bytes[0] > 0 && overdue(candidate, now);
            if (due && ratio > best) {
                best = ratio;
                chosen = candidate;
            }
        }
        if (chosen == null) {
            return Optional.empty();
        }
        clean(chosen);
        return Optional.of(chosen.partition());
    }

    /** Cleans {@code candidate} now, whatever its ratio; returns what the round did. */
    public synchronized CleanResult clean(Candidate candidate) throws IOException {
        long started = System.nanoTime();
        CleanResult result = candidate.log().clean(cleaner, dirtyFrom(candidate));
        time.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        bytesRead.increment(result.bytesRead());
        bytesWritten.increment(result.bytesWritten());
        recordsRemoved.increment(result.recordsRemoved());
        synchronized (checkpointLock) {
            // A topic deleted during the round (its logs closed, then forgotten) must stay forgotten.
            if (candidate.log().isClosed()) {
                return result;
            }
            firstDirty.put(candidate.partition(), result.firstDirtyOffset());
            writeCheckpoint();
        }
        LOG.info("Cleaned {}: {} segment(s), {} record(s) removed, {} bytes read, {} written; next round from {}",
                candidate.partition(), result.segmentsCleaned(), result.recordsRemoved(), result.bytesRead(),
                result.bytesWritten(), result.firstDirtyOffset());
        return result;
    }

    /**
     * Cleans in the background, on a thread of its own: a round over {@code candidates} (asked
     * anew each time) every {@link CleanerSettings#backoffMs}.
     */
    public void startBackground(String dataDirName, Supplier<List<Candidate>> candidates) {
        if (background != null) {
            throw new IllegalStateException("The background cleaner of " + dataDirName + " runs already");
        }
        background = CleanerThread.start(dataDirName, this, candidates, cleaner.settings().backoffMs(),
                CLOSE_WAIT_MS_MAX);
    }

    /** Makes a running round give up soon, for closing; no round succeeds after it. */
    public void stop() {
        cleaner.stop();
    }

    /**
     * Stops a running round and the background cleaner, if started, and waits for its thread to
     * end (at most {@link #CLOSE_WAIT_MS_MAX}); no round succeeds after it.
     */
    public void close() {
        stop();
        CleanerThread thread = background;
        if (thread != null) {
            thread.close();
        }
    }

    /** Forgets the partitions {@code 0 .. partitions - 1} of a deleted topic. */
    public void forget(String topic, int partitions) throws IOException {
        synchronized (checkpointLock) {
            boolean changed = false;
            for (int p = 0; p < partitions; p++) {
                changed |= firstDirty.remove(new TopicPartition(topic, p)) != null;
            }
            if (changed) {
                writeCheckpoint();
            }
        }
    }

    private long dirtyFrom(Candidate candidate) {
        long checkpointed = firstDirty.getOrDefault(candidate.partition(), 0L);
        long start = candidate.log().logStartOffset();
        // Below the start (retention moved it) or past the end (the log was truncated): start over.
        return checkpointed < start || checkpointed > candidate.log().logEndOffset() ? start : checkpointed;
    }

    private boolean overdue(Candidate candidate, long now) {
        long lag = candidate.log().config().compaction().maxCompactionLagMs();
        if (lag == Long.MAX_VALUE) {
            return false;
        }
        try {
            for (var info : candidate.log().segments()) {
                if (info.nextOffset() > dirtyFrom(candidate) && info.baseOffset() < candidate.log().logEndOffset()) {
                    return info.maxTimestamp() >= 0 && now - info.maxTimestamp() > lag;
                }
            }
        } catch (IOException e) {
            LOG.warn("Cannot read the segments of {}: {}", candidate.partition(), e.getMessage());
        }
        return false;
    }

    private void trackRatio(TopicPartition partition, double ratio) {
        if (ratios.put(partition, ratio) == null) {
            Gauge.builder("spool.cleaner.dirty.ratio", ratios, m -> m.getOrDefault(partition, 0.0))
                    .description("Share of the log's bytes not yet cleaned, as of the cleaner's last look")
                    .tag("topic", partition.topic()).tag("partition", Integer.toString(partition.partition()))
                    .register(meters);
        }
    }

    private void writeCheckpoint() throws IOException {
        OffsetCheckpointFile.write(io, checkpointFile, new HashMap<>(firstDirty));
    }
}
