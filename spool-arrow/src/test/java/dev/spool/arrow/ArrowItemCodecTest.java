package dev.spool.arrow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.queue.DiskBuffer;
import dev.spool.queue.DiskBufferConfig;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
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
 * The IPC stream written straight into an item's record batch and decoded where the consumer read
 * it: the same bytes as Arrow's stream writer produces, the same batch back, and a damaged stream a
 * clear {@link InvalidArrowItemException}, never another exception, whatever byte is damaged.
 */
class ArrowItemCodecTest {
    @TempDir
    Path dir;

    private BufferAllocator allocator;

    @BeforeEach
    void allocator() {
        allocator = new RootAllocator();
    }

    @AfterEach
    void noLeaks() {
        allocator.close(); // throws if a decoded vector, or a decode that failed half-way, leaked
    }

    /** {@code rows} rows of a bigint and a varchar column, seeded, one null in seven. */
    private VectorSchemaRoot batch(int rows, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        BigIntVector ids = new BigIntVector("id", allocator);
        VarCharVector names = new VarCharVector("name", allocator);
        ids.allocateNew(rows);
        names.allocateNew(12L * rows, rows);
        for (int row = 0; row < rows; row++) {
            if (random.nextInt(7) == 0) {
                ids.setNull(row);
                names.setNull(row);
                continue;
            }
            ids.set(row, random.nextLong());
            byte[] name = new byte[random.nextInt(12)];
            for (int k = 0; k < name.length; k++) {
                name[k] = (byte) ('a' + random.nextInt(26));
            }
            names.setSafe(row, name);
        }
        ids.setValueCount(rows);
        names.setValueCount(rows);
        return new VectorSchemaRoot(java.util.List.<FieldVector>of(ids, names));
    }

    @Test
    void theStreamWrittenIntoTheBatchIsArrowsStreamAndReadsBackIdentical() throws Exception {
        try (VectorSchemaRoot sent = batch(60_000, 1)) {
            sent.setRowCount(60_000);
            byte[] expected = ArrowItemCodec.encode(sent);
            VectorSchemaRoot reference = ArrowItemCodec.decode(expected, allocator);
            assertThat(expected.length).as("larger than the first buffer the sink takes").isGreaterThan(64 << 10);
            try (ArrowBuffer buffer = ArrowBuffer.open(dir, DiskBufferConfig.defaults("a"), allocator)) {
                buffer.put(sent, Map.of("k", "v"));
                sent.setRowCount(3);
                buffer.enqueue(sent, Map.of()).join();
            }
            // The raw payload, read by the disk buffer underneath: exactly the bytes Arrow's writer produces.
            try (DiskBuffer raw = DiskBuffer.open(dir, DiskBufferConfig.defaults("a"))) {
                assertThat(raw.poll().orElseThrow().payload()).isEqualTo(expected);
            }
            try (ArrowBuffer buffer = ArrowBuffer.open(dir, DiskBufferConfig.defaults("a"), allocator)) {
                try (ArrowItem item = buffer.poll().orElseThrow()) {
                    assertThat(item.metadata()).isEqualTo(Map.of("k", "v"));
                    assertThat(item.batch().equals(reference)).isTrue();
                    assertThat(reference.getRowCount()).isEqualTo(60_000);
                }
                try (ArrowItem item = buffer.poll().orElseThrow()) {
                    assertThat(item.batch().getRowCount()).isEqualTo(3);
                }
            } finally {
                reference.close();
            }
        }
    }

    @Test
    void decodingFromADirectBufferSliceReadsOnlyItsBytesAndLeavesItsPosition() throws Exception {
        try (VectorSchemaRoot sent = batch(1_000, 2)) {
            sent.setRowCount(1_000);
            byte[] bytes = ArrowItemCodec.encode(sent);
            ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length + 20);
            direct.position(10).put(bytes).put(new byte[10]).position(10).limit(10 + bytes.length);
            try (VectorSchemaRoot read = ArrowItemCodec.decode(direct.asReadOnlyBuffer(), allocator)) {
                assertThat(read.equals(sent)).isTrue();
            }
            assertThat(direct.position()).isEqualTo(10);
        }
    }

    @Test
    void anyDamagedByteIsAClearErrorOrAReadableBatchNeverAnotherException() throws Exception {
        byte[] valid;
        try (VectorSchemaRoot sent = batch(40, 3)) {
            sent.setRowCount(40);
            valid = ArrowItemCodec.encode(sent);
        }
        SplittableRandom random = new SplittableRandom(4);
        int errors = 0;
        for (int trial = 0; trial < 400; trial++) {
            byte[] damaged = valid.clone();
            // Mostly the metadata (the first few hundred bytes), where a flipped byte changes lengths and offsets.
            int at = random.nextInt(random.nextInt(4) == 0 ? damaged.length : Math.min(400, damaged.length));
            damaged[at] ^= (byte) (1 + random.nextInt(255));
            try (VectorSchemaRoot read = ArrowItemCodec.decode(ByteBuffer.wrap(damaged), allocator)) {
                assertThat(read.getRowCount()).isGreaterThanOrEqualTo(0);
            } catch (InvalidArrowItemException e) {
                errors++;
                assertThat(e.getMessage()).isNotBlank();
            }
        }
        assertThat(errors).as("damage the decoder noticed").isPositive();
    }

    @Test
    void aBodyClaimingMoreThanThePayloadIsRefusedBeforeArrowAllocatesIt() throws Exception {
        byte[] valid;
        try (VectorSchemaRoot sent = batch(40, 5)) {
            sent.setRowCount(40);
            valid = ArrowItemCodec.encode(sent);
        }
        // The record batch message's body length is a little-endian int64 in its flatbuffer; rather than
        // locate it, cut the stream's body short: the header still claims the whole body.
        int schemaEnd = 8 + ByteBuffer.wrap(valid).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(4);
        int batchMetadataEnd = schemaEnd + 8 + ByteBuffer.wrap(valid).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .getInt(schemaEnd + 4);
        byte[] cut = new byte[batchMetadataEnd + 16 + 8];
        System.arraycopy(valid, 0, cut, 0, batchMetadataEnd + 16);
        ByteBuffer.wrap(cut).putInt(cut.length - 8, -1).putInt(cut.length - 4, 0); // end of stream
        assertThatThrownBy(() -> ArrowItemCodec.decode(ByteBuffer.wrap(cut), allocator))
                .isInstanceOf(InvalidArrowItemException.class).hasMessageContaining("claims a body of")
                .hasMessageContaining("but 16 bytes lie between");
    }
}
