package dev.spool.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.CorruptLogException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damaged items in a real segment file, one shape each: write items, close, damage one batch on
 * disk, reopen, and check what the consumer reports (sequence, segment file, position) and,
 * under {@link WhenCorrupt#SKIP}, what it delivers and frees.
 *
 * <p>Segments of 1 KiB hold three items each, and the damage is in the first segment: a clean
 * open reads only the last segment's tail, so damage there would be the log's to report
 * ({@code CorruptLogException} from open), while damage in an older segment reaches the consumer.
 */
class DiskBufferCorruptionTest {
    private static final int ITEMS = 8;
    /** The item whose batch each test damages, in the first segment with the item after it. */
    private static final int DAMAGED = 1;
    private static final int SEGMENT_BYTES = 1024;

    @TempDir
    Path dir;

    private final long[] stored = new long[ITEMS];

    private static byte[] payload(int i) {
        byte[] bytes = new byte[200];
        byte[] name = ("payload-" + i).getBytes(StandardCharsets.UTF_8);
        System.arraycopy(name, 0, bytes, 0, name.length);
        return bytes;
    }

    private Path segment() {
        return dir.resolve("buffer-0").resolve("00000000000000000000.log");
    }

    /** Byte position of item {@code i}'s batch in the first segment. */
    private long positionOf(int i) {
        long position = 0;
        for (int k = 0; k < i; k++) {
            position += stored[k];
        }
        return position;
    }

    private void writeItems() throws Exception {
        try (DiskBuffer buffer = DiskBuffer.open(dir, config(WhenCorrupt.STOP, new SimpleMeterRegistry()))) {
            for (int i = 0; i < ITEMS; i++) {
                stored[i] = buffer.put(payload(i), Map.of("i", Integer.toString(i))).storedBytes();
            }
            assertThat(buffer.log().segments().get(0).nextOffset()).as("items in the first segment")
                    .isGreaterThan(DAMAGED + 1);
            assertThat(buffer.log().segmentCount()).isGreaterThan(1);
        }
    }

    /** XORs {@code mask} into the byte at {@code position} of the first segment. */
    private void flip(long position, int mask) throws IOException {
        try (FileChannel channel = FileChannel.open(segment(), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            channel.read(one, position);
            one.put(0, (byte) (one.get(0) ^ mask)).rewind();
            channel.write(one, position);
        }
    }

    /** Overwrites the 4-byte length field of item {@code i}'s batch. */
    private void setLength(int i, int length) throws IOException {
        try (FileChannel channel = FileChannel.open(segment(), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.allocate(4).putInt(0, length), positionOf(i) + 8);
        }
    }

    private static DiskBufferConfig config(WhenCorrupt policy, SimpleMeterRegistry registry) {
        return DiskBufferConfig.defaults("t").withSegmentBytes(SEGMENT_BYTES).withWhenCorrupt(policy)
                .withMeterRegistry(registry);
    }

    @Test
    void byDefaultADamagedItemStopsTheConsumerAndIsReportedWithSegmentAndPosition() throws Exception {
        writeItems();
        flip(positionOf(DAMAGED + 1) - 3, 0x40); // in the item's last bytes: the CRC fails
        try (DiskBuffer buffer = DiskBuffer.open(dir, config(WhenCorrupt.STOP, new SimpleMeterRegistry()))) {
            assertThat(buffer.poll().orElseThrow().sequence()).isZero();
            for (int attempt = 0; attempt < 2; attempt++) {
                assertThatThrownBy(buffer::poll).isInstanceOfSatisfying(CorruptItemException.class, e -> {
                    assertThat(e.sequence()).isEqualTo(DAMAGED);
                    assertThat(e.segmentFile()).contains(segment());
                    assertThat(e.position()).isEqualTo(positionOf(DAMAGED));
                    assertThat(e.getMessage()).contains("sequence (offset) 1")
                            .contains("segment 00000000000000000000.log position " + positionOf(DAMAGED))
                            .contains("CRC mismatch");
                });
            }
            assertThat(buffer.sizeItems()).as("nothing is dropped").isEqualTo(ITEMS);
        }
    }

    @Test
    void damageTheOpenMustReadFailsTheOpenWithTheLogsOwnErrorNamingTheSegment() throws Exception {
        writeItems();
        Path last;
        try (var files = Files.list(dir.resolve("buffer-0"))) {
            last = files.filter(f -> f.toString().endsWith(".log")).sorted().reduce((a, b) -> b).orElseThrow();
        }
        assertThat(last).isNotEqualTo(segment());
        try (FileChannel channel = FileChannel.open(last, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.allocate(4).putInt(0, Integer.MAX_VALUE), 8); // the first batch's length
        }
        assertThatThrownBy(() -> DiskBuffer.open(dir, config(WhenCorrupt.STOP, new SimpleMeterRegistry())))
                .isInstanceOf(CorruptLogException.class)
                .hasMessageContaining(last.getFileName().toString())
                .hasMessageContaining("position 0");
    }

    @Test
    void underSkipADamagedItemIsReportedSkippedCountedAndFreedByTheNextAck() throws Exception {
        writeItems();
        flip(positionOf(DAMAGED + 1) - 3, 0x40);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (DiskBuffer buffer = DiskBuffer.open(dir, config(WhenCorrupt.SKIP, registry))) {
            assertThat(buffer.poll().orElseThrow().sequence()).isZero();
            BufferItem afterDamage = buffer.poll().orElseThrow();
            assertThat(afterDamage.sequence()).isEqualTo(DAMAGED + 1);
            assertThat(afterDamage.payload()).isEqualTo(payload(DAMAGED + 1));
            for (int i = DAMAGED + 2; i < ITEMS; i++) {
                assertThat(buffer.poll().orElseThrow().payload()).isEqualTo(payload(i));
            }
            assertThat(buffer.poll()).isEmpty();
            assertThat(registry.get(BufferMetrics.CORRUPT_SKIPPED).counter().count()).isEqualTo(1.0);

            buffer.ack(ITEMS - 2); // covers the skipped item: its bytes are freed with the others
            assertThat(buffer.sizeItems()).isEqualTo(1);
            assertThat(buffer.sizeBytes()).isEqualTo(stored[ITEMS - 1]);
        }
    }

    @Test
    void underSkipADamagedItemNotYetAcknowledgedIsSkippedAgainAfterARestart() throws Exception {
        writeItems();
        flip(positionOf(DAMAGED + 1) - 3, 0x40);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (DiskBuffer buffer = DiskBuffer.open(dir, config(WhenCorrupt.SKIP, registry))) {
            buffer.poll();
            buffer.ack(0);
        }
        try (DiskBuffer buffer = DiskBuffer.open(dir, config(WhenCorrupt.SKIP, registry))) {
            assertThat(buffer.poll().orElseThrow().sequence()).isEqualTo(DAMAGED + 1);
            assertThat(registry.get(BufferMetrics.CORRUPT_SKIPPED).counter().count()).isEqualTo(1.0);
        }
    }

    @Test
    void aDamagedLengthHidesTheNextItemSoEvenSkipStopsThere() throws Exception {
        writeItems();
        setLength(DAMAGED, 0x7fff_0000);
        try (DiskBuffer buffer = DiskBuffer.open(dir, config(WhenCorrupt.SKIP, new SimpleMeterRegistry()))) {
            assertThat(buffer.poll().orElseThrow().sequence()).isZero();
            assertThatThrownBy(buffer::poll).isInstanceOfSatisfying(CorruptItemException.class, e -> {
                assertThat(e.sequence()).isEqualTo(DAMAGED);
                assertThat(e.position()).isEqualTo(positionOf(DAMAGED));
                assertThat(e.getMessage()).contains("it cannot be read").contains("does not fit the segment");
            });
        }
    }

    @Test
    void aLengthThatFramesTheWrongBytesIsNotSkippedEither() throws Exception {
        writeItems();
        setLength(DAMAGED, (int) stored[DAMAGED] - 12 - 5); // five bytes short: the next "batch" starts mid-item
        try (DiskBuffer buffer = DiskBuffer.open(dir, config(WhenCorrupt.SKIP, new SimpleMeterRegistry()))) {
            assertThat(buffer.poll().orElseThrow().sequence()).isZero();
            assertThatThrownBy(buffer::poll).isInstanceOfSatisfying(CorruptItemException.class,
                    e -> assertThat(e.sequence()).isEqualTo(DAMAGED));
        }
    }

    /**
     * An empty batch with a sound CRC over an item's offset, as {@code spool repair} leaves where it
     * removed a damaged item: no record to deliver, so it is a damaged item, refused under STOP and
     * skipped under SKIP (the next batch starts at the next sequence).
     */
    @Test
    void anEmptyBatchWhereAnItemWasIsADamagedItem() throws Exception {
        writeItems();
        byte[] file = Files.readAllBytes(segment());
        ByteBuffer gap = dev.spool.log.record.RecordBatch.gapBatch(DAMAGED, 0);
        ByteBuffer replaced = ByteBuffer.allocate(file.length - (int) stored[DAMAGED] + gap.remaining())
                .put(file, 0, (int) positionOf(DAMAGED)).put(gap)
                .put(file, (int) positionOf(DAMAGED + 1), file.length - (int) positionOf(DAMAGED + 1)).flip();
        Files.write(segment(), java.util.Arrays.copyOf(replaced.array(), replaced.limit()));
        Files.delete(dir.resolve("buffer-0").resolve("00000000000000000000.index")); // positions moved: rebuilt
        try (DiskBuffer buffer = DiskBuffer.open(dir, config(WhenCorrupt.STOP, new SimpleMeterRegistry()))) {
            assertThat(buffer.poll().orElseThrow().sequence()).isZero();
            assertThatThrownBy(buffer::poll).isInstanceOfSatisfying(CorruptItemException.class, e -> {
                assertThat(e.sequence()).isEqualTo(DAMAGED);
                assertThat(e.getMessage()).contains("an item is one record, this batch holds 0");
            });
        }
        try (DiskBuffer buffer = DiskBuffer.open(dir, config(WhenCorrupt.SKIP, new SimpleMeterRegistry()))) {
            assertThat(buffer.poll().orElseThrow().sequence()).isZero();
            BufferItem after = buffer.poll().orElseThrow();
            assertThat(after.sequence()).isEqualTo(DAMAGED + 1);
            assertThat(after.payload()).isEqualTo(payload(DAMAGED + 1));
        }
    }

    @Test
    void aDamagedBaseOffsetIsCaughtThoughTheCrcDoesNotCoverIt() throws Exception {
        writeItems();
        flip(positionOf(DAMAGED) + 7, 0x04); // the low byte of the base offset: 1 becomes 5
        try (DiskBuffer buffer = DiskBuffer.open(dir, config(WhenCorrupt.STOP, new SimpleMeterRegistry()))) {
            assertThat(buffer.poll().orElseThrow().sequence()).isZero();
            assertThatThrownBy(buffer::poll).isInstanceOfSatisfying(CorruptItemException.class, e -> {
                assertThat(e.sequence()).isEqualTo(DAMAGED);
                // The log's read path or the buffer's own check names the wrong base offset, whichever sees it first.
                assertThat(e.getMessage()).containsAnyOf("found a batch with base offset 5", "a batch of offsets 5..5 where offset 1 should start");
            });
        }
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (DiskBuffer buffer = DiskBuffer.open(dir, config(WhenCorrupt.SKIP, registry))) {
            assertThat(buffer.poll().orElseThrow().sequence()).isZero();
            assertThat(buffer.poll().orElseThrow().payload()).isEqualTo(payload(DAMAGED + 1));
            buffer.ack(DAMAGED);
        }
        // The damaged header now lies just before the consumer's position, in the same segment: the
        // log's header walk stops at it (its base offset, 5, looks past the position), and it must
        // not hide the item after it.
        try (DiskBuffer buffer = DiskBuffer.open(dir, config(WhenCorrupt.SKIP, registry))) {
            BufferItem item = buffer.poll().orElseThrow();
            assertThat(item.sequence()).isEqualTo(DAMAGED + 1);
            assertThat(item.payload()).isEqualTo(payload(DAMAGED + 1));
        }
    }
}
