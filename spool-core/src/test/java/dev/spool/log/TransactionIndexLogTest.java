package dev.spool.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.io.FileIO;
import dev.spool.log.io.ForwardingFileIO;
import dev.spool.log.io.StorageFile;
import dev.spool.log.record.BatchBuilder;
import dev.spool.log.record.EndTransactionMarker;
import dev.spool.log.segment.CorruptIndexException;
import dev.spool.log.segment.SegmentFiles;
import dev.spool.log.segment.TransactionIndex;
import dev.spool.log.AbortedTransaction;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The aborted-transaction index as the log keeps it: one {@code .txnindex} per segment that holds
 * an abort marker, with the segment's life (roll, flush, close, retention, truncation, reopen) and
 * the recovery rules of {@code docs/durability.md}.
 */
class TransactionIndexLogTest {
    private static final long PRODUCER = 42;
    private static final short EPOCH = 3;
    /** Small segments: a few batches each. */
    private static final LogConfig CONFIG = LogConfig.defaults().withSegmentBytes(400).withIndexIntervalBytes(50);

    @TempDir
    Path dir;

    private Path logDir() {
        return dir.resolve("t-0");
    }

    private Path txnFile(long base) {
        return SegmentFiles.txnIndexFile(logDir(), base);
    }

    /** Appends a transactional batch of {@code records} records; returns its first offset. */
    static long appendTransactional(Log log, int records) throws IOException {
        BatchBuilder builder = new BatchBuilder(1 << 16).producer(PRODUCER, EPOCH, 0).transactional(true);
        for (int i = 0; i < records; i++) {
            builder.tryAppend(1000, null, ("txn-" + i).getBytes());
        }
        ByteBuffer built = builder.build();
        ByteBuffer copy = ByteBuffer.allocate(built.remaining()).put(built).flip();
        return log.append(copy).firstOffset();
    }

    /** Appends an abort marker; returns its offset. */
    static long appendAbort(Log log) throws IOException {
        return log.append(new EndTransactionMarker(false, 0).encode(PRODUCER, EPOCH, 1000)).firstOffset();
    }

    /** A transaction of one batch, aborted: the entry the log was asked to record. */
    private static AbortedTransaction abortOne(Log log, Durability durability) throws IOException {
        long first = appendTransactional(log, 2);
        long marker = appendAbort(log);
        AbortedTransaction aborted = new AbortedTransaction(PRODUCER, first, marker, marker + 1);
        log.recordAbortedTransaction(aborted, durability);
        return aborted;
    }

    private static List<AbortedTransaction> onDisk(Path file, long base) throws IOException {
        TransactionIndex index = TransactionIndex.load(FileIO.real(), file, base);
        List<AbortedTransaction> out = new ArrayList<>();
        for (int i = 0; i < index.entries(); i++) {
            out.add(index.entry(i));
        }
        return out;
    }

    @Test
    void theFileIsCreatedWithTheSegmentsFirstEntryAndFlushedWithTheSegment() throws IOException {
        try (Log log = Log.open(logDir(), LogConfig.defaults(), LoadState.unknown())) {
            log.append(LogTest.batch(1000, "plain"));
            log.flush();
            assertThat(txnFile(0)).doesNotExist(); // most segments never get one

            AbortedTransaction relaxed = abortOne(log, Durability.NONE);
            assertThat(txnFile(0)).doesNotExist(); // in memory until the segment's next flush
            assertThat(log.abortedTransactions(0, log.logEndOffset())).containsExactly(relaxed);
            log.flush();
            assertThat(onDisk(txnFile(0), 0)).containsExactly(relaxed);

            AbortedTransaction strict = abortOne(log, Durability.STRICT);
            assertThat(onDisk(txnFile(0), 0)).containsExactly(relaxed, strict); // fsynced before the return
        }
    }

    @Test
    void closeFlushesAnIndexHeldInMemoryAndTheOpenLoadsIt() throws IOException {
        AbortedTransaction aborted;
        try (Log log = Log.open(logDir(), CONFIG, LoadState.unknown())) {
            aborted = abortOne(log, Durability.NONE);
        }
        assertThat(onDisk(txnFile(0), 0)).containsExactly(aborted);
        for (LoadState state : List.of(LoadState.clean(), LoadState.unknown())) {
            try (Log log = Log.open(logDir(), CONFIG, state)) {
                assertThat(log.abortedTransactions(0, Long.MAX_VALUE)).as("%s", state).containsExactly(aborted);
            }
        }
    }

