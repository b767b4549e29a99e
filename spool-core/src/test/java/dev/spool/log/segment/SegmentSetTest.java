package dev.spool.log.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.LogClosedException;
import dev.spool.log.LogConfig;
import dev.spool.log.LogTest;
import dev.spool.log.append.Sequencer;
import dev.spool.log.io.FileIO;
import dev.spool.log.io.ForwardingFileIO;
import dev.spool.log.io.ForwardingStorageFile;
import dev.spool.log.io.RecordingFileIO;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The set of segments: offsets, roll, background flush, truncation, deletion, failure and close. */
class SegmentSetTest {
    @TempDir
    Path tmp;

    private final LogConfig config = LogConfig.defaults();

    /** Runs nothing until the test says so: it decides when a rolled segment's flush happens. */
    static final class ManualExecutor implements Executor {
        final ArrayDeque<Runnable> tasks = new ArrayDeque<>();

        @Override
        public void execute(Runnable task) {
            tasks.add(task);
        }

        void runAll() {
            for (Runnable task; (task = tasks.poll()) != null; ) {
                task.run();
            }
        }
    }

    private Path dir() {
        return tmp.resolve("t-0");
    }

    @Test
    void anAppendPublishesTheEndAfterItsLastOffset() throws IOException {
        SegmentSet set = SegmentSets.create(FileIO.real(), dir(), config, () -> 0L, Runnable::run);
        Sequencer sequencer = new Sequencer(set, false, null, ChainFile.VERSION);
        SegmentSets.write(set, sequencer, config, 0L, LogTest.batch(1, "a", "b"), LogTest.batch(2, "c"));
        assertThat(set.logEndOffset()).isEqualTo(3);
        assertThat(set.logStartOffset()).isZero();
        assertThat(set.recoveryPoint()).isZero();
        assertThat(set.active().nextOffset()).isEqualTo(3);
        assertThat(set.sizeBytes()).isEqualTo(set.active().sizeBytes()).isPositive();
    }

    /** A set over a recording file interface and a manual executor, holding offsets 0-1, the recording cleared. */
    private record Recorded(RecordingFileIO io, ManualExecutor executor, SegmentSet set, Sequencer sequencer) {
    }

    private Recorded twoRecordsRecorded() throws IOException {
        RecordingFileIO io = new RecordingFileIO();
        ManualExecutor executor = new ManualExecutor();
        SegmentSet set = SegmentSets.create(io, dir(), config, () -> 0L, executor);
        Sequencer sequencer = new Sequencer(set, false, null, ChainFile.VERSION);
        SegmentSets.write(set, sequencer, config, 0L, LogTest.batch(1, "a", "b"));
        io.clear();
        return new Recorded(io, executor, set, sequencer);
    }

    @Test
    void aRollStartsASegmentAtTheEndAndMovesTheRecoveryPointOnlyOnceTheBackgroundFlushRan() throws IOException {
        Recorded recorded = twoRecordsRecorded();
        RecordingFileIO io = recorded.io();
        ManualExecutor executor = recorded.executor();
        SegmentSet set = recorded.set();
        Segment created = set.roll("test", config, null, ChainFile.VERSION);
        assertThat(created.baseOffset()).isEqualTo(2);
        assertThat(set.active()).isSameAs(created);
        assertThat(set.segments().keySet()).containsExactly(0L, 2L);
        // the new file's directory entry is synced off the appending thread, with the rolled segment's flush
        assertThat(io.operations()).noneMatch(op -> op.startsWith("force") || op.startsWith("syncdir"));
        assertThat(set.recoveryPoint()).isZero();
        executor.runAll();
        assertThat(io.operations()).containsSubsequence("force 00000000000000000000.log", "syncdir t-0");
        assertThat(set.recoveryPoint()).isEqualTo(2);
    }

    /**
     * A roll's new file and a deletion's renames are not synced in line (the sync waits for the
     * rolled segment's fsync); the next durability point syncs them before anything counts as
     * durable, once, and the removal of the deleted files comes after that sync.
     */
    @Test
    void rollsAndDeletionsSyncTheDirectoryAtTheNextDurabilityPointNotInLine() throws IOException {
        Recorded recorded = twoRecordsRecorded();
        RecordingFileIO io = recorded.io();
        ManualExecutor executor = recorded.executor();
        SegmentSet set = recorded.set();
        Sequencer sequencer = recorded.sequencer();
        set.roll("test", config, null, ChainFile.VERSION);
        SegmentSets.write(set, sequencer, config, 0L, LogTest.batch(3, "c"));
        assertThat(io.operations()).noneMatch(op -> op.startsWith("syncdir"));
        set.forceDataFrom(2); // what a strict append runs before it is acknowledged
        assertThat(io.operations()).containsOnlyOnce("syncdir t-0");
        assertThat(io.operations().indexOf("syncdir t-0")).isLessThan(io.operations().indexOf("force 00000000000000000002.log"));
        io.clear();
        set.forceDataFrom(2);
        assertThat(io.operations()).noneMatch(op -> op.startsWith("syncdir"));

        set.delete(List.of(set.segments().firstEntry().getValue()));
        assertThat(io.operations()).contains("rename 00000000000000000000.log 00000000000000000000.log.deleted")
                .noneMatch(op -> op.startsWith("syncdir") || op.startsWith("delete"));
        io.clear();
        set.flush();
        assertThat(io.operations()).startsWith("syncdir t-0"); // then the data, and the indexes (each new file synced)
        io.clear();
        executor.runAll(); // the rolled segment's flush, then the removal: the renames are synced already
        assertThat(io.operations()).contains("delete 00000000000000000000.log.deleted")
                .noneMatch(op -> op.startsWith("syncdir"));
    }

