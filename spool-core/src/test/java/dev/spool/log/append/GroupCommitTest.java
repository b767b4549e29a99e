package dev.spool.log.append;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.Durability;
import dev.spool.log.LogConfig;
import dev.spool.log.LogTest;
import dev.spool.log.io.FailingFileIO;
import dev.spool.log.io.RecordingFileIO;
import dev.spool.log.io.FileIO;
import dev.spool.log.segment.ChainFile;
import dev.spool.log.segment.SegmentSet;
import dev.spool.log.segment.SegmentSets;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fsync rounds: what one fsync covers, what a failure fails, and what a truncation cuts. */
class GroupCommitTest {
    @TempDir
    Path tmp;

    private final LogConfig config = LogConfig.defaults();
    private final List<String> settled = new ArrayList<>();
    private final List<Throwable> failures = new ArrayList<>();
    private final ArrayDeque<Runnable> handedOff = new ArrayDeque<>();
    private final Executor executor = handedOff::add;

    private final GroupCommit.Settle settle = new GroupCommit.Settle() {
        @Override
        public void acknowledge(PendingAppend append, boolean durable, long fsyncMicros) {
            settled.add("ack " + append.placement().firstOffset() + (durable ? " durable" : ""));
        }

        @Override
        public void fail(PendingAppend append, Throwable failure, boolean counted) {
            settled.add("fail " + append.placement().firstOffset() + (counted ? " counted" : ""));
            failures.add(failure);
        }
    };

    private SegmentSet set(FileIO io) throws IOException {
        return SegmentSets.create(io, tmp.resolve("t-0"), config, () -> 0L, Runnable::run);
    }

    private GroupCommit groupCommit(SegmentSet set) {
        LogMetrics metrics = new LogMetrics(new CompositeMeterRegistry(), set, null);
        return new GroupCommit(set, executor, 0, metrics, settle);
    }

    /** Writes one strict append of {@code records} records; returns it, placed. */
    private PendingAppend written(SegmentSet set, int records) throws IOException {
        String[] values = new String[records];
        java.util.Arrays.fill(values, "v");
        PendingAppend append = PendingAppend.validated(LogTest.batch(1, values), Durability.STRICT, config, "t-0", true);
        Sequencer.Run run = new Sequencer(set, false, null, ChainFile.VERSION).place(List.of(append), 0, config, 0L);
        set.append(run.segment(), run.buffers(), run.count(), run.lastOffset(), 0L, Integer.MAX_VALUE);
        append.placed(run.placements()[0]);
        return append;
    }

    @Test
    void oneFsyncCoversEveryGroupWrittenBeforeItStarted() throws IOException {
        RecordingFileIO io = new RecordingFileIO();
        SegmentSet set = set(io);
        GroupCommit commit = groupCommit(set);
        PendingAppend first = written(set, 2);
        PendingAppend second = written(set, 1); // written before the first group's round runs
        io.clear();
        commit.await(2, List.of(first));
        commit.await(3, List.of(second));
        assertThat(settled).containsExactly("ack 0 durable", "ack 2 durable");
        assertThat(io.operations()).containsExactly("force 00000000000000000000.log");
    }

    @Test
    void aGroupAFlushAlreadyCoveredIsAcknowledgedWithoutAnFsync() throws IOException {
        RecordingFileIO io = new RecordingFileIO();
        SegmentSet set = set(io);
        GroupCommit commit = groupCommit(set);
        PendingAppend append = written(set, 1);
        set.flush();
        io.clear();
        commit.await(1, List.of(append));
        assertThat(settled).containsExactly("ack 0 durable");
        assertThat(io.operations()).isEmpty();
    }

    @Test
    void aFailedFsyncFailsTheLogAndEveryWaitingGroupAndIsNotRetried() throws IOException {
        FailingFileIO io = new FailingFileIO();
        SegmentSet set = set(io);
        GroupCommit commit = groupCommit(set);
        PendingAppend append = written(set, 1);
        io.failForce(1);
        commit.await(1, List.of(append));
        assertThat(settled).containsExactly("fail 0 counted");
        assertThat(failures.get(0)).isInstanceOf(IOException.class);
        assertThat(set.isFailed()).isTrue();
    }

    @Test
    void aTruncationFailsTheStrictAppendsItCutBeforeAnFsyncCoveredThem() throws IOException {
        SegmentSet set = set(FileIO.real());
        GroupCommit commit = groupCommit(set);
        PendingAppend append = written(set, 1);
        commit.await(5, List.of(append)); // ends past the log end: no round covers it, so it waits
        assertThat(settled).isEmpty();
        assertThat(handedOff).as("the rounds left over go to the executor").hasSize(1);

        List<Runnable> cut = commit.truncated(0);
        assertThat(settled).as("failed only when the caller runs them, after its locks").isEmpty();
        cut.forEach(Runnable::run);
        assertThat(settled).containsExactly("fail 0");
        assertThat(failures.get(0)).hasMessageContaining("Strict append at offset 0 of " + tmp.resolve("t-0")
                + " was truncated before it was forced");
        handedOff.poll().run(); // nothing waits any more
        assertThat(settled).hasSize(1);
    }
}