    @Test
    void refusesMarkersOutsideTheLogAndOutOfOrder() throws IOException {
        try (Log log = Log.open(logDir(), CONFIG, LoadState.unknown())) {
            AbortedTransaction recorded = abortOne(log, Durability.NONE);
            long end = log.logEndOffset();
            assertThatThrownBy(() -> log.recordAbortedTransaction(new AbortedTransaction(1, 0, end, end), Durability.NONE))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside the offsets");
            assertThatThrownBy(() -> log.recordAbortedTransaction(
                    new AbortedTransaction(1, 0, recorded.lastOffset() - 1, end), Durability.NONE))
                    .isInstanceOf(IllegalArgumentException.class);

            for (int i = 0; i < 6; i++) {
                log.append(LogTest.batch(1000, "filler-" + i));
            }
            log.advanceLogStartOffset(log.logEndOffset() - 1);
            long start = log.logStartOffset();
            assertThatThrownBy(() -> log.recordAbortedTransaction(
                    new AbortedTransaction(1, start - 1, start - 1, start), Durability.NONE))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside the offsets");
        }
    }

    @Test
    void aTransactionThatBeganInAnEarlierSegmentIsFoundFromThere() throws IOException {
        try (Log log = Log.open(logDir(), CONFIG, LoadState.unknown())) {
            long first = appendTransactional(log, 2);
            log.roll();
            log.append(LogTest.batch(1000, "plain"));
            long marker = appendAbort(log);
            AbortedTransaction spanning = new AbortedTransaction(PRODUCER, first, marker, marker + 1);
            log.recordAbortedTransaction(spanning, Durability.STRICT);
            long secondBase = log.segments().get(1).baseOffset();
            assertThat(txnFile(secondBase)).exists();
            assertThat(txnFile(0)).doesNotExist(); // the entry lives with its marker

            assertThat(log.abortedTransactions(first, first + 1)).containsExactly(spanning);
            assertThat(log.abortedTransactions(marker, Long.MAX_VALUE)).containsExactly(spanning);
            assertThat(log.abortedTransactions(marker + 1, Long.MAX_VALUE)).isEmpty(); // ended before the fetch
            long plain = secondBase;
            assertThat(log.abortedTransactions(0, first)).isEmpty(); // the fetch ends before it began
            assertThat(log.abortedTransactions(plain, plain + 1)).containsExactly(spanning);
        }
    }

    @Test
    void rollLeavesTheEntriesWithTheirSegment() throws IOException {
        try (Log log = Log.open(logDir(), CONFIG, LoadState.unknown())) {
            AbortedTransaction aborted = abortOne(log, Durability.NONE);
            log.roll(); // the rolled segment is flushed (in line here), its index with it
            assertThat(onDisk(txnFile(0), 0)).containsExactly(aborted);
            assertThat(txnFile(log.segments().get(1).baseOffset())).doesNotExist();
        }
    }

    @Test
    void anEntryForASegmentRolledAfterItsMarkerIsWrittenAtOnce() throws IOException {
        try (Log log = Log.open(logDir(), CONFIG, LoadState.unknown())) {
            long first = appendTransactional(log, 1);
            long marker = appendAbort(log);
            log.roll(); // between the marker's append and the record call; the flush of the roll has run
            AbortedTransaction aborted = new AbortedTransaction(PRODUCER, first, marker, marker + 1);
            log.recordAbortedTransaction(aborted, Durability.NONE);
            assertThat(onDisk(txnFile(0), 0)).containsExactly(aborted); // no later flush would reach it
        }
    }

    @Test
    void retentionAndDeleteRecordsDeleteTheFileWithItsSegment() throws IOException {
        try (Log log = Log.open(logDir(), CONFIG.withRetentionBytes(1), LoadState.unknown())) {
            abortOne(log, Durability.STRICT);
            log.roll();
            long secondBase = log.logEndOffset();
            abortOne(log, Durability.STRICT);
            log.roll();
            log.append(LogTest.batch(1000, "plain"));
            assertThat(txnFile(0)).exists();
            assertThat(txnFile(secondBase)).exists();

            log.advanceLogStartOffset(secondBase);
            assertThat(txnFile(0)).doesNotExist();
            assertThat(Files.exists(logDir().resolve(SegmentFiles.baseName(0) + SegmentFiles.TXN_INDEX_SUFFIX
                    + SegmentFiles.DELETED_SUFFIX))).isFalse();
            log.applyRetention(System.currentTimeMillis());
            assertThat(txnFile(secondBase)).doesNotExist();
            assertThat(log.abortedTransactions(log.logStartOffset(), Long.MAX_VALUE)).isEmpty();
        }
    }