    /**
     * A deletion whose directory sync fails on the executor removes nothing (a file is removed only
     * once its rename is durable) and fails nothing; the next durability point syncs again, once.
     */
    @Test
    void aDeletionWhoseDirectorySyncFailsKeepsItsFilesAndTheNextDurabilityPointSyncsAgain() throws IOException {
        AtomicInteger syncFailures = new AtomicInteger();
        AtomicInteger syncs = new AtomicInteger();
        FileIO io = new ForwardingFileIO(FileIO.real()) {
            @Override
            public void syncDirectory(Path dir) throws IOException {
                if (syncFailures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    throw new IOException("simulated directory sync failure");
                }
                syncs.incrementAndGet();
                super.syncDirectory(dir);
            }
        };
        ManualExecutor executor = new ManualExecutor();
        SegmentSet set = SegmentSets.create(io, dir(), config, () -> 0L, executor);
        Sequencer sequencer = new Sequencer(set, false, null, ChainFile.VERSION);
        SegmentSets.write(set, sequencer, config, 0L, LogTest.batch(1, "a", "b"));
        set.roll("test", config, null, ChainFile.VERSION);
        executor.runAll(); // the rolled segment's flush
        set.delete(List.of(set.segments().firstEntry().getValue()));
        Path renamed = dir().resolve("00000000000000000000.log.deleted");
        assertThat(renamed).exists();

        syncFailures.set(1);
        executor.runAll(); // the removal: its sync fails
        assertThat(renamed).as("kept: its rename is not known durable").exists();
        assertThat(set.isFailed()).isFalse();

        int before = syncs.get();
        set.forceDataFrom(2); // a strict append's durability point
        assertThat(syncs.get()).as("it syncs the renames again").isEqualTo(before + 1);
        set.forceDataFrom(2);
        assertThat(syncs.get()).as("once").isEqualTo(before + 1);
        set.close();
    }

    /**
     * The background flush forces a rolled segment's data without the set's file lock, so a
     * deletion can close the segment while its force is under way: the force then meets a closed
     * channel, which means nothing is left to force, not a failure of the log. The force here
     * waits, on its way to the file, until the deletion has closed it.
     */
    @Test
    void aRolledSegmentDeletedWhileItsFlushForcesItFailsNothing() throws Exception {
        CountDownLatch forcing = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        AtomicReference<Throwable> forceFailure = new AtomicReference<>();
        FileIO io = ForwardingFileIO.wrappingFiles("00000000000000000000.log"::equals,
                file -> new ForwardingStorageFile(file) {
                    @Override
                    public void force(boolean metadata) throws IOException {
                        forcing.countDown();
                        try {
                            closed.await();
                            delegate.force(metadata);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new IOException(e);
                        } catch (IOException e) {
                            forceFailure.set(e);
                            throw e;
                        }
                    }
                });
        ManualExecutor executor = new ManualExecutor();
        SegmentSet set = SegmentSets.create(io, dir(), config, () -> 0L, executor);
        Sequencer sequencer = new Sequencer(set, false, null, ChainFile.VERSION);
        SegmentSets.write(set, sequencer, config, 0L, LogTest.batch(1, "a", "b"));
        Segment rolled = set.active();
        set.roll("test", config, null, ChainFile.VERSION);
        Runnable flush = executor.tasks.poll();
        Thread flusher = new Thread(flush, "flush-rolled");
        flusher.start();
        assertThat(forcing.await(30, TimeUnit.SECONDS)).isTrue();

        set.delete(List.of(rolled));
        executor.runAll(); // the removal: closes the segment, syncs the directory, removes its files
        closed.countDown();
        flusher.join(30_000);

        assertThat(flusher.isAlive()).isFalse();
        assertThat(forceFailure.get()).isInstanceOf(ClosedChannelException.class);
        assertThat(set.isFailed()).isFalse();
        assertThat(set.recoveryPoint()).isEqualTo(2);
        set.close();
    }

