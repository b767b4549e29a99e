package dev.spool.kafka.txn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.kafka.txn.TransactionMetadata.PartitionRef;
import dev.spool.log.CorruptLogException;
import dev.spool.log.LoadState;
import dev.spool.log.Log;
import dev.spool.log.LogConfig;
import dev.spool.log.io.FileIO;
import dev.spool.log.record.BatchBuilder;
import dev.spool.log.record.EndTransactionMarker;
import dev.spool.log.record.RecordBatch;
import dev.spool.log.tool.BatchContentCheck;
import dev.spool.log.tool.LogVerifier;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code spool verify}'s check of the transaction log agrees with what the store's replay accepts. */
class TransactionLogCheckTest {
    private static final long NOW_MS = 1_700_000_000_000L;

    @TempDir
    Path data;

    private Path logDir() {
        return data.resolve(TransactionStore.DIR_NAME);
    }

    private TransactionStore openStore() throws IOException {
        return TransactionStore.open(FileIO.real(), logDir(), () -> NOW_MS, Runnable::run, new SimpleMeterRegistry(),
                1000);
    }

    /** Three states of two ids and a tombstone, as the coordinator writes them. */
    private void populate() throws Exception {
        try (TransactionStore store = openStore()) {
            TreeSet<PartitionRef> partitions = new TreeSet<>();
            partitions.add(new PartitionRef("orders", 3));
            store.write(new TransactionMetadata("t", 7, (short) 0, 30_000, TransactionState.EMPTY, new TreeSet<>(),
                    -1L, NOW_MS)).get();
            store.write(new TransactionMetadata("t", 7, (short) 0, 30_000, TransactionState.ONGOING, partitions,
                    NOW_MS, NOW_MS)).get();
            store.write(new TransactionMetadata("gone", 8, (short) 2, 30_000, TransactionState.COMPLETE_ABORT,
                    new TreeSet<>(), -1L, NOW_MS)).get();
            store.remove("gone").get();
        }
    }

    /** Appends one batch straight to the log, past the store's codec; returns its offset. */
    private long appendRaw(byte[] key, byte[] value, boolean control) throws IOException {
        try (Log log = Log.open(logDir(), LogConfig.defaults().withRetentionMs(-1), LoadState.unknown())) {
            ByteBuffer batch = control ? new EndTransactionMarker(true, 0).encode(7, (short) 0, NOW_MS) : built(key,
                    value);
            return log.append(batch).firstOffset();
        }
    }

    private static ByteBuffer built(byte[] key, byte[] value) {
        BatchBuilder builder = new BatchBuilder(4096);
        builder.tryAppend(NOW_MS, key, value);
        ByteBuffer batch = builder.build();
        return ByteBuffer.allocate(batch.remaining()).put(batch).flip();
    }

    @Test
    void noDirectoryIsNothingToCheck() throws IOException {
        assertThat(new TransactionLogCheck(FileIO.real()).check(data)).isEmpty();
    }

    @Test
    void aLogTheStoreWroteIsSound() throws Exception {
        populate();
        assertThat(new TransactionLogCheck(FileIO.real()).check(data)).isEmpty();
    }

    @Test
    void aRecordThatDoesNotDecodeIsReportedWhereItLies() throws Exception {
        populate();
        byte[] key = TransactionLogCodec.encodeKey("t");
        long offset = appendRaw(key, "not a transaction state".getBytes(StandardCharsets.UTF_8), false);
        Path segment = logDir().resolve("00000000000000000000.log");
        assertThat(new TransactionLogCheck(FileIO.real()).check(data)).singleElement().satisfies(finding -> {
            assertThat(finding.severity()).isEqualTo(LogVerifier.Severity.ERROR);
            assertThat(finding.kind()).isEqualTo(LogVerifier.Kind.FILE_CORRUPT);
            assertThat(finding.file()).isEqualTo(segment);
            assertThat(finding.offset()).isEqualTo(offset);
            assertThat(finding.position()).isPositive();
            assertThat(finding.problem()).startsWith("transaction record does not decode: ")
                    .endsWith("; the server cannot replay the transactions' states (spool repair __transaction_state)");
        });
        assertThatThrownBy(this::openStore).as("the replay refuses the same record")
                .isInstanceOf(CorruptLogException.class).hasMessageContaining("offset " + offset);
    }

    @Test
    void aControlBatchIsNotATransactionRecord() throws Exception {
        populate();
        long offset = appendRaw(null, null, true);
        assertThat(new TransactionLogCheck(FileIO.real()).check(data)).singleElement()
                .satisfies(finding -> assertThat(finding.offset()).isEqualTo(offset));
        assertThatThrownBy(this::openStore).as("the replay refuses it too").isInstanceOf(CorruptLogException.class);
    }

    @Test
    void repairRefusesTheBatchesVerifyReports() {
        BatchContentCheck contents = new TransactionLogCheck(FileIO.real()).contents();
        assertThat(contents.problem(built(TransactionLogCodec.encodeKey("t"), TransactionLogCodec.encodeValue(
                new TransactionMetadata("t", 7, (short) 0, 30_000, TransactionState.EMPTY, new TreeSet<>(), -1L,
                        NOW_MS))))).isEmpty();
        assertThat(contents.problem(built(TransactionLogCodec.encodeKey("t"), new byte[] {0, 9})))
                .hasValueSatisfying(p -> assertThat(p).startsWith("transaction record at offset 0 does not decode: "));
        assertThat(contents.problem(new EndTransactionMarker(true, 0).encode(7, (short) 0, NOW_MS)))
                .as("a control batch").isPresent();
        ByteBuffer unframed = built(TransactionLogCodec.encodeKey("t"), new byte[] {0, 9});
        unframed.put(RecordBatch.RECORDS_OFFSET, (byte) 1); // the record's length: -1 (zigzag varint)
        unframed.putInt(RecordBatch.CRC_OFFSET, (int) RecordBatch.computeCrc(unframed, 0));
        assertThat(contents.problem(unframed)).as("a CRC over records that do not parse")
                .hasValueSatisfying(p -> assertThat(p).startsWith("records do not parse: "));
    }

    @Test
    void onlyTheFirstUndecodableRecordIsReported() throws Exception {
        populate();
        long first = appendRaw(new byte[] {0, 9}, null, false); // a key cut short
        appendRaw(new byte[] {0, 9}, null, false);
        assertThat(new TransactionLogCheck(FileIO.real()).check(data)).singleElement()
                .satisfies(finding -> assertThat(finding.offset()).isEqualTo(first));
    }
}
