package dev.spool.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Items near and above the consumer's fetch size ({@link ItemReader#FETCH_BYTES}): the consumer
 * reads one such item per read, a larger one with its whole read buffer, and still skips a
 * damaged one whose successor lies beyond the fetch.
 */
class DiskBufferLargeItemTest {

    @TempDir
    Path dir;

    private static byte[] payload(int i, int bytes) {
        byte[] payload = new byte[bytes];
        Arrays.fill(payload, (byte) i);
        payload[0] = (byte) (i >> 8);
        return payload;
    }

    private static DiskBufferConfig config(WhenCorrupt policy, int segmentBytes, int itemBytesMax) {
        DiskBufferConfig c = DiskBufferConfig.defaults("t").withSegmentBytes(segmentBytes).withWhenCorrupt(policy)
                .withMeterRegistry(new SimpleMeterRegistry());
        return new DiskBufferConfig(c.componentId(), c.sizeBytesMax(), c.sizeItemsMax(), c.whenFull(),
                c.blockTimeoutMs(), c.durability(), c.segmentBytes(), itemBytesMax, c.meterRegistry(),
                c.whenCorrupt(), c.io());
    }

    @Test
    void itemsSmallerAndLargerThanAFetchComeBackWholeAndInOrder() throws Exception {
        int fetch = ItemReader.FETCH_BYTES;
        int[] sizes = {100, fetch - 4096, fetch + 4096, 3 << 20, 100, 100, fetch / 2, fetch / 2, fetch * 2, 7};
        try (DiskBuffer buffer = DiskBuffer.open(dir, config(WhenCorrupt.STOP, 16 << 20, 4 << 20))) {
            for (int i = 0; i < sizes.length; i++) {
                buffer.put(payload(i, sizes[i]), Map.of());
            }
            for (int i = 0; i < sizes.length; i++) {
                BufferItem item = buffer.poll().orElseThrow();
                assertThat(item.sequence()).isEqualTo(i);
                assertThat(item.payload()).as("item %d of %d bytes", i, sizes[i]).isEqualTo(payload(i, sizes[i]));
            }
            assertThat(buffer.poll()).isEmpty();
        }
    }

