package dev.spool.log.compaction;

import static dev.spool.log.compaction.CompactionLogs.append;
import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.AbortedTransaction;
import dev.spool.log.CleanerSettings;
import dev.spool.log.Durability;
import dev.spool.log.LoadState;
import dev.spool.log.Log;
import dev.spool.log.LogConfig;
import dev.spool.log.ReadResult;
import dev.spool.log.compaction.CompactionLogs.Kv;
import dev.spool.log.io.FileIO;
import dev.spool.log.record.BatchBuilder;
import dev.spool.log.record.EndTransactionMarker;
import dev.spool.log.record.RecordBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cleaner's transaction rules ({@link CleanedTransactions}), one test per rule. */
class CleanerTransactionsTest {
    private static final long DAY_MS = 24L * 60 * 60 * 1000;
    private static final long PRODUCER = 7;
    @TempDir
    Path dir;
    private final AtomicLong clock = new AtomicLong(10 * DAY_MS);
    private final Map<Long, Integer> sequences = new HashMap<>();

    /** A batch's header, as a test looks at it. */
    record Batch(long baseOffset, long lastOffset, boolean control, boolean transactional, long producerId,
                 int baseSequence, int records) {
    }

    private Log open() throws IOException {
        return Log.open(FileIO.real(), dir.resolve("t-0"), LogConfig.defaults(), LoadState.unknown(), clock::get);
    }

    private static Cleaner cleaner() {
        return new Cleaner(FileIO.real(), CleanerSettings.defaults());
    }

    /** Appends one transactional batch of {@code keyValues} by {@code producer}; returns its base offset. */
    private long transactional(Log log, long producer, String... keyValues) throws IOException {
        int sequence = sequences.getOrDefault(producer, 0);
        BatchBuilder builder = new BatchBuilder(1 << 16).producer(producer, (short) 0, sequence).transactional(true);
        for (int i = 0; i < keyValues.length; i += 2) {
            builder.append(clock.get(), bytes(keyValues[i]), bytes(keyValues[i + 1]), null);
        }
        sequences.put(producer, sequence + keyValues.length / 2);
        ByteBuffer built = builder.build();
        return log.append(ByteBuffer.allocate(built.remaining()).put(built).flip()).firstOffset();
    }

    private long marker(Log log, long producer, boolean commit) throws IOException {
        return log.append(new EndTransactionMarker(commit, 0).encode(producer, (short) 0, clock.get())).firstOffset();
    }

    /** An aborted transaction of one batch: the batch, the marker, the index entry. */
    private AbortedTransaction abort(Log log, long producer, String... keyValues) throws IOException {
        long first = transactional(log, producer, keyValues);
        long marker = marker(log, producer, false);
        AbortedTransaction aborted = new AbortedTransaction(producer, first, marker, marker + 1);
        log.recordAbortedTransaction(aborted, Durability.STRICT);
        return aborted;
    }

