package dev.spool.log.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.io.FileIO;
import dev.spool.log.record.BatchBuilder;
import dev.spool.log.record.CorruptRecordException;
import dev.spool.log.record.RecordBatch;
import dev.spool.log.record.RecordCursor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where a read's whole batches end: among this process's appends the offset index says (no walk
 * of the headers), trimmed before the reader's end offset; among bytes that came from the disk, a
 * walk of their headers that stops at the first one that is not a batch following the one before.
 */
class SegmentReadSpanTest {
    private static final long BASE = 500;
    /** Small enough that every batch gets an index entry: a read's end is always an indexed batch. */
    private static final int INTERVAL_BYTES = 64;
    private static final int INDEX_BYTES_MAX = 1 << 16;
    private static final int RECORDS_PER_BATCH = 3;

    @TempDir
    Path dir;

    private final FileIO io = FileIO.real();
    private final Random random = new Random(11);
    private final List<Segment> opened = new ArrayList<>();
    /** Start position of each appended batch, in order. */
    private final List<Integer> positions = new ArrayList<>();

    @AfterEach
    void closeAll() throws IOException {
        for (Segment s : opened) {
            s.close();
        }
    }

    private Segment create() throws IOException {
        Segment s = Segment.create(io, dir, BASE, INTERVAL_BYTES, INDEX_BYTES_MAX, 0);
        opened.add(s);
        return s;
    }

    private Segment reopen(long nextOffset) throws IOException {
        Segment s = Segment.open(io, dir, BASE, INTERVAL_BYTES, INDEX_BYTES_MAX, nextOffset, 0);
        opened.add(s);
        return s;
    }

    private void append(Segment s, int batches) throws IOException {
        for (int b = 0; b < batches; b++) {
            BatchBuilder builder = new BatchBuilder(1 << 16);
            for (int i = 0; i < RECORDS_PER_BATCH; i++) {
                byte[] value = new byte[40 + random.nextInt(40)];
                random.nextBytes(value);
                builder.tryAppend(1_000 + i, null, value);
            }
            ByteBuffer built = builder.build();
            ByteBuffer batch = ByteBuffer.allocate(built.remaining()).put(built).flip();
            RecordBatch.setBaseOffset(batch, 0, s.nextOffset());
            positions.add(s.sizeBytes());
            s.append(new ByteBuffer[] {batch}, 1, s.nextOffset() + RECORDS_PER_BATCH - 1, 0, Integer.MAX_VALUE);
        }
    }

    private long baseOf(int batch) {
        return BASE + (long) batch * RECORDS_PER_BATCH;
    }

    /** A read of {@code batch} onwards whose buffer ends a few bytes into batch {@code endsIn}. */
    private ByteBuffer read(Segment s, int batch, int endsIn, long endOffset, boolean mapped) throws IOException {
        int maxBytes = positions.get(endsIn) - positions.get(batch) + 10;
        return s.read(baseOf(batch), maxBytes, endOffset, mapped);
    }

    /** Overwrites the length field of batch {@code batch} in the segment's file: no longer a batch. */
    private void damageLength(int batch) throws IOException {
        try (FileChannel ch = FileChannel.open(SegmentFiles.logFile(dir, BASE), StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(4).putInt(0, 5), positions.get(batch) + RecordBatch.BATCH_LENGTH_OFFSET);
        }
    }

    @Test
    void aReadAmongThisProcesssAppendsEndsAtTheIndexedBatchBeforeItsBufferEnds() throws IOException {
        Segment s = create();
        append(s, 10);
        for (boolean mapped : new boolean[] {false, true}) {
            ByteBuffer read = read(s, 2, 8, Long.MAX_VALUE, mapped);
            assertThat(read.remaining()).isEqualTo(positions.get(8) - positions.get(2));
            assertThat(RecordBatch.baseOffset(read, 0)).isEqualTo(baseOf(2));
        }
    }

    @Test
    void aReadAmongThisProcesssAppendsStopsBeforeABatchAtOrPastTheEndOffset() throws IOException {
        Segment s = create();
        append(s, 10);
        for (boolean mapped : new boolean[] {false, true}) {
            // The end offset falls inside batch 5: batches 2, 3, 4 and 5 start below it, 6 and 7 do not.
            ByteBuffer read = read(s, 2, 8, baseOf(5) + 1, mapped);
            assertThat(read.remaining()).isEqualTo(positions.get(6) - positions.get(2));
            // At a batch's start, that batch is left out too.
            ByteBuffer atStart = read(s, 2, 8, baseOf(6), mapped);
            assertThat(atStart.remaining()).isEqualTo(positions.get(6) - positions.get(2));
            // The buffer's end batch ends exactly at the end offset: all seven before it.
            ByteBuffer exact = read(s, 2, 9, baseOf(9) + RECORDS_PER_BATCH - 1, mapped);
            assertThat(exact.remaining()).isEqualTo(positions.get(9) - positions.get(2));
        }
        ByteBuffer into = ByteBuffer.allocate(positions.get(8) - positions.get(2) + 10);
        ByteBuffer copied = s.read(baseOf(2), into, baseOf(5) + 1);
        assertThat(copied.remaining()).isEqualTo(positions.get(6) - positions.get(2));
    }

    @Test
    void bytesThatCameFromTheDiskAreWalkedAndARunStopsBeforeABatchThatIsNotOne() throws IOException {
        Segment first = create();
        append(first, 10);
        first.seal();
        first.flush();
        first.close();
        damageLength(5);
        Segment s = reopen(baseOf(10));
        for (boolean mapped : new boolean[] {false, true}) {
            ByteBuffer read = read(s, 2, 8, Long.MAX_VALUE, mapped);
            assertThat(read.remaining()).isEqualTo(positions.get(5) - positions.get(2));
        }
    }

    @Test
    void afterATruncationTheBytesAppendedAgainAreTakenOnTheIndexsWordAndTheirReaderChecksThem()
            throws IOException {
        Segment first = create();
        append(first, 10);
        first.seal();
        first.flush();
        first.close();
        Segment s = reopen(baseOf(10));
        assertThat(s.truncateTo(baseOf(4))).isEqualTo(baseOf(4));
        positions.subList(4, positions.size()).clear();
        append(s, 6);
        damageLength(7); // in the page cache: bytes this process appended after the cut
        ByteBuffer read = read(s, 4, 9, Long.MAX_VALUE, true);
        // Not walked: the run goes on to the indexed batch 9, and the damaged batch is the cursor's to find.
        assertThat(read.remaining()).isEqualTo(positions.get(9) - positions.get(4));
        RecordCursor cursor = new RecordCursor().reset(read);
        assertThatThrownBy(() -> {
            while (cursor.next()) {
                assertThat(cursor.offset()).isLessThan(baseOf(7));
            }
        }).isInstanceOf(CorruptRecordException.class);
        // Bytes before the cut came from the disk: a read of them still walks, and stops at damage.
        damageLength(2);
        ByteBuffer before = read(s, 0, 3, Long.MAX_VALUE, true);
        assertThat(before.remaining()).isEqualTo(positions.get(2));
    }
}