    @Test
    void aRolledSegmentsFlushDoesNotRaiseTheRecoveryPointOverATruncationThatRanSince() throws IOException {
        ManualExecutor executor = new ManualExecutor();
        SegmentSet set = SegmentSets.create(FileIO.real(), dir(), config, () -> 0L, executor);
        Sequencer sequencer = new Sequencer(set, false, null, ChainFile.VERSION);
        SegmentSets.write(set, sequencer, config, 0L, LogTest.batch(1, "a"), LogTest.batch(1, "b"));
        set.roll("test", config, null, ChainFile.VERSION); // at 2; its flush waits
        SegmentSets.write(set, sequencer, config, 0L, LogTest.batch(1, "c"));
        long sequence = set.truncationSequence();
        long[] cutAt = {-1};
        long newEnd = set.truncateTo(1, (last, end) -> cutAt[0] = end);
        assertThat(newEnd).isEqualTo(1);
        assertThat(cutAt[0]).isEqualTo(1);
        assertThat(set.truncationSequence()).isEqualTo(sequence + 2);
        assertThat(set.segments().keySet()).containsExactly(0L);
        assertThat(set.active().baseOffset()).isZero();
        assertThat(dir().resolve("00000000000000000002.log")).doesNotExist();
        SegmentSets.write(set, sequencer, config, 0L, LogTest.batch(1, "d"), LogTest.batch(1, "e"));
        executor.runAll(); // the flush of the roll before the truncation: offsets below 2 now hold unflushed data
        assertThat(set.recoveryPoint()).isLessThanOrEqualTo(1);
    }

    @Test
    void deletedSegmentsLeaveTheMapThenTheirFilesAreRenamedTheDirectorySyncedAndTheFilesRemoved()
            throws IOException {
        RecordingFileIO io = new RecordingFileIO();
        SegmentSet set = SegmentSets.create(io, dir(), config, () -> 0L, Runnable::run);
        Sequencer sequencer = new Sequencer(set, false, null, ChainFile.VERSION);
        SegmentSets.write(set, sequencer, config, 0L, LogTest.batch(1, "a"));
        Segment oldest = set.active();
        set.roll("test", config, null, ChainFile.VERSION);
        assertThatThrownBy(() -> set.delete(List.of(set.active()))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("active segment");
        io.clear();
        set.delete(List.of(oldest));
        assertThat(set.segments().keySet()).containsExactly(1L);
        List<String> ops = io.operations();
        int rename = ops.indexOf("rename 00000000000000000000.log 00000000000000000000.log.deleted");
        int sync = ops.indexOf("syncdir t-0");
        int delete = ops.indexOf("delete 00000000000000000000.log.deleted");
        assertThat(rename).isNotNegative().isLessThan(sync);
        assertThat(sync).isLessThan(delete);
        assertThat(dir().resolve("00000000000000000000.log")).doesNotExist();
    }

    @Test
    void theFirstFailureIsKeptAndNamedByEveryLaterWrite() throws IOException {
        SegmentSet set = SegmentSets.create(FileIO.real(), dir(), config, () -> 0L, Runnable::run);
        IOException first = new IOException("disk on fire");
        assertThat(set.fail(first)).isSameAs(first);
        set.fail(new IOException("second"));
        assertThat(set.isFailed()).isTrue();
        assertThatThrownBy(set::ensureWritable).isInstanceOf(IOException.class)
                .hasMessageContaining("failed earlier (disk on fire)").hasCause(first);
        assertThatThrownBy(set::flush).hasMessageContaining("refuses writes until it is reopened");
    }

    @Test
    void closeFlushesEverythingThenAClosedSetRefusesWritesAndForcing() throws IOException {
        SegmentSet set = SegmentSets.create(FileIO.real(), dir(), config, () -> 0L, Runnable::run);
        Sequencer sequencer = new Sequencer(set, false, null, ChainFile.VERSION);
        SegmentSets.write(set, sequencer, config, 0L, LogTest.batch(1, "a", "b", "c"));
        set.close();
        set.close(); // a second close does nothing
        assertThat(set.isClosed()).isTrue();
        assertThat(set.recoveryPoint()).isEqualTo(3);
        assertThatThrownBy(set::ensureWritable).isInstanceOf(LogClosedException.class)
                .isInstanceOf(IllegalStateException.class).hasMessage("Log " + dir() + " is closed");
        assertThatThrownBy(() -> set.forceDataFrom(0)).isInstanceOf(LogClosedException.class);
    }

    @Test
    void flushForcesFromTheRecoveryPointAndRaisesItToTheEnd() throws IOException {
        RecordingFileIO io = new RecordingFileIO();
        SegmentSet set = SegmentSets.create(io, dir(), config, () -> 0L, Runnable::run);
        Sequencer sequencer = new Sequencer(set, false, null, ChainFile.VERSION);
        SegmentSets.write(set, sequencer, config, 0L, LogTest.batch(1, "a"));
        set.roll("test", config, null, ChainFile.VERSION); // flushed in line: the recovery point is 1
        assertThat(set.recoveryPoint()).isEqualTo(1);
        SegmentSets.write(set, sequencer, config, 0L, LogTest.batch(1, "b"));
        io.clear();
        set.flush();
        assertThat(set.recoveryPoint()).isEqualTo(2);
        assertThat(io.operations()).contains("force 00000000000000000001.log")
                .doesNotContain("force 00000000000000000000.log");
    }
}
