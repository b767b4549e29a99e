package dev.spool.log.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.CorruptLogException;
import dev.spool.log.io.FileIO;
import dev.spool.log.io.ForwardingStorageFile;
import dev.spool.log.io.StorageFile;
import dev.spool.log.record.RecordBatch;
import dev.spool.log.segment.BatchClassifier.Kind;
import dev.spool.log.segment.BatchClassifier.Verdict;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one header walk, over real files: what it exposes of each batch, where it stops, the two
 * ways of reading (headers, chunks holding whole batches) and bytes in memory agreeing, a size
 * snapshot respected, and the classifier's judgements reached through it (a zero tail longer than
 * a chunk, a hole, a header cut short below a published size).
 */
class BatchCursorTest {
    private static final int BATCH_BYTES_MAX = 1 << 20;

    @TempDir
    Path dir;

    private final FileIO io = FileIO.real();
    private final Random random = new Random(5);

    private byte[] batch(long base, long timestamp, int records, int valueBytes) {
        return RandomBatches.batch(random, base, timestamp, records, valueBytes);
    }

    /** Five dense batches from offset 0, 3 records each, timestamps rising. */
    private List<byte[]> five() {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            out.add(batch(3L * i, 1_000 + 100L * i, 3, 50));
        }
        return out;
    }

    private static byte[] concat(List<byte[]> parts, byte[]... more) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        parts.forEach(out::writeBytes);
        Arrays.stream(more).forEach(out::writeBytes);
        return out.toByteArray();
    }

    private Path write(byte[] content) throws IOException {
        Path file = dir.resolve("00000000000000000000.log");
        Files.write(file, content);
        return file;
    }

    /** The kinds a walk finds, batch by batch, up to the first that is not valid (included). */
    private static List<Kind> walk(BatchCursor cursor) throws IOException {
        List<Kind> kinds = new ArrayList<>();
        while (true) {
            Verdict verdict = cursor.read();
            kinds.add(verdict.kind());
            if (!verdict.isValid()) {
                return kinds;
            }
            cursor.advance();
        }
    }

    @Test
    void aWalkOverHeadersSeesEveryBatchAsItsHeaderDescribesIt() throws IOException {
        List<byte[]> batches = five();
        Path path = write(concat(batches));
        try (StorageFile file = io.open(path, FileIO.OpenMode.READ)) {
            BatchCursor cursor = BatchCursor.overHeaders(file, path, 0, file.size(), BATCH_BYTES_MAX);
            long position = 0;
            for (int i = 0; i < 5; i++) {
                assertThat(cursor.read().kind()).isEqualTo(Kind.VALID);
                assertThat(cursor.position()).isEqualTo(position);
                assertThat(cursor.baseOffset()).isEqualTo(3L * i);
                assertThat(cursor.lastOffset()).isEqualTo(3L * i + 2);
                assertThat(cursor.lastOffsetDelta()).isEqualTo(2);
                assertThat(cursor.sizeBytes()).isEqualTo(batches.get(i).length);
                assertThat(cursor.maxTimestamp()).isEqualTo(1_000 + 100L * i + 2);
                assertThat(cursor.readBatch().array()).isEqualTo(batches.get(i));
                position += batches.get(i).length;
                cursor.advance();
            }
            assertThat(cursor.read()).isEqualTo(new Verdict(Kind.END, ""));
            assertThat(cursor.hasHeader()).isFalse();
            assertThatThrownBy(cursor::baseOffset).isInstanceOf(IllegalStateException.class);
        }
    }

    /**
     * A long walk over headers reads the headers ahead a page at a time after the first few, and
     * sees what a walk over whole batches sees, up to a torn tail inside a page it read.
     */
    @Test
    void aLongWalkOverHeadersReadsAPageAtATimeAndSeesWhatAWalkOverBatchesSees() throws IOException {
        List<byte[]> batches = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            batches.add(batch(i, 1_000 + i, 1, 40 + random.nextInt(60)));
        }
        byte[] torn = Arrays.copyOf(batch(300, 2_000, 1, 80), 30); // a header cut short by a crash
        Path path = write(concat(batches, torn));
        AtomicInteger reads = new AtomicInteger();
        try (StorageFile real = io.open(path, FileIO.OpenMode.READ);
             StorageFile file = new ForwardingStorageFile(real) {
                 @Override
                 public int read(ByteBuffer dst, long position) throws IOException {
                     reads.incrementAndGet();
                     return delegate.read(dst, position);
                 }
             }) {
            BatchCursor headers = BatchCursor.overHeaders(file, path, 0, file.size(), BATCH_BYTES_MAX);
            BatchCursor whole = BatchCursor.overBatches(real, path, 0, real.size(), BATCH_BYTES_MAX, 1 << 16);
            for (int i = 0; i < 300; i++) {
                assertThat(headers.read().kind()).isEqualTo(Kind.VALID);
                assertThat(whole.read().kind()).isEqualTo(Kind.VALID);
                assertThat(headers.position()).isEqualTo(whole.position());
                assertThat(headers.baseOffset()).isEqualTo(i).isEqualTo(whole.baseOffset());
                assertThat(headers.sizeBytes()).isEqualTo(batches.get(i).length);
                headers.advance();
                whole.advance();
            }
            assertThat(headers.read()).isEqualTo(whole.read());
            assertThat(headers.read().kind()).isEqualTo(Kind.TORN_TAIL);
            // 300 headers of about 150 bytes: a few read alone, then some 30 pages of 4 KiB.
            assertThat(reads.get()).isBetween(BatchCursor.HEADERS_READ_ALONE + 1, 60);
        }
    }

    @Test
    void aWalkOverChunksSmallerThanTheFileHoldsEachBatchWhole() throws IOException {
        List<byte[]> batches = five();
        Path path = write(concat(batches));
        try (StorageFile file = io.open(path, FileIO.OpenMode.READ)) {
            int chunk = batches.get(0).length * 3 / 2; // never a whole number of batches
            BatchCursor cursor = BatchCursor.overBatches(file, path, 0, file.size(), BATCH_BYTES_MAX, chunk);
            for (byte[] expected : batches) {
                assertThat(cursor.read().kind()).isEqualTo(Kind.VALID);
                ByteBuffer batch = cursor.batch();
                byte[] bytes = new byte[batch.remaining()];
                batch.get(bytes);
                assertThat(bytes).isEqualTo(expected);
                cursor.advance();
            }
            assertThat(cursor.read().kind()).isEqualTo(Kind.END);
        }
    }

    @Test
    void aBatchLargerThanTheChunkIsAnError() throws IOException {
        byte[] big = batch(0, 1_000, 10, 500);
        Path path = write(big);
        try (StorageFile file = io.open(path, FileIO.OpenMode.READ)) {
            BatchCursor cursor = BatchCursor.overBatches(file, path, 0, file.size(), BATCH_BYTES_MAX, 1024);
            assertThatThrownBy(cursor::read).isInstanceOf(IOException.class)
                    .hasMessageContaining("batch of " + big.length + " bytes exceeds the scan buffer");
        }
    }

    @Test
    void theWalkStopsAtTheSizeSnapshotNotAtTheFileEnd() throws IOException {
        List<byte[]> batches = five();
        Path path = write(concat(batches));
        long snapshot = batches.get(0).length + batches.get(1).length;
        try (StorageFile file = io.open(path, FileIO.OpenMode.READ)) {
            assertThat(walk(BatchCursor.overHeaders(file, path, 0, snapshot, BATCH_BYTES_MAX)))
                    .containsExactly(Kind.VALID, Kind.VALID, Kind.END);
            assertThat(walk(BatchCursor.overBatches(file, path, 0, snapshot, BATCH_BYTES_MAX, 1 << 16)))
                    .containsExactly(Kind.VALID, Kind.VALID, Kind.END);
            // Cut inside the third batch: the snapshot ends in a torn tail, whatever the file holds beyond.
            assertThat(walk(BatchCursor.overHeaders(file, path, 0, snapshot + 20, BATCH_BYTES_MAX)))
                    .containsExactly(Kind.VALID, Kind.VALID, Kind.TORN_TAIL);
        }
    }

    @Test
    void aZeroTailLongerThanAChunkIsATornTailAndOneNonZeroByteAtItsEndMakesItAHole() throws IOException {
        List<byte[]> batches = five();
        byte[] zeros = new byte[10_000];
        Path path = write(concat(batches, zeros));
        try (StorageFile file = io.open(path, FileIO.OpenMode.READ)) {
            BatchCursor cursor = BatchCursor.overBatches(file, path, 0, file.size(), BATCH_BYTES_MAX, 1024);
            assertThat(walk(cursor)).endsWith(Kind.TORN_TAIL).hasSize(6);
            assertThat(cursor.position()).isEqualTo(file.size() - zeros.length);
        }
        zeros[zeros.length - 1] = 1;
        path = write(concat(batches, zeros));
        try (StorageFile file = io.open(path, FileIO.OpenMode.READ)) {
            BatchCursor overBatches = BatchCursor.overBatches(file, path, 0, file.size(), BATCH_BYTES_MAX, 1024);
            BatchCursor overHeaders = BatchCursor.overHeaders(file, path, 0, file.size(), BATCH_BYTES_MAX);
            assertThat(walk(overBatches)).endsWith(Kind.HOLE).hasSize(6);
            assertThat(walk(overHeaders)).endsWith(Kind.HOLE).hasSize(6);
        }
    }

    @Test
    void bytesInMemoryAndTheFileAreJudgedAlike() throws IOException {
        List<byte[]> batches = five();
        byte[] content = concat(batches.subList(0, 4), Arrays.copyOf(batches.get(4), 80));
        Path path = write(content);
        BatchCursor inMemory = BatchCursor.overBytes(ByteBuffer.wrap(content), path, BATCH_BYTES_MAX);
        try (StorageFile file = io.open(path, FileIO.OpenMode.READ)) {
            BatchCursor onDisk = BatchCursor.overHeaders(file, path, 0, file.size(), BATCH_BYTES_MAX);
            List<Kind> kinds = walk(onDisk);
            assertThat(kinds).containsExactly(Kind.VALID, Kind.VALID, Kind.VALID, Kind.VALID, Kind.TORN_TAIL);
            assertThat(walk(inMemory)).isEqualTo(kinds);
            assertThat(inMemory.position()).isEqualTo(onDisk.position());
            assertThat(onDisk.hasHeader()).isTrue(); // the cut batch's header is whole: its claim can be read
            assertThat(onDisk.baseOffset()).isEqualTo(12);
        }
    }

    @Test
    void belowAPublishedSizeAHeaderThatDoesNotFitNamesTheFileAndPosition() throws IOException {
        List<byte[]> batches = five();
        byte[] content = concat(batches);
        int third = batches.get(0).length + batches.get(1).length;
        ByteBuffer.wrap(content).putInt(third + RecordBatch.BATCH_LENGTH_OFFSET, 1 << 24);
        Path path = write(content);
        try (StorageFile file = io.open(path, FileIO.OpenMode.READ)) {
            BatchCursor cursor = BatchCursor.overHeaders(file, path, 0, file.size(), BATCH_BYTES_MAX);
            cursor.readPublished();
            cursor.advance();
            cursor.readPublished();
            cursor.advance();
            assertThatThrownBy(cursor::readPublished).isInstanceOfSatisfying(CorruptLogException.class, e -> {
                assertThat(e.file()).isEqualTo(path);
                assertThat(e.position()).isEqualTo(third);
                assertThat(e.getMessage()).contains("batch length " + (1 << 24) + " does not fit the segment's "
                        + content.length + " bytes");
            });
        }
    }

    @Test
    void seekMovesToABatchBoundaryAndAPositionPastTheEndIsTheEnd() throws IOException {
        List<byte[]> batches = five();
        Path path = write(concat(batches));
        try (StorageFile file = io.open(path, FileIO.OpenMode.READ)) {
            BatchCursor cursor = BatchCursor.overHeaders(file, path, 0, file.size(), BATCH_BYTES_MAX);
            cursor.seek(batches.get(0).length);
            assertThat(cursor.read().kind()).isEqualTo(Kind.VALID);
            assertThat(cursor.baseOffset()).isEqualTo(3);
            cursor.seek(file.size() + 100);
            assertThat(cursor.read().kind()).isEqualTo(Kind.END);
        }
    }
}