    private static ByteBuffer bytes(String s) {
        return s == null ? null : ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    static List<Batch> batches(Log log) throws IOException {
        List<Batch> out = new ArrayList<>();
        long offset = log.logStartOffset();
        while (offset < log.logEndOffset()) {
            ReadResult result = log.read(offset, 1 << 20);
            ByteBuffer b = result.batches();
            for (int at = b.position(); at < b.limit(); at += RecordBatch.sizeInBytes(b, at)) {
                if (RecordBatch.lastOffset(b, at) >= offset) {
                    out.add(new Batch(RecordBatch.baseOffset(b, at), RecordBatch.lastOffset(b, at),
                            RecordBatch.isControl(b, at), RecordBatch.isTransactional(b, at),
                            RecordBatch.producerId(b, at), RecordBatch.baseSequence(b, at),
                            RecordBatch.recordCount(b, at)));
                }
            }
            offset = result.nextOffset(offset);
        }
        return out;
    }

    /** The log's data records (control records left out). */
    static List<Kv> readAll(Log log) throws IOException {
        List<Long> controls = batches(log).stream().filter(Batch::control).map(Batch::baseOffset).toList();
        return CompactionLogs.readAll(log).stream().filter(kv -> !controls.contains(kv.offset())).toList();
    }

    private static boolean hasControlAt(Log log, long offset) throws IOException {
        return batches(log).stream().anyMatch(b -> b.control() && b.baseOffset() == offset);
    }

    @Test
    void abortedRecordsGoAndTheirKeysKeepTheCommittedValue() throws IOException {
        try (Log log = open()) {
            append(log, clock.get(), "a", "1", "b", "1"); // 0, 1
            AbortedTransaction aborted = abort(log, PRODUCER, "a", "aborted", "c", "aborted"); // 2, 3; marker 4
            transactional(log, PRODUCER, "d", "committed"); // 5
            marker(log, PRODUCER, true); // 6
            log.roll();
            append(log, clock.get(), "z", "active");
            CleanResult result = log.clean(cleaner(), 0);

            assertThat(readAll(log)).containsExactly(new Kv(0, "a", "1"), new Kv(1, "b", "1"),
                    new Kv(5, "d", "committed"), new Kv(7, "z", "active"));
            assertThat(result.recordsRemoved()).isEqualTo(2);
            assertThat(batches(log)).noneMatch(b -> b.baseOffset() == 2 && b.producerId() == PRODUCER);
            assertThat(hasControlAt(log, 4)).as("the abort marker waits for delete.retention.ms").isTrue();
            assertThat(log.abortedTransactions(0, Long.MAX_VALUE)).containsExactly(aborted);
        }
    }

    @Test
    void committedTransactionalRecordsAreCompactedAndEmptiedBatchesGo() throws IOException {
        try (Log log = open()) {
            transactional(log, PRODUCER, "a", "1", "b", "1"); // 0, 1
            marker(log, PRODUCER, true); // 2
            transactional(log, PRODUCER, "a", "2"); // 3
            marker(log, PRODUCER, true); // 4
            transactional(log, PRODUCER, "b", "2"); // 5
            marker(log, PRODUCER, true); // 6
            log.roll();
            append(log, clock.get(), "z", "active");
            log.clean(cleaner(), 0);

            assertThat(readAll(log)).containsExactly(new Kv(3, "a", "2"), new Kv(5, "b", "2"),
                    new Kv(7, "z", "active"));
            assertThat(batches(log)).as("the emptied batch is dropped whole: its producer wrote later")
                    .noneMatch(b -> b.baseOffset() == 0 && b.producerId() == PRODUCER);
            assertThat(hasControlAt(log, 4)).isTrue();
            assertThat(hasControlAt(log, 6)).isTrue();
        }
    }

    @Test
    void theProducersLastDataBatchStaysEmptyWithItsMarker() throws IOException {
        try (Log log = open()) {
            transactional(log, PRODUCER, "a", "1", "b", "1"); // 0, 1
            marker(log, PRODUCER, true); // 2
            append(log, clock.get(), "a", "2", "b", "2"); // 3, 4: supersede both
            log.roll();
            append(log, clock.get(), "z", "active");
            long dirty = log.clean(cleaner(), 0).firstDirtyOffset();
            clock.addAndGet(2 * DAY_MS);
            log.roll();
            append(log, clock.get(), "y", "later");
            log.roll();
            log.clean(cleaner(), dirty);

            assertThat(readAll(log)).extracting(Kv::offset).doesNotContain(0L, 1L);
            assertThat(batches(log)).contains(new Batch(0, 1, false, true, PRODUCER, 0, 0));
            assertThat(hasControlAt(log, 2)).as("its transaction kept a batch: the marker stays").isTrue();
        }
    }

    @Test
    void markersAndTheirIndexEntriesGoAfterDeleteRetentionOnceTheirDataIsGone() throws IOException {
        try (Log log = open()) {
            AbortedTransaction aborted = abort(log, PRODUCER, "a", "aborted"); // 0; marker 1
            transactional(log, PRODUCER, "b", "1"); // 2
            marker(log, PRODUCER, true); // 3
            transactional(log, PRODUCER, "b", "2"); // 4
            marker(log, PRODUCER, true); // 5
            log.roll();
            append(log, clock.get(), "z", "active");
            long dirty = log.clean(cleaner(), 0).firstDirtyOffset();
            assertThat(hasControlAt(log, 1)).isTrue();
            assertThat(hasControlAt(log, 3)).isTrue();

            // Half the retention later, with the producer writing on: the markers stay.
            clock.addAndGet(DAY_MS / 2);
            dirty = nextRound(log, dirty);
            assertThat(hasControlAt(log, 1)).isTrue();
            assertThat(hasControlAt(log, 3)).isTrue();
            assertThat(log.abortedTransactions(0, Long.MAX_VALUE)).containsExactly(aborted);

            clock.addAndGet(2 * DAY_MS); // past the retention of the regrouped segment's newest record too
            nextRound(log, dirty);
            assertThat(hasControlAt(log, 1)).as("abort marker past retention, its data gone").isFalse();
            assertThat(hasControlAt(log, 3)).as("commit marker past retention, its data gone").isFalse();
            assertThat(hasControlAt(log, 5)).as("its transaction's record b=2 stays").isTrue();
            assertThat(log.abortedTransactions(0, Long.MAX_VALUE)).isEmpty();
        }
        try (Log log = open()) {
            assertThat(log.abortedTransactions(0, Long.MAX_VALUE)).as("after a reopen").isEmpty();
        }
    }

    @Test
    void theMarkersOfAProducerThatWroteNoMoreStay() throws IOException {
        try (Log log = open()) {
            AbortedTransaction aborted = abort(log, PRODUCER, "a", "aborted"); // 0; marker 1
            transactional(log, PRODUCER, "b", "1"); // 2
            marker(log, PRODUCER, true); // 3
            append(log, clock.get(), "b", "2"); // 4
            log.roll();
            append(log, clock.get(), "z", "active");
            long dirty = log.clean(cleaner(), 0).firstDirtyOffset();
            clock.addAndGet(3 * DAY_MS);
            log.roll();
            append(log, clock.get(), "y", "later"); // another writer only
            log.roll();
            log.clean(cleaner(), dirty);

            assertThat(readAll(log)).extracting(Kv::value).containsExactly("2", "active", "later");
            assertThat(hasControlAt(log, 1)).as("its producer's epoch may live only in its markers").isTrue();
            assertThat(hasControlAt(log, 3)).isTrue();
            assertThat(batches(log)).as("the producer's last data batch, emptied")
                    .contains(new Batch(2, 2, false, true, PRODUCER, 1, 0));
            assertThat(log.abortedTransactions(0, Long.MAX_VALUE)).containsExactly(aborted);
        }
    }

    /** The producer writes a committed transaction in a segment of its own, then a round runs. */
    private long nextRound(Log log, long dirty) throws IOException {
        log.roll();
        transactional(log, PRODUCER, "c", "x" + clock.get());
        marker(log, PRODUCER, true);
        log.roll();
        append(log, clock.get(), "z", "active");
        return log.clean(cleaner(), dirty).firstDirtyOffset();
    }

    @Test
    void nothingAtOrPastTheFirstUnstableOffsetIsCleaned() throws IOException {
        try (Log log = open()) {
            append(log, clock.get(), "a", "1"); // 0
            append(log, clock.get(), "a", "2"); // 1
            long open = transactional(log, PRODUCER, "a", "open"); // 2: a transaction not ended yet
            append(log, clock.get(), "a", "3"); // 3
            log.roll();
            append(log, clock.get(), "z", "active");
            log.setFirstUnstableOffset(() -> open);
            CleanResult result = log.clean(cleaner(), 0);

            assertThat(result.firstDirtyOffset()).isEqualTo(open);
            assertThat(readAll(log)).containsExactly(new Kv(1, "a", "2"), new Kv(2, "a", "open"),
                    new Kv(3, "a", "3"), new Kv(4, "z", "active"));

            marker(log, PRODUCER, true); // 5
            log.roll();
            log.setFirstUnstableOffset(() -> Long.MAX_VALUE);
            log.clean(cleaner(), result.firstDirtyOffset());
            assertThat(readAll(log)).extracting(Kv::value).containsExactly("3", "active");
        }
    }
}
