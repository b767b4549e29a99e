package dev.spool.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.io.FileIO;
import dev.spool.log.record.BatchBuilder;
import dev.spool.log.record.CorruptRecordException;
import dev.spool.log.record.Record;
import dev.spool.log.record.RecordBatch;
import dev.spool.log.record.RecordCursor;
import dev.spool.log.segment.SegmentFiles;
import dev.spool.log.tool.SegmentFileReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The read-path defect: a value changed on disk ({@code r15} to {@code r19}) inside a batch whose
 * CRC no longer matched came back from a read as a sound record, and other damage gave a bare
 * "Varint runs past the end of the record" with no file, position or offset. Every read that
 * decodes records now checks the batch's CRC first and names the file, the batch's position and
 * its base offset. The log is reopened after a clean shutdown, which trusts segments unscanned,
 * as a disk that damaged a sector after the last scan would leave it.
 */
class ReadCorruptionTest {
    private static final int BATCHES = 3;
    private static final int RECORDS_PER_BATCH = 10;

    @TempDir
    Path dir;

    private Path logDir() {
        return dir.resolve("t-0");
    }

    private Path segmentFile() {
        return SegmentFiles.logFile(logDir(), 0);
    }

    /**
     * Writes three batches of ten records whose values are "r" and their offset, timestamped 1000
     * plus the offset; returns the batches' positions in the segment file.
     */
    private long[] writeLog() throws IOException {
        long[] positions = new long[BATCHES];
        try (Log log = Log.open(logDir(), LogConfig.defaults(), LoadState.unknown())) {
            for (int b = 0; b < BATCHES; b++) {
                positions[b] = log.sizeBytes();
                BatchBuilder builder = new BatchBuilder(1 << 16);
                for (int r = 0; r < RECORDS_PER_BATCH; r++) {
                    builder.tryAppend(1_000L + b * RECORDS_PER_BATCH + r, null, ("r" + (b * RECORDS_PER_BATCH + r)).getBytes(StandardCharsets.UTF_8));
                }
                ByteBuffer built = builder.build();
                log.append(ByteBuffer.allocate(built.remaining()).put(built).flip());
            }
            log.flush();
        }
        return positions;
    }

    private Log openClean() throws IOException {
        return Log.open(logDir(), LogConfig.defaults(), LoadState.clean());
    }

    /** Overwrites {@code text} (which must occur once in the file) with {@code replacement}. */
    private void replaceOnDisk(String text, String replacement) throws IOException {
        byte[] bytes = Files.readAllBytes(segmentFile());
        int at = indexOf(bytes, text.getBytes(StandardCharsets.UTF_8));
        byte[] with = replacement.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(with, 0, bytes, at, with.length);
        Files.write(segmentFile(), bytes);
    }

    private static int indexOf(byte[] bytes, byte[] wanted) {
        int found = -1;
        for (int at = 0; at + wanted.length <= bytes.length; at++) {
            if (java.util.Arrays.equals(bytes, at, at + wanted.length, wanted, 0, wanted.length)) {
                assertThat(found).as("the text occurs once").isEqualTo(-1);
                found = at;
            }
        }
        assertThat(found).as("the text occurs").isNotNegative();
        return found;
    }

    private void assertCorruptBatch(ThrowingCallable read, long position, long baseOffset) {
        assertThatThrownBy(read).isInstanceOfSatisfying(CorruptRecordException.class, e -> {
            assertThat(e.file()).contains(segmentFile());
            assertThat(e.position()).isEqualTo(position);
            assertThat(e.baseOffset()).isEqualTo(baseOffset);
            assertThat(e.getMessage()).isEqualTo("Corrupt batch in " + segmentFile() + " at position " + position
                    + " (base offset " + baseOffset + "): " + e.problem());
            assertThat(e.problem()).startsWith("CRC mismatch: stored 0x").contains("expected them equal");
        });
    }