    @Test
    void underSkipADamagedItemWhoseSuccessorLiesBeyondTheFetchIsSkipped() throws Exception {
        int itemBytes = 600 << 10; // two do not fit one fetch
        int items = 8;
        int segmentBytes = 3 << 20;
        int itemBytesMax = DiskBufferConfig.defaults("t").itemBytesMax();
        List<Long> positions = new ArrayList<>();
        try (DiskBuffer buffer = DiskBuffer.open(dir, config(WhenCorrupt.STOP, segmentBytes, itemBytesMax))) {
            long position = 0;
            for (int i = 0; i < items; i++) {
                positions.add(position);
                position += buffer.put(payload(i, itemBytes), Map.of()).storedBytes();
            }
            // the damage goes in the first segment: a clean open checks only the last one's tail
            assertThat(buffer.log().segments().get(0).nextOffset()).as("items in the first segment")
                    .isGreaterThan(3);
        }
        Path segment = dir.resolve("buffer-0").resolve("00000000000000000000.log");
        try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            // a value byte of item 2: its CRC fails; the batches' framing is intact
            channel.write(ByteBuffer.wrap(new byte[] {(byte) 0xEE}), positions.get(2) + 1000);
        }
        // Polled through the read buffer, then into caller memory (each item alone, the damaged one too);
        // nothing is acknowledged, so the second open delivers from the start again.
        PayloadReader<BufferItem> copy = (seq, payload, metadata, stored) -> {
            byte[] bytes = new byte[payload.remaining()];
            payload.duplicate().get(bytes);
            return new BufferItem(seq, bytes, metadata, stored);
        };
        for (boolean intoMemory : new boolean[] {false, true}) {
            try (DiskBuffer buffer = DiskBuffer.open(dir, config(WhenCorrupt.SKIP, segmentBytes, itemBytesMax))) {
                for (int i : new int[] {0, 1, 3, 4, 5, 6, 7}) {
                    BufferItem item = (intoMemory ? buffer.poll(ByteBuffer::allocateDirect, copy) : buffer.poll())
                            .orElseThrow();
                    assertThat(item.sequence()).as("into memory: %s", intoMemory).isEqualTo(i);
                    assertThat(item.payload()).isEqualTo(payload(i, itemBytes));
                }
                assertThat(buffer.poll()).isEmpty();
            }
        }
    }

    @Test
    void pollIntoCallerMemoryHandsAPayloadInTheBufferItAllocatedThatLaterPollsLeaveAlone() throws Exception {
        // Large items first: each starts a read, so it is read alone into the caller's buffer. The small
        // ones after them come in one read through the consumer's buffer, and are copied out of it.
        int[] sizes = {200 << 10, ItemReader.OWNED_READ_BYTES_MIN, 700 << 10, 100, 5, 300, 64};
        List<ByteBuffer> allocated = new ArrayList<>();
        List<ByteBuffer> payloads = new ArrayList<>();
        ItemMemory memory = bytes -> {
            ByteBuffer buffer = ByteBuffer.allocateDirect(bytes + 16).position(16); // from its position on
            allocated.add(buffer);
            return buffer;
        };
        try (DiskBuffer buffer = DiskBuffer.open(dir, config(WhenCorrupt.STOP, 16 << 20, 4 << 20))) {
            for (int i = 0; i < sizes.length; i++) {
                buffer.put(payload(i, sizes[i]), Map.of("i", Integer.toString(i)));
            }
            for (int i = 0; i < sizes.length; i++) {
                int before = allocated.size();
                int[] stored = new int[1];
                long sequence = buffer.poll(memory, (seq, payload, metadata, storedBytes) -> {
                    payloads.add(payload);
                    stored[0] = storedBytes;
                    return seq;
                }).orElseThrow();
                assertThat(sequence).isEqualTo(i);
                assertThat(allocated).as("one buffer per poll").hasSize(before + 1);
                // A large item is read whole (its batch) into the buffer; a small one's payload copied there.
                assertThat(allocated.get(i).capacity() - 16).as("bytes asked for item %d", i)
                        .isEqualTo(sizes[i] >= ItemReader.OWNED_READ_BYTES_MIN ? stored[0] : sizes[i]);
            }
            assertThat(buffer.poll(memory, (seq, payload, metadata, stored) -> seq)).isEmpty();
        }
        for (int i = 0; i < sizes.length; i++) {
            byte[] bytes = new byte[payloads.get(i).remaining()];
            payloads.get(i).duplicate().get(bytes);
            assertThat(bytes).as("item %d after the later polls", i).isEqualTo(payload(i, sizes[i]));
            ByteBuffer mine = allocated.get(i);
            for (int k = 16; k < mine.capacity(); k++) {
                mine.put(k, (byte) 0x5A); // the payload is a view of this memory: it changes with it
            }
            assertThat(payloads.get(i).get(payloads.get(i).position())).isEqualTo((byte) 0x5A);
            assertThat(payloads.get(i).get(payloads.get(i).limit() - 1)).isEqualTo((byte) 0x5A);
        }
    }

    @Test
    void memoryThatCannotBeHadLeavesALargeItemUndeliveredAndNamesASmallOneDelivered() throws Exception {
        ItemMemory none = bytes -> {
            throw new IllegalStateException("no memory for " + bytes + " bytes");
        };
        ItemMemory direct = ByteBuffer::allocateDirect;
        PayloadReader<Long> sequences = (seq, payload, metadata, stored) -> seq;
        try (DiskBuffer buffer = DiskBuffer.open(dir, config(WhenCorrupt.STOP, 16 << 20, 4 << 20))) {
            buffer.put(payload(0, 300 << 10), Map.of());
            buffer.put(payload(1, 100), Map.of());
            // The large item is read into the memory before it is delivered: it stays the next one.
            assertThatThrownBy(() -> buffer.poll(none, sequences)).isInstanceOf(IllegalStateException.class);
            ItemMemory heap = ByteBuffer::allocate; // not direct: the file's bytes cannot go there in one copy
            assertThatThrownBy(() -> buffer.poll(heap, sequences)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("a direct buffer with at least that many bytes remaining");
            assertThat(buffer.poll(direct, sequences)).contains(0L);
            // The small one is copied into the memory after it was delivered: the error names it.
            assertThatThrownBy(() -> buffer.poll(none, sequences)).isInstanceOf(IOException.class)
                    .hasMessageContaining("sequence 1").hasMessageContaining("counts as delivered");
            assertThat(buffer.poll(direct, sequences)).isEmpty();
        }
    }
}
