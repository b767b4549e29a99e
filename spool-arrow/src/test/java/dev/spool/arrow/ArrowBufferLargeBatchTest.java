package dev.spool.arrow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.queue.DiskBuffer;
import dev.spool.queue.DiskBufferConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Batches large enough (64 KiB and more) that a poll reads them from the file straight into Arrow
 * memory and the polled vectors wrap it: one allocation per poll, no copy into the vectors, and
 * each polled batch keeps its bytes however many polls, acknowledgements and deleted segments
 * follow. The allocator is closed after each test, so any buffer not released fails it.
 */
class ArrowBufferLargeBatchTest {
    private static final int ROWS = 20_000;

    @TempDir
    Path dir;

    private BufferAllocator root;
    private BufferAllocator allocator;

    @BeforeEach
    void allocator() {
        root = new RootAllocator();
        allocator = root.newChildAllocator("polls", 0, Long.MAX_VALUE);
    }

    @AfterEach
    void noLeaks() {
        allocator.close(); // throws if a vector or a read buffer was not released
        root.close();
    }

    /** Rows of ids and names that differ from batch to batch ({@code seed}). */
    private VectorSchemaRoot batch(BufferAllocator from, int seed) {
        BigIntVector ids = new BigIntVector("id", from);
        VarCharVector names = new VarCharVector("name", from);
        ids.allocateNew(ROWS);
        names.allocateNew(16L * ROWS, ROWS);
        for (int row = 0; row < ROWS; row++) {
            ids.set(row, (long) seed * 1_000_000 + row);
            if (row % 7 == 0) {
                names.setNull(row);
            } else {
                names.setSafe(row, ("n-" + seed + "-" + row).getBytes(StandardCharsets.UTF_8));
            }
        }
        List<FieldVector> vectors = List.of(ids, names);
        vectors.forEach(vector -> vector.setValueCount(ROWS));
        return new VectorSchemaRoot(vectors.stream().map(FieldVector::getField).toList(), vectors, ROWS);
    }

    @Test
    void aLargeBatchIsReadIntoOneArrowBufferThatItsVectorsWrapAndKeepsItsBytesAfterLaterPolls() throws Exception {
        int batches = 40; // about 330 KiB each: several 1 MiB segments, deleted as they are acknowledged
        DiskBufferConfig config = DiskBufferConfig.defaults("arrow").withSegmentBytes(1 << 20);
        try (BufferAllocator senders = root.newChildAllocator("senders", 0, Long.MAX_VALUE);
             ArrowBuffer buffer = ArrowBuffer.open(dir, config, allocator)) {
            for (int i = 0; i < batches; i++) {
                try (VectorSchemaRoot sent = batch(senders, i)) { // both write the vectors' memory where it lies
                    if (i % 2 == 0) {
                        buffer.put(sent, Map.of("i", Integer.toString(i)));
                    } else {
                        buffer.enqueue(sent, Map.of("i", Integer.toString(i))).join();
                    }
                }
            }
            List<ArrowItem> polled = new ArrayList<>();
            try {
                for (int i = 0; i < batches; i++) {
                    long before = allocator.getAllocatedMemory();
                    ArrowItem item = buffer.poll().orElseThrow();
                    polled.add(item);
                    long oneBuffer = Long.highestOneBit(item.storedBytes() - 1L) << 1; // Arrow rounds up
                    // One buffer of the stored batch's size, held by the vectors; a copy into the vectors
                    // would have needed a second one, of the body's size, during the poll.
                    assertThat(allocator.getAllocatedMemory() - before).as("memory held by polled batch %d", i)
                            .isBetween((long) item.storedBytes(), oneBuffer);
                    assertThat(allocator.getPeakMemoryAllocation() - before).as("memory a poll took at most")
                            .isLessThanOrEqualTo(oneBuffer);
                    if (i % 5 == 4) {
                        buffer.ack(item.sequence());
                    }
                }
                assertThat(buffer.buffer().sizeItems()).isZero();
                for (int i = 0; i < batches; i++) {
                    try (VectorSchemaRoot expected = batch(senders, i)) {
                        assertThat(polled.get(i).batch().contentToTSVString())
                                .as("batch %d after every later poll", i).isEqualTo(expected.contentToTSVString());
                    }
                }
            } finally {
                polled.forEach(ArrowItem::close);
            }
            assertThat(allocator.getAllocatedMemory()).as("closing the items frees what the polls read").isZero();
        }
    }

    @Test
    void aLargePayloadThatIsNotArrowIsReportedAndFreesWhatItWasReadInto() throws Exception {
        byte[] valid;
        try (VectorSchemaRoot sent = batch(allocator, 1)) {
            valid = ArrowItemCodec.encode(sent);
        }
        assertThat(valid.length).isGreaterThan(64 << 10);
        byte[] scrambled = valid.clone();
        for (int i = 12; i < 400; i++) {
            scrambled[i] = (byte) (scrambled[i] * 31 + i);
        }
        byte[] truncatedBody = Arrays.copyOf(valid, valid.length - 4096);
        System.arraycopy(valid, valid.length - 8, truncatedBody, truncatedBody.length - 8, 8); // keeps the end marker
        Map<String, String> marked = Map.of(ArrowItemCodec.FORMAT_KEY, ArrowItemCodec.FORMAT_VALUE);
        try (DiskBuffer raw = DiskBuffer.open(dir, DiskBufferConfig.defaults("arrow"))) {
            raw.put(scrambled, marked);
            raw.put(truncatedBody, marked);
            raw.put(valid, marked);
        }
        try (ArrowBuffer buffer = ArrowBuffer.open(dir, DiskBufferConfig.defaults("arrow"), allocator)) {
            assertThatThrownBy(buffer::poll).isInstanceOf(InvalidArrowItemException.class)
                    .hasMessageContaining("sequence 0");
            assertThatThrownBy(buffer::poll).isInstanceOf(InvalidArrowItemException.class)
                    .hasMessageContaining("sequence 1").hasMessageContaining("claims a body of");
            assertThat(allocator.getAllocatedMemory()).as("nothing kept from the damaged batches").isZero();
            try (ArrowItem item = buffer.poll().orElseThrow();
                 VectorSchemaRoot expected = batch(allocator, 1)) {
                assertThat(item.batch().contentToTSVString()).isEqualTo(expected.contentToTSVString());
            }
        }
    }
}