    @Test
    void truncationDropsEntriesAtOrPastTheCutAndTheFilesOfRemovedSegments() throws IOException {
        try (Log log = Log.open(logDir(), CONFIG, LoadState.unknown())) {
            AbortedTransaction kept = abortOne(log, Durability.NONE);
            AbortedTransaction cut = abortOne(log, Durability.NONE);
            log.roll();
            long secondBase = log.logEndOffset();
            abortOne(log, Durability.STRICT);
            assertThat(txnFile(secondBase)).exists();

            log.truncateTo(cut.lastOffset());
            assertThat(txnFile(secondBase)).doesNotExist();
            assertThat(onDisk(txnFile(0), 0)).containsExactly(kept); // the cut is forced at once
            assertThat(log.abortedTransactions(0, Long.MAX_VALUE)).containsExactly(kept);

            AbortedTransaction after = abortOne(log, Durability.NONE);
            assertThat(after.lastOffset()).isGreaterThan(kept.lastOffset());
        }
        try (Log log = Log.open(logDir(), CONFIG, LoadState.clean())) {
            assertThat(log.abortedTransactions(0, Long.MAX_VALUE)).hasSize(2);
        }
    }

    @Test
    void deletingATopicDeletesItsTransactionIndexes() throws IOException {
        Path dataDir = dir.resolve("data");
        try (LogManager manager = LogManager.open(dataDir, LogManagerConfig.defaults().withoutBackgroundTasks())) {
            manager.createTopic("txn", 1);
            Log log = manager.log("txn", 0);
            abortOne(log, Durability.STRICT);
            Path partition = log.dir();
            assertThat(SegmentFiles.txnIndexFile(partition, 0)).exists();
            manager.deleteTopic("txn");
            assertThat(partition).doesNotExist();
        }
    }

    // ---- recovery ----

