package dev.spool.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.record.BatchBuilder;
import dev.spool.log.record.CompressionType;
import dev.spool.log.record.Record;
import dev.spool.log.record.RecordBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A compacted log takes only records with a key, as Kafka's broker; other logs take any record. */
class CompactedLogAppendTest {
    private static final LogConfig COMPACTED = LogConfig.defaults().withCompaction(CompactionConfig.defaults());

    @TempDir
    Path dir;

    /**
     * A batch of {@code codec} with one record per key; a null key makes a keyless record. Values
     * repeat so that every codec shrinks the batch (the builder keeps a compressed batch only then).
     */
    static ByteBuffer batch(CompressionType codec, String... keys) {
        BatchBuilder builder = new BatchBuilder(1 << 20).compression(codec);
        for (int i = 0; i < keys.length; i++) {
            byte[] key = keys[i] == null ? null : keys[i].getBytes(StandardCharsets.UTF_8);
            builder.append(1000 + i, key == null ? null : ByteBuffer.wrap(key),
                    ByteBuffer.wrap(("value-" + i + "-".repeat(200)).getBytes(StandardCharsets.UTF_8)),
                    new dev.spool.log.record.Header[0]);
        }
        ByteBuffer built = builder.build();
        assertThat(RecordBatch.compression(built, built.position())).isEqualTo(codec);
        ByteBuffer copy = ByteBuffer.allocate(built.remaining());
        copy.put(built).flip();
        return copy;
    }

    static List<String> keys(ByteBuffer batches) throws IOException {
        List<String> out = new ArrayList<>();
        for (int at = batches.position(); at < batches.limit(); at += RecordBatch.sizeInBytes(batches, at)) {
            for (Record record : RecordBatch.records(batches, at)) {
                out.add(new String(record.keyBytes(), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void aKeylessRecordIsRefusedNamingItsIndexAndTheLogWhichStaysUnchanged(CompressionType codec) throws IOException {
        assertThat(COMPACTED.compacted()).isTrue();
        try (Log log = Log.open(dir.resolve("changelog-0"), COMPACTED, LoadState.unknown())) {
            log.append(batch(codec, "a", "b"));
            long sizeBefore = log.sizeBytes();
            assertThatThrownBy(() -> log.append(batch(codec, "c", null, "d", null)))
                    .isInstanceOfSatisfying(KeylessRecordException.class, e -> {
                        assertThat(e.reason()).isEqualTo(InvalidBatchException.Reason.KEY_REQUIRED);
                        assertThat(e.recordIndexes()).containsExactly(1, 3);
                        assertThat(e.batchPosition()).isZero();
                        assertThat(e.log()).isEqualTo("changelog-0");
                    })
                    .hasMessage("Records [1, 3] of the batch at position 0 of the append to changelog-0 have no key: "
                            + "the log is compacted and accepts only records with a key");
            assertThat(log.sizeBytes()).isEqualTo(sizeBefore);
            assertThat(log.logEndOffset()).isEqualTo(2);

            log.append(batch(codec, "a", "e"));
            assertThat(keys(log.read(0, 1 << 20).batches())).containsExactly("a", "b", "a", "e");
        }
    }

    @Test
    void theFirstBatchWithAKeylessRecordIsNamedByItsPositionInTheAppend() throws IOException {
        ByteBuffer first = batch(CompressionType.NONE, "a");
        ByteBuffer second = batch(CompressionType.GZIP, (String) null);
        ByteBuffer both = ByteBuffer.allocate(first.remaining() + second.remaining());
        both.put(first.duplicate()).put(second.duplicate()).flip();
        try (Log log = Log.open(dir.resolve("changelog-0"), COMPACTED, LoadState.unknown())) {
            assertThatThrownBy(() -> log.append(both)).isInstanceOfSatisfying(KeylessRecordException.class, e -> {
                assertThat(e.batchPosition()).isEqualTo(first.remaining());
                assertThat(e.recordIndexes()).containsExactly(0);
            }).hasMessageStartingWith("Record 0 of the batch at position " + first.remaining() + " ");
            assertThat(log.logEndOffset()).isZero();
        }
    }

    @Test
    void anEmptyKeyIsAKey() throws IOException {
        try (Log log = Log.open(dir.resolve("changelog-0"), COMPACTED, LoadState.unknown())) {
            assertThat(log.append(batch(CompressionType.LZ4, "")).lastOffset()).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void aDeletePolicyLogTakesKeylessRecords(CompressionType codec) throws IOException {
        try (Log log = Log.open(dir.resolve("events-0"), LogConfig.defaults(), LoadState.unknown())) {
            assertThat(log.config().compacted()).isFalse();
            assertThat(log.append(batch(codec, null, "k", null)).lastOffset()).isEqualTo(2);
        }
    }

    @Test
    void reconfiguringToCompactStartsRefusingAndBackToDeleteStopsRefusing() throws IOException {
        try (Log log = Log.open(dir.resolve("t-0"), LogConfig.defaults(), LoadState.unknown())) {
            log.append(batch(CompressionType.NONE, (String) null));
            log.reconfigure(log.config().withCleanupPolicy(CleanupPolicy.COMPACT_DELETE));
            assertThatThrownBy(() -> log.append(batch(CompressionType.NONE, (String) null)))
                    .isInstanceOf(KeylessRecordException.class);
            log.reconfigure(log.config().withCleanupPolicy(CleanupPolicy.DELETE));
            assertThat(log.append(batch(CompressionType.NONE, (String) null)).firstOffset()).isEqualTo(1);
        }
    }

    /** As Kafka's: compact alone never trims by time or size; compact,delete does. */
    @ParameterizedTest
    @EnumSource(value = CleanupPolicy.class, names = {"COMPACT", "COMPACT_DELETE"})
    void retentionAppliesOnlyWhenThePolicyDeletes(CleanupPolicy policy) throws IOException {
        LogConfig config = COMPACTED.withCleanupPolicy(policy).withSegmentBytes(1024).withRetentionMs(1)
                .withRetentionBytes(1);
        try (Log log = Log.open(dir.resolve("t-0"), config, LoadState.unknown())) {
            for (int i = 0; i < 12; i++) {
                log.append(batch(CompressionType.NONE, "k" + i)); // timestamps from 1000: long expired
            }
            int segments = log.segmentCount();
            assertThat(segments).isGreaterThan(2);
            int deleted = log.applyRetention(1_000_000);
            assertThat(deleted).isEqualTo(policy.deletes() ? segments : 0);
        }
    }

    @Test
    void aCorruptCompressedBatchOnACompactedLogIsCorruptNotKeyless() throws IOException {
        ByteBuffer bad = batch(CompressionType.GZIP, "a", "b");
        int trailer = bad.limit() - 8; // gzip's CRC-32 of the records, checked on decompression
        bad.put(trailer, (byte) (bad.get(trailer) ^ 0xff));
        bad.putInt(RecordBatch.CRC_OFFSET, (int) RecordBatch.computeCrc(bad, 0)); // a valid CRC over bad bytes
        try (Log log = Log.open(dir.resolve("changelog-0"), COMPACTED, LoadState.unknown())) {
            assertThatThrownBy(() -> log.append(bad)).isInstanceOfSatisfying(InvalidBatchException.class,
                    e -> assertThat(e.reason()).isEqualTo(InvalidBatchException.Reason.CORRUPT))
                    .hasMessageContaining("changelog-0");
            assertThat(log.logEndOffset()).isZero();
        }
    }
}
