package dev.spool.log.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.CorruptLogException;
import dev.spool.log.io.FileIO;
import dev.spool.log.record.BatchBuilder;
import dev.spool.log.record.RecordBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The end of a cleanly closed segment, learnt from its last index entry and the headers after it
 * ({@link SegmentTail}): what it finds, and the index entries and headers it refuses.
 */
class SegmentTailTest {
    private static final long BASE = 500;
    private static final int INDEX_BYTES_MAX = 1 << 16;

    @TempDir
    Path dir;

    private final FileIO io = FileIO.real();
    private final Random random = new Random(13);
    private final List<Integer> positions = new ArrayList<>();
    private Segment segment;

    /** Six batches of four records from offset 500 (500..523), timestamps 2000+10i .. +3, none indexed. */
    @BeforeEach
    void sixBatches() throws IOException {
        segment = Segment.create(io, dir, BASE, Integer.MAX_VALUE, INDEX_BYTES_MAX, 0);
        for (int i = 0; i < 6; i++) {
            BatchBuilder builder = new BatchBuilder(1 << 20);
            for (int r = 0; r < 4; r++) {
                byte[] value = new byte[30];
                random.nextBytes(value);
                builder.tryAppend(2_000 + 10L * i + r, null, value);
            }
            ByteBuffer built = builder.build();
            ByteBuffer batch = ByteBuffer.allocate(built.remaining()).put(built).flip();
            RecordBatch.setBaseOffset(batch, 0, segment.nextOffset());
            positions.add(segment.sizeBytes());
            segment.append(new ByteBuffer[] {batch}, 1, segment.nextOffset() + 3, 0, Integer.MAX_VALUE);
        }
        segment.flush();
    }

    @AfterEach
    void close() throws IOException {
        segment.close();
    }

    private OffsetIndex offsets() {
        return OffsetIndex.empty(dir.resolve("t.index"), BASE, INDEX_BYTES_MAX);
    }

    private TimeIndex times() {
        return TimeIndex.empty(dir.resolve("t.timeindex"), BASE, INDEX_BYTES_MAX);
    }

    @Test
    void withNoIndexEntryEveryHeaderIsReadAndTheEndIsTheLastBatchs() throws IOException {
        SegmentTail.Tail tail = SegmentTail.load(segment, offsets(), times(), segment.sizeBytes());
        assertThat(tail).isEqualTo(new SegmentTail.Tail(524, 520, 2_053, 523, segment.sizeBytes()));
    }

    @Test
    void fromTheLastIndexEntryOnlyTheBatchesFromItsOwnAreCounted() throws IOException {
        OffsetIndex offsets = offsets();
        offsets.append(511, positions.get(2)); // the third batch ends at offset 511
        TimeIndex times = times();
        times.maybeAppend(2_023, 511);
        SegmentTail.Tail tail = SegmentTail.load(segment, offsets, times, segment.sizeBytes());
        assertThat(tail).isEqualTo(new SegmentTail.Tail(524, 520, 2_053, 523,
                segment.sizeBytes() - positions.get(2)));
    }

    @Test
    void anIndexEntryThatDoesNotNameItsBatchsEndIsACorruptIndex() throws IOException {
        OffsetIndex offsets = offsets();
        offsets.append(510, positions.get(2)); // one short of the batch's last offset
        assertThatThrownBy(() -> SegmentTail.load(segment, offsets, times(), segment.sizeBytes()))
                .isInstanceOf(CorruptIndexException.class)
                .hasMessageContaining("its last entry names offset 510 but the batch at position " + positions.get(2))
                .hasMessageContaining("ends at offset 511");
    }

    @Test
    void aSizeThatCutsABatchIsCorruptAtThatBatch() throws IOException {
        int cut = positions.get(4) + RecordBatch.HEADER_BYTES + 9; // a whole header, not a whole batch
        assertThatThrownBy(() -> SegmentTail.load(segment, offsets(), times(), cut))
                .isInstanceOfSatisfying(CorruptLogException.class, e -> {
                    assertThat(e.position()).isEqualTo((long) positions.get(4));
                    assertThat(e.getMessage()).contains("does not fit the segment's " + cut + " bytes");
                });
    }

    @Test
    void anEmptySegmentEndsAtItsBase() throws IOException {
        SegmentTail.Tail tail = SegmentTail.load(segment, offsets(), times(), 0);
        assertThat(tail).isEqualTo(new SegmentTail.Tail(BASE, -1, -1, -1, 0));
    }
}
