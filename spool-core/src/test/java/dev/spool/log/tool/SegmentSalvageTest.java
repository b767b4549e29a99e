package dev.spool.log.tool;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.LogTest;
import dev.spool.log.record.RecordBatch;
import java.nio.ByteBuffer;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The split of a damaged segment into kept runs and damaged bytes, on bytes in memory. */
class SegmentSalvageTest {
    private static final int BATCH_BYTES_MAX = 1 << 20;

    /** Batches of one record each at offsets base, base + 1, ..., with {@code garbage} bytes after the one at {@code after}. */
    private static ByteBuffer segment(long base, int batches, int after, byte[] garbage) {
        ByteBuffer out = ByteBuffer.allocate(batches * 200 + garbage.length);
        for (int i = 0; i < batches; i++) {
            ByteBuffer batch = LogTest.batch(1_000L, "v" + i);
            batch.putLong(RecordBatch.BASE_OFFSET_OFFSET, base + i); // not covered by the CRC, as the log assigns it
            out.put(batch);
            if (i == after) {
                out.put(garbage);
            }
        }
        return out.flip();
    }

    @Test
    void garbageBetweenBatchesThatFollowOnLosesNoOffsets() {
        ByteBuffer bytes = segment(100, 3, 0, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
        int first = RecordBatch.sizeInBytes(bytes, 0);
        SegmentSalvage.Pieces pieces = SegmentSalvage.split(bytes, 100, Long.MAX_VALUE, BATCH_BYTES_MAX);
        assertThat(pieces.kept()).containsExactly(new SegmentSalvage.Kept(0, first, 100, 100),
                new SegmentSalvage.Kept(first + 10, bytes.limit() - first - 10, 101, 102));
        assertThat(pieces.damages()).hasSize(1);
        SegmentSalvage.Damage damage = pieces.damages().get(0);
        assertThat(damage.position()).isEqualTo(first);
        assertThat(damage.bytes()).isEqualTo(10);
        assertThat(damage.lastOffset()).isEqualTo(OptionalLong.of(100));
        assertThat(damage.losesOffsets()).isFalse();
    }

    @Test
    void damageAtTheEndOfANonLastSegmentReachesTheNextBaseAndOfTheLastIsOpen() {
        ByteBuffer bytes = segment(0, 2, 1, new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                0, 0, 0, 0, 0, 9});
        SegmentSalvage.Damage inner = SegmentSalvage.split(bytes, 0, 50, BATCH_BYTES_MAX).damages().get(0);
        assertThat(inner.firstOffset()).isEqualTo(2);
        assertThat(inner.lastOffset()).isEqualTo(OptionalLong.of(49));
        SegmentSalvage.Damage last = SegmentSalvage.split(bytes, 0, Long.MAX_VALUE, BATCH_BYTES_MAX).damages().get(0);
        assertThat(last.lastOffset()).isEmpty();
        assertThat(last.losesOffsets()).isTrue();
    }

    @Test
    void aBatchWhoseBaseOffsetWasFlippedFarAheadIsNotTakenForTheNextGoodOne() {
        ByteBuffer bytes = segment(0, 4, -1, new byte[0]);
        int second = RecordBatch.sizeInBytes(bytes, 0);
        int third = second + RecordBatch.sizeInBytes(bytes, second);
        bytes.put(second + RecordBatch.CRC_OFFSET, (byte) (bytes.get(second + RecordBatch.CRC_OFFSET) ^ 1));
        bytes.putLong(third, 1L << 40); // passes its CRC (which does not cover the base offset)
        SegmentSalvage.Pieces pieces = SegmentSalvage.split(bytes, 0, Long.MAX_VALUE, BATCH_BYTES_MAX);
        assertThat(pieces.kept()).extracting(SegmentSalvage.Kept::firstOffset).containsExactly(0L, 3L);
        assertThat(pieces.damages()).singleElement().satisfies(d -> {
            assertThat(d.firstOffset()).isEqualTo(1);
            assertThat(d.lastOffset()).isEqualTo(OptionalLong.of(2));
        });
    }
}
