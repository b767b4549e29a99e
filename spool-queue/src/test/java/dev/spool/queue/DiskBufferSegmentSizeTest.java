package dev.spool.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.Durability;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A buffer left to choose its segment size rolls at the size that suits its durability (small
 * relaxed, large strict, never smaller than an item); a size set by the user is the one used.
 */
class DiskBufferSegmentSizeTest {
    private static final int ITEM_BYTES = 1 << 20;

    @TempDir
    Path dir;

    @Test
    void theSizeInUseFollowsTheDurabilityUnlessSet() {
        DiskBufferConfig relaxed = DiskBufferConfig.defaults("t");
        assertThat(relaxed.segmentBytes()).isEqualTo(DiskBufferConfig.SEGMENT_BYTES_BY_DURABILITY);
        assertThat(relaxed.segmentBytesInUse()).isEqualTo(8 << 20);
        assertThat(relaxed.withDurability(Durability.STRICT).segmentBytesInUse()).isEqualTo(64 << 20);
        assertThat(relaxed.withDurability(Durability.STRICT).withDurability(Durability.NONE).segmentBytesInUse())
                .isEqualTo(8 << 20);
        assertThat(relaxed.withSegmentBytes(1 << 20).withDurability(Durability.STRICT).segmentBytesInUse())
                .isEqualTo(1 << 20);
    }

    @Test
    void aChosenSizeHoldsTheLargestItemAndASetSizeLimitsIt() {
        DiskBufferConfig large = new DiskBufferConfig("t", 1L << 30, 0, WhenFull.BLOCK, 1_000, Durability.NONE,
                DiskBufferConfig.SEGMENT_BYTES_BY_DURABILITY, 32 << 20, DiskBufferConfig.defaults("t").meterRegistry(),
                WhenCorrupt.STOP, DiskBufferConfig.defaults("t").io());
        assertThat(large.itemBytesMax()).isEqualTo(32 << 20);
        assertThat(large.segmentBytesInUse()).isEqualTo(32 << 20);
        assertThat(large.withSegmentBytes(4 << 20).itemBytesMax()).isEqualTo(4 << 20);
    }

    @Test
    void aNegativeSizeIsRefusedWithWhatIsAllowed() {
        assertThatThrownBy(() -> DiskBufferConfig.defaults("t").withSegmentBytes(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("segmentBytes must be positive or 0").hasMessageContaining("-1");
    }

    @Test
    void aRelaxedBufferRollsAtTheSmallSizeAndAStrictOneAtTheLarge() throws Exception {
        assertThat(segmentFilesAfterPuts(DiskBufferConfig.defaults("t"), dir.resolve("relaxed"), 20))
                .as("a relaxed buffer's .log files after 20 MiB of items: 8 MiB segments").isEqualTo(3);
        assertThat(segmentFilesAfterPuts(DiskBufferConfig.defaults("t").withDurability(Durability.STRICT),
                dir.resolve("strict"), 20)).as("a strict buffer's .log files after 20 MiB of items: 64 MiB segments")
                .isEqualTo(1);
    }

    private static long segmentFilesAfterPuts(DiskBufferConfig config, Path at, int items) throws Exception {
        try (DiskBuffer buffer = DiskBuffer.open(at, config)) {
            for (int i = 0; i < items; i++) {
                buffer.enqueue(new byte[ITEM_BYTES - 1024], Map.of()).join();
            }
        }
        try (Stream<Path> files = Files.walk(at)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".log")).count();
        }
    }
}
