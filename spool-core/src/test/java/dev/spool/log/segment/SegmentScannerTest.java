package dev.spool.log.segment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.io.FileIO;
import dev.spool.log.io.StorageFile;
import dev.spool.log.record.RecordBatch;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SegmentScannerTest {
    private static final long BASE = 100;
    private static final int BATCH_BYTES_MAX = 1 << 20;

    @TempDir
    Path dir;

    private final FileIO io = FileIO.real();
    private final Random random = new Random(11);

    private Path log() {
        return dir.resolve("00000000000000000100.log");
    }

    private byte[] batch(long base, long timestamp, int records, int valueBytes) {
        return RandomBatches.batch(random, base, timestamp, records, valueBytes);
    }

    /** {@code count} dense batches of 2 records each starting at {@link #BASE}, timestamps rising. */
    private List<byte[]> batches(int count) {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(batch(BASE + 2L * i, 1_000 + 10L * i, 2, 20));
        }
        return out;
    }

    private static byte[] concat(List<byte[]> parts, byte[]... more) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        parts.forEach(out::writeBytes);
        for (byte[] m : more) {
            out.writeBytes(m);
        }
        return out.toByteArray();
    }

    private static long sizeOf(List<byte[]> parts) {
        return parts.stream().mapToLong(b -> b.length).sum();
    }

    private OffsetIndex offsets;
    private TimeIndex times;

    private SegmentScanner.Scanned scan(byte[] content, boolean trusted, SegmentScanner.BatchVisitor visitor)
            throws IOException {
        Files.write(log(), content);
        offsets = OffsetIndex.empty(dir.resolve("x.index"), BASE, 1 << 16);
        times = TimeIndex.empty(dir.resolve("x.timeindex"), BASE, 1 << 16);
        try (StorageFile file = io.open(log(), FileIO.OpenMode.READ)) {
            return SegmentScanner.scan(file, log(), BASE, 0, offsets, times, BATCH_BYTES_MAX, trusted, visitor);
        }
    }

    private ScanResult scan(byte[] content) throws IOException {
        return scan(content, false, null).result();
    }

    @Test
    void aFileOfValidBatchesIsValidThroughToItsEnd() throws IOException {
        List<byte[]> five = batches(5);
        ScanResult result = scan(concat(five));
        assertThat(result.outcome()).isEqualTo(BatchClassifier.Kind.VALID);
        assertThat(result.validBytes()).isEqualTo(sizeOf(five));
        assertThat(result.nextOffset()).isEqualTo(BASE + 10);
        assertThat(result.batches()).isEqualTo(5);
        assertThat(result.maxTimestamp()).isEqualTo(1_041);
        assertThat(result.problem()).isEmpty();
    }

    @Test
    void anEmptyFileIsValidWithNothingInIt() throws IOException {
        SegmentScanner.Scanned scanned = scan(new byte[0], false, null);
        assertThat(scanned.result()).isEqualTo(new ScanResult(0, BASE, 0, -1, BatchClassifier.Kind.VALID, ""));
        assertThat(scanned.offsetOfMaxTimestamp()).isEqualTo(-1);
        assertThat(times.entries()).isZero();
    }

    @Test
    void theScanRebuildsIndexesThatPointAtBatchStarts() throws IOException {
        List<byte[]> five = batches(5);
        SegmentScanner.Scanned scanned = scan(concat(five), false, null);
        // Interval 0: every batch after the first gets an entry at its own start.
        assertThat(offsets.entries()).isEqualTo(4);
        long position = five.get(0).length;
        for (int i = 1; i < 5; i++) {
            assertThat(offsets.offsetAt(i - 1)).isEqualTo(BASE + 2L * i + 1);
            assertThat(offsets.positionAt(i - 1)).isEqualTo(position);
            position += five.get(i).length;
        }
        offsets.sanityCheck(sizeOf(five));
        times.sanityCheck(BASE + 10);
        assertThat(times.lastTimestamp()).isEqualTo(1_041);
        assertThat(scanned.offsetOfMaxTimestamp()).isEqualTo(BASE + 9);
        assertThat(scanned.lastBatchBaseOffset()).isEqualTo(BASE + 8);
    }

    @Test
    void theVisitorSeesEachValidBatchInOrderAtItsPosition() throws IOException {
        List<byte[]> three = batches(3);
        List<Long> positions = new ArrayList<>();
        List<byte[]> seen = new ArrayList<>();
        scan(concat(three), false, (batch, position) -> {
            byte[] copy = new byte[batch.remaining()];
            batch.get(0, copy);
            seen.add(copy);
            positions.add(position);
        });
        assertThat(positions).containsExactly(0L, (long) three.get(0).length,
                (long) three.get(0).length + three.get(1).length);
        for (int i = 0; i < 3; i++) {
            assertThat(seen.get(i)).isEqualTo(three.get(i));
        }
    }

    @Test
    void fewerBytesThanABatchHeaderAtTheEndAreATornTail() throws IOException {
        List<byte[]> two = batches(2);
        ScanResult result = scan(concat(two, new byte[] {0, 0, 0, 0, 0, 1, 2}));
        assertThat(result.outcome()).isEqualTo(BatchClassifier.Kind.TORN_TAIL);
        assertThat(result.validBytes()).isEqualTo(sizeOf(two));
        assertThat(result.nextOffset()).isEqualTo(BASE + 4);
        assertThat(result.batches()).isEqualTo(2);
    }

    @Test
    void aLastBatchRunningPastTheEndIsATornTail() throws IOException {
        List<byte[]> two = batches(2);
        byte[] third = batch(BASE + 4, 2_000, 2, 20);
        ScanResult result = scan(concat(two, Arrays.copyOf(third, third.length - 5)));
        assertThat(result.outcome()).isEqualTo(BatchClassifier.Kind.TORN_TAIL);
        assertThat(result.validBytes()).isEqualTo(sizeOf(two));
        assertThat(result.problem()).contains("announces " + third.length);
        assertThat(result.maxTimestamp()).isEqualTo(1_011);
    }

    @Test
    void zerosAfterTheLastBatchAreATornTail() throws IOException {
        List<byte[]> two = batches(2);
        ScanResult result = scan(concat(two, new byte[4096]));
        assertThat(result.outcome()).isEqualTo(BatchClassifier.Kind.TORN_TAIL);
        assertThat(result.validBytes()).isEqualTo(sizeOf(two));
        assertThat(result.problem()).contains("zero bytes");
    }

    @Test
    void aZeroHeaderWithDataAfterItIsAHole() throws IOException {
        List<byte[]> two = batches(2);
        ScanResult result = scan(concat(two, new byte[200], batch(BASE + 4, 2_000, 1, 10)));
        assertThat(result.outcome()).isEqualTo(BatchClassifier.Kind.HOLE);
        assertThat(result.validBytes()).isEqualTo(sizeOf(two));
    }

    @Test
    void aBadCrcInTheLastBatchWithoutAZeroSectorIsCorruption() throws IOException {
        List<byte[]> three = batches(3);
        three.get(2)[three.get(2).length - 3] ^= 0x40; // a record byte, covered by the CRC
        ScanResult result = scan(concat(three));
        assertThat(result.outcome()).isEqualTo(BatchClassifier.Kind.CORRUPT);
        assertThat(result.validBytes()).isEqualTo(three.get(0).length + three.get(1).length);
        assertThat(result.nextOffset()).isEqualTo(BASE + 4);
        assertThat(result.problem()).isNotEmpty();
    }

    @Test
    void aBadCrcInAMiddleBatchIsCorruption() throws IOException {
        List<byte[]> three = batches(3);
        three.get(1)[RecordBatch.RECORDS_OFFSET + 2] ^= 0x01;
        ScanResult result = scan(concat(three));
        assertThat(result.outcome()).isEqualTo(BatchClassifier.Kind.CORRUPT);
        assertThat(result.validBytes()).isEqualTo(three.get(0).length);
        assertThat(result.batches()).isEqualTo(1);
    }

    @Test
    void aTrustedScanDoesNotCheckTheCrc() throws IOException {
        List<byte[]> three = batches(3);
        three.get(1)[three.get(1).length - 1] ^= 0x01;
        ScanResult result = scan(concat(three), true, null).result();
        assertThat(result.outcome()).isEqualTo(BatchClassifier.Kind.VALID);
        assertThat(result.batches()).isEqualTo(3);
    }

    @Test
    void aLastBatchFailingItsCrcWithAZeroFilledSectorIsATornTail() throws IOException {
        List<byte[]> one = batches(1);
        byte[] big = batch(BASE + 2, 2_000, 1, 3000);
        Arrays.fill(big, 1024, 2048, (byte) 0); // covers at least one whole 512-byte sector of the file
        ScanResult result = scan(concat(one, big));
        assertThat(result.outcome()).isEqualTo(BatchClassifier.Kind.TORN_TAIL);
        assertThat(result.validBytes()).isEqualTo(one.get(0).length);
        assertThat(result.problem()).contains("zero-filled sector");
    }

    @Test
    void aMiddleBatchFailingItsCrcWithAZeroFilledSectorIsAHole() throws IOException {
        List<byte[]> one = batches(1);
        byte[] big = batch(BASE + 2, 2_000, 1, 3000);
        Arrays.fill(big, 1024, 2048, (byte) 0);
        ScanResult result = scan(concat(one, big, batch(BASE + 3, 3_000, 1, 10)));
        assertThat(result.outcome()).isEqualTo(BatchClassifier.Kind.HOLE);
        assertThat(result.validBytes()).isEqualTo(one.get(0).length);
    }

    @Test
    void aGapInOffsetsIsCorruptionEvenInATrustedScan() throws IOException {
        List<byte[]> two = batches(2);
        ScanResult result = scan(concat(two, batch(BASE + 5, 2_000, 1, 10)), true, null).result();
        assertThat(result.outcome()).isEqualTo(BatchClassifier.Kind.CORRUPT);
        assertThat(result.problem()).contains("batch base offset " + (BASE + 5)).contains("expected " + (BASE + 4));
        assertThat(result.validBytes()).isEqualTo(sizeOf(two));
    }

    @Test
    void aBatchLengthBelowTheMinimumIsCorruption() throws IOException {
        List<byte[]> two = batches(2);
        byte[] third = batch(BASE + 4, 2_000, 1, 10);
        ByteBuffer.wrap(third).putInt(RecordBatch.BATCH_LENGTH_OFFSET, 5);
        ScanResult result = scan(concat(two, third));
        assertThat(result.outcome()).isEqualTo(BatchClassifier.Kind.CORRUPT);
        assertThat(result.problem()).contains("batch length 5");
    }

    @Test
    void aBatchLongerThanTheLimitIsCorruptionNotATornTail() throws IOException {
        List<byte[]> two = batches(2);
        byte[] third = batch(BASE + 4, 2_000, 1, 10);
        ByteBuffer.wrap(third).putInt(RecordBatch.BATCH_LENGTH_OFFSET, BATCH_BYTES_MAX);
        ScanResult result = scan(concat(two, third));
        assertThat(result.outcome()).isEqualTo(BatchClassifier.Kind.CORRUPT);
        assertThat(result.validBytes()).isEqualTo(sizeOf(two));
    }

    @Test
    void hasZeroSectorLooksOnlyAtWholeSectorsOfTheFile() {
        ByteBuffer batch = ByteBuffer.allocate(1000);
        Arrays.fill(batch.array(), (byte) 1);
        Arrays.fill(batch.array(), 0, 600, (byte) 0);
        // At file position 0 bytes [0, 512) are a whole zero sector.
        assertThat(BatchClassifier.hasZeroSector(batch, 0)).isTrue();
        // At file position 100 the first whole sector is file [512, 1024) = batch [412, 924): not all zero.
        assertThat(BatchClassifier.hasZeroSector(batch, 100)).isFalse();
    }
}