    @Test
    void valueChangedOnDiskFailsTheReadNamingFilePositionAndOffset() throws IOException {
        long[] positions = writeLog();
        try (Log log = openClean()) {
            assertThat(log.read(15, 1 << 20).records()).hasSize(20); // sound before the damage
        }
        replaceOnDisk("r15", "r19");
        try (Log log = openClean()) {
            assertCorruptBatch(() -> log.read(15, 1 << 20).records(), positions[1], 10);
            assertCorruptBatch(() -> log.read(15, ByteBuffer.allocate(1 << 20)).records(), positions[1], 10);
            assertCorruptBatch(() -> log.read(15, 1 << 20).checkBatches(), positions[1], 10);
            // A read that starts at a sound batch reaches the bad one: its position is the bad batch's.
            assertCorruptBatch(() -> log.read(0, 1 << 20).records(), positions[1], 10);
            assertThat(log.read(0, 1).records()).extracting(ReadCorruptionTest::value)
                    .containsExactly("r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9");
            assertThat(log.read(20, 1 << 20).records()).hasSize(10);
            assertThat(log.findOffsetByTimestamp(1_005)).map(TimestampOffset::offset).contains(5L);
            assertCorruptBatch(() -> log.findOffsetByTimestamp(1_015), positions[1], 10);
        }
    }

    @Test
    void varintDamagedInsideABatchFailsOnTheCrcFirst() throws IOException {
        long[] positions = writeLog();
        byte[] bytes = Files.readAllBytes(segmentFile());
        int recordLength = (int) positions[2] + RecordBatch.RECORDS_OFFSET; // the first record's length varint
        bytes[recordLength] = (byte) 0xff; // a varint that never ends within the record
        Files.write(segmentFile(), bytes);
        try (Log log = openClean()) {
            assertCorruptBatch(() -> log.read(25, 1 << 20).records(), positions[2], 20);
        }
    }

    /** {@code RecordCursor.checkCrcs(false)}: a changed value is read as it is; damaged framing is still named. */
    @Test
    void aCursorThatSkipsTheCrcReadsAChangedValueButStillNamesDamagedFraming() throws IOException {
        long[] positions = writeLog();
        replaceOnDisk("r15", "r19");
        byte[] bytes = Files.readAllBytes(segmentFile());
        bytes[(int) positions[2] + RecordBatch.RECORDS_OFFSET] = (byte) 0xff; // the third batch's first record length
        Files.write(segmentFile(), bytes);
        try (Log log = openClean()) {
            RecordCursor cursor = log.read(10, 1 << 20).cursor(new RecordCursor().checkCrcs(false));
            StringBuilder values = new StringBuilder();
            assertThatThrownBy(() -> {
                while (cursor.next()) {
                    values.append(StandardCharsets.UTF_8.decode(cursor.value())).append(' ');
                }
            }).isInstanceOfSatisfying(CorruptRecordException.class, e -> {
                assertThat(e.file()).contains(segmentFile());
                assertThat(e.position()).isEqualTo(positions[2]);
                assertThat(e.baseOffset()).isEqualTo(20);
                assertThat(e.problem()).startsWith("Record 0 has length");
            });
            assertThat(values).hasToString("r10 r11 r12 r13 r14 r19 r16 r17 r18 r19 ");
        }
    }

    @Test
    void segmentFileReaderChecksTheCrcBeforeGivingRecords() throws IOException {
        long[] positions = writeLog();
        replaceOnDisk("r15", "r19");
        try (SegmentFileReader reader = SegmentFileReader.open(FileIO.real(), segmentFile(), 1 << 20)) {
            assertThat(reader.records(reader.read(positions[0]))).hasSize(10);
            SegmentFileReader.BatchRead bad = reader.read(positions[1]);
            assertCorruptBatch(() -> reader.records(bad), positions[1], 10);
            assertCorruptBatch(() -> reader.validate(bad), positions[1], 10);
            assertThatThrownBy(() -> reader.records(reader.read(reader.sizeBytes())))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("END");
        }
    }

    @Test
    void aReadResultWithNoFileNamesTheBatchByItsByteInTheRead() throws IOException {
        long[] positions = writeLog();
        replaceOnDisk("r15", "r19");
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(segmentFile()));
        ReadResult result = new ReadResult(bytes, 0, 30);
        assertThatThrownBy(result::records).isInstanceOfSatisfying(CorruptRecordException.class, e -> {
            assertThat(e.position()).isEqualTo(positions[1]);
            assertThat(e.baseOffset()).isEqualTo(10);
            assertThat(e.getMessage()).contains("(read buffer) at position " + positions[1]);
        });
    }

    private static String value(Record record) {
        return new String(record.valueBytes(), StandardCharsets.UTF_8);
    }
}