    /** Writes raw entries (no checks) as the file of the segment at {@code base}. */
    private void writeRaw(long base, AbortedTransaction... entries) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(entries.length * TransactionIndex.ENTRY_BYTES);
        for (AbortedTransaction t : entries) {
            bytes.putShort((short) 0).putLong(t.producerId()).putLong(t.firstOffset()).putLong(t.lastOffset())
                    .putLong(t.lastStableOffset());
        }
        Files.write(txnFile(base), bytes.array());
    }

    @Test
    void entriesWhoseMarkerDidNotSurviveAreDroppedOnOpen() throws IOException {
        AbortedTransaction kept;
        long end;
        try (Log log = Log.open(logDir(), CONFIG, LoadState.unknown())) {
            kept = abortOne(log, Durability.STRICT);
            end = log.logEndOffset();
        }
        // As if the entry was forced but its marker's batch was cut as a torn tail.
        AbortedTransaction lost = new AbortedTransaction(PRODUCER, end, end + 2, end + 3);
        AbortedTransaction atTheEnd = new AbortedTransaction(PRODUCER, end, end, end + 1);
        writeRaw(0, kept, atTheEnd, lost);
        try (Log log = Log.open(logDir(), CONFIG, LoadState.unknown())) {
            assertThat(log.logEndOffset()).isEqualTo(end);
            assertThat(log.abortedTransactions(0, Long.MAX_VALUE)).containsExactly(kept);
        }
        assertThat(onDisk(txnFile(0), 0)).containsExactly(kept); // the drop is written, forced
    }

    @Test
    void aTornPartialEntryIsCutOffToWholeEntries() throws IOException {
        AbortedTransaction kept;
        try (Log log = Log.open(logDir(), CONFIG, LoadState.unknown())) {
            kept = abortOne(log, Durability.STRICT);
        }
        Files.write(txnFile(0), new byte[] {0, 0, 0, 0, 0, 0, 0, 42, 1, 2, 3}, StandardOpenOption.APPEND);
        try (Log log = Log.open(logDir(), CONFIG, LoadState.clean())) {
            assertThat(log.abortedTransactions(0, Long.MAX_VALUE)).containsExactly(kept);
        }
        assertThat(Files.size(txnFile(0))).isEqualTo(TransactionIndex.ENTRY_BYTES);
    }

    @Test
    void anEntryEndingBeforeItBeginsRefusesTheOpenAndKeepsTheFile() throws IOException {
        long end;
        try (Log log = Log.open(logDir(), CONFIG, LoadState.unknown())) {
            appendTransactional(log, 3);
            end = log.logEndOffset();
        }
        writeRaw(0, new AbortedTransaction(PRODUCER, 2, 1, 3));
        byte[] before = Files.readAllBytes(txnFile(0));
        assertThatThrownBy(() -> Log.open(logDir(), CONFIG, LoadState.clean()))
                .isInstanceOf(CorruptIndexException.class)
                .hasMessageContaining(txnFile(0).toString())
                .hasMessageContaining("entry 0 (producer 42, offsets 2 to 1)")
                .hasMessageContaining("the log is not opened");
        assertThat(Files.readAllBytes(txnFile(0))).isEqualTo(before); // nothing lost
        assertThat(end).isEqualTo(3);
    }

    @Test
    void aMarkerOutsideItsSegmentRefusesTheOpen() throws IOException {
        long secondBase;
        try (Log log = Log.open(logDir(), CONFIG, LoadState.unknown())) {
            appendTransactional(log, 3);
            log.roll();
            secondBase = log.logEndOffset();
            appendTransactional(log, 3);
        }
        writeRaw(0, new AbortedTransaction(PRODUCER, 0, secondBase + 1, secondBase + 2));
        for (LoadState state : List.of(LoadState.clean(), LoadState.unknown())) {
            assertThatThrownBy(() -> Log.open(logDir(), CONFIG, state))
                    .as("%s", state)
                    .isInstanceOf(CorruptIndexException.class)
                    .hasMessageContaining(txnFile(0).toString())
                    .hasMessageContaining("past the segment's offsets 0 to " + (secondBase - 1));
        }
        writeRaw(secondBase, new AbortedTransaction(PRODUCER, 0, secondBase - 1, secondBase));
        Files.delete(txnFile(0));
        assertThatThrownBy(() -> Log.open(logDir(), CONFIG, LoadState.clean()))
                .isInstanceOf(CorruptIndexException.class)
                .hasMessageContaining(txnFile(secondBase).toString());
    }

    @Test
    void anOrphanFileIsRemoved() throws IOException {
        try (Log log = Log.open(logDir(), CONFIG, LoadState.unknown())) {
            log.append(LogTest.batch(1000, "plain"));
        }
        writeRaw(5000, new AbortedTransaction(PRODUCER, 5000, 5001, 5002));
        try (Log log = Log.open(logDir(), CONFIG, LoadState.clean())) {
            assertThat(log.abortedTransactions(0, Long.MAX_VALUE)).isEmpty();
        }
        assertThat(txnFile(5000)).doesNotExist();
    }

    // ---- no cost when unused ----

    /** Counts every file operation that names a {@code .txnindex}. */
    private static final class TxnIndexWatch extends ForwardingFileIO {
        final List<String> touched = new ArrayList<>();

        TxnIndexWatch() {
            super(FileIO.real());
        }

        private void note(String op, Path path) {
            if (path.getFileName().toString().contains(SegmentFiles.TXN_INDEX_SUFFIX)) {
                touched.add(op + " " + path.getFileName());
            }
        }

        @Override
        public StorageFile open(Path path, OpenMode mode) throws IOException {
            note("open", path);
            return super.open(path, mode);
        }

        @Override
        public boolean exists(Path path) {
            note("exists", path);
            return super.exists(path);
        }

        @Override
        public long size(Path path) throws IOException {
            note("size", path);
            return super.size(path);
        }
    }

    @Test
    void aLogWithoutTransactionsNeverTouchesATransactionIndex() throws IOException {
        TxnIndexWatch io = new TxnIndexWatch();
        for (LoadState state : List.of(LoadState.unknown(), LoadState.clean(), LoadState.unknown())) {
            try (Log log = Log.open(io, logDir(), CONFIG, state, System::currentTimeMillis)) {
                for (int i = 0; i < 30; i++) {
                    log.append(LogTest.batch(1000, "value-" + i));
                }
                log.read(0, 1 << 20);
                log.readSlice(3, 1 << 20);
                assertThat(log.abortedTransactions(0, Long.MAX_VALUE)).isEmpty();
                log.flush();
                log.truncateTo(log.logEndOffset() - 3);
            }
        }
        assertThat(io.touched).isEmpty();
    }
}
