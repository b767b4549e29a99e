package dev.spool.arrow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.queue.DiskBuffer;
import dev.spool.queue.DiskBufferConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.TimeStampMicroTZVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.complex.StructVector;
import org.apache.arrow.vector.complex.impl.UnionListWriter;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Arrow batches through the disk buffer: what comes out after a restart equals what went in
 * (schema with its metadata, values, nulls, the item metadata), and payloads that are not the
 * IPC stream the codec writes get a clear error naming the item. The allocator is closed after
 * each test, which fails it if any polled vector leaked.
 */
class ArrowBufferTest {
    private static final int ROWS = 6;

    @TempDir
    Path dir;

    private BufferAllocator allocator;

    @BeforeEach
    void allocator() {
        allocator = new RootAllocator();
    }

    @AfterEach
    void noLeaks() {
        allocator.close(); // throws if a vector was not released
    }

    private ArrowBuffer open() throws Exception {
        return ArrowBuffer.open(dir, DiskBufferConfig.defaults("arrow"), allocator);
    }

    /** Six rows over seven column types; every column has nulls, in different rows. */
    private VectorSchemaRoot sampleBatch() {
        IntVector ints = new IntVector("int", allocator);
        BigIntVector bigints = new BigIntVector("bigint", allocator);
        Float8Vector doubles = new Float8Vector("float8", allocator);
        VarCharVector strings = new VarCharVector("varchar", allocator);
        BitVector bools = new BitVector("bool", allocator);
        TimeStampMicroTZVector times = new TimeStampMicroTZVector("timestamp", allocator, "UTC");
        ListVector lists = ListVector.empty("list", allocator);
        List<FieldVector> vectors = List.of(ints, bigints, doubles, strings, bools, times, lists);
        vectors.forEach(FieldVector::allocateNew);
        UnionListWriter listWriter = lists.getWriter();
        for (int row = 0; row < ROWS; row++) {
            if (row % 3 == 0) {
                ints.setNull(row);
            } else {
                ints.set(row, row * 1_000 - 7);
            }
            if (row == 1) {
                bigints.setNull(row);
            } else {
                bigints.set(row, Long.MAX_VALUE - row);
            }
            if (row == 2) {
                doubles.setNull(row);
            } else {
                doubles.set(row, row / 3.0);
            }
            if (row == 4) {
                strings.setNull(row);
            } else {
                strings.setSafe(row, ("row-" + row + "-ünïcode").getBytes(StandardCharsets.UTF_8));
            }
            if (row == 5) {
                bools.setNull(row);
            } else {
                bools.set(row, row % 2);
            }
            if (row == 3) {
                times.setNull(row);
            } else {
                times.set(row, 1_763_900_000_000_000L + row);
            }
            listWriter.setPosition(row);
            if (row != 0) { // row 0 stays null
                listWriter.startList();
                for (int k = 0; k < row; k++) {
                    listWriter.writeInt(row * 10 + k);
                }
                listWriter.endList();
            }
        }
        vectors.forEach(vector -> vector.setValueCount(ROWS));
        Schema schema = new Schema(vectors.stream().map(FieldVector::getField).toList(),
                Map.of("source", "sensor-7", "units", "metric"));
        return new VectorSchemaRoot(schema, vectors, ROWS);
    }

    private static void assertEqualBatches(VectorSchemaRoot received, VectorSchemaRoot sent) {
        assertThat(received.getSchema()).isEqualTo(sent.getSchema());
        assertThat(received.getSchema().getCustomMetadata()).isEqualTo(sent.getSchema().getCustomMetadata());
        assertThat(received.getRowCount()).isEqualTo(sent.getRowCount());
        assertThat(received.contentToTSVString()).isEqualTo(sent.contentToTSVString());
        assertThat(received.equals(sent)).as("vector by vector, validity included").isTrue();
    }

    @Test
    void aBatchOfSeveralColumnTypesWithNullsComesBackEqualAfterARestart() throws Exception {
        Map<String, String> metadata = Map.of("tenant", "acme", "batch", "7");
        try (VectorSchemaRoot sent = sampleBatch()) {
            try (ArrowBuffer buffer = open()) {
                assertThat(buffer.put(sent, metadata).sequence()).isZero();
            }
            try (ArrowBuffer buffer = open(); ArrowItem item = buffer.poll().orElseThrow()) {
                assertThat(item.sequence()).isZero();
                assertThat(item.metadata()).isEqualTo(metadata);
                assertEqualBatches(item.batch(), sent);
                IntVector lists = (IntVector) ((ListVector) item.batch().getVector("list")).getDataVector();
                assertThat(lists.get(lists.getValueCount() - 1)).isEqualTo(54);
                assertThat(item.batch().getVector("int").isNull(3)).isTrue();
                buffer.ack(item.sequence());
                assertThat(buffer.buffer().sizeItems()).isZero();
            }
        }
    }

    @Test
    void aStructColumnRoundTrips() throws Exception {
        Field a = new Field("a", FieldType.nullable(new ArrowType.Int(32, true)), null);
        Field b = new Field("b", FieldType.nullable(ArrowType.Utf8.INSTANCE), null);
        Field point = new Field("point", FieldType.nullable(ArrowType.Struct.INSTANCE), List.of(a, b));
        try (VectorSchemaRoot sent = VectorSchemaRoot.create(new Schema(List.of(point)), allocator);
             ArrowBuffer buffer = open()) {
            StructVector struct = (StructVector) sent.getVector("point");
            IntVector x = struct.getChild("a", IntVector.class);
            VarCharVector y = struct.getChild("b", VarCharVector.class);
            sent.allocateNew();
            for (int row = 0; row < 3; row++) {
                if (row == 1) {
                    struct.setNull(row);
                    continue;
                }
                struct.setIndexDefined(row);
                x.setSafe(row, row + 40);
                y.setSafe(row, ("p" + row).getBytes(StandardCharsets.UTF_8));
            }
            sent.setRowCount(3);
            buffer.put(sent, Map.of());
            try (ArrowItem item = buffer.poll().orElseThrow()) {
                assertEqualBatches(item.batch(), sent);
            }
        }
    }

    @Test
    void anEmptyBatchKeepsItsSchemaAndHasNoRows() throws Exception {
        try (VectorSchemaRoot sent = sampleBatch(); ArrowBuffer buffer = open()) {
            sent.setRowCount(0);
            buffer.put(sent, Map.of("empty", "yes"));
            try (ArrowItem item = buffer.poll().orElseThrow()) {
                assertThat(item.batch().getRowCount()).isZero();
                assertThat(item.batch().getSchema()).isEqualTo(sent.getSchema());
                assertThat(item.metadata()).containsEntry("empty", "yes");
            }
        }
    }

    @Test
    void batchesComeOutInOrderAndARestartRedeliversTheUnacknowledged() throws Exception {
        try (VectorSchemaRoot sent = sampleBatch()) {
            try (ArrowBuffer buffer = open()) {
                for (int i = 0; i < 3; i++) {
                    sent.setRowCount(i + 1);
                    buffer.enqueue(sent, Map.of("i", Integer.toString(i))).join();
                }
                try (ArrowItem first = buffer.poll().orElseThrow()) {
                    buffer.ack(first.sequence());
                }
                buffer.poll().orElseThrow().close(); // delivered, not acknowledged
            }
            try (ArrowBuffer buffer = open()) {
                for (int i = 1; i < 3; i++) {
                    try (ArrowItem item = buffer.poll().orElseThrow()) {
                        assertThat(item.sequence()).isEqualTo(i);
                        assertThat(item.metadata()).isEqualTo(Map.of("i", Integer.toString(i)));
                        assertThat(item.batch().getRowCount()).isEqualTo(i + 1);
                    }
                }
                assertThat(buffer.poll()).isEmpty();
            }
        }
    }

    @Test
    void aPayloadThatIsNotAnIpcStreamGetsAClearErrorNamingTheItemAndTheNextBatchStillComes() throws Exception {
        byte[] valid;
        try (VectorSchemaRoot sent = sampleBatch()) {
            valid = ArrowItemCodec.encode(sent);
        }
        Map<String, String> marked = Map.of(ArrowItemCodec.FORMAT_KEY, ArrowItemCodec.FORMAT_VALUE);
        byte[] garbage = "certainly not arrow".getBytes(StandardCharsets.UTF_8);
        byte[] truncated = Arrays.copyOf(valid, valid.length / 2);
        byte[] noEnd = Arrays.copyOf(valid, valid.length - 8);
        byte[] badLength = valid.clone();
        badLength[4] = (byte) 0xff; // the schema message claims about 2 GiB of metadata
        badLength[7] = (byte) 0x7f;
        byte[] scrambled = valid.clone();
        for (int i = 12; i < 200; i++) {
            scrambled[i] = (byte) (scrambled[i] * 31 + i);
        }
        try (DiskBuffer raw = DiskBuffer.open(dir, DiskBufferConfig.defaults("arrow"))) {
            raw.put(garbage, marked);
            raw.put(truncated, marked);
            raw.put(noEnd, marked);
            raw.put(badLength, marked);
            raw.put(scrambled, marked);
            raw.put(valid, Map.of("not", "marked"));
            raw.put(valid, marked);
        }
        try (ArrowBuffer buffer = open()) {
            assertThatThrownBy(buffer::poll).isInstanceOf(InvalidArrowItemException.class)
                    .hasMessageContaining("Item at sequence 0 of disk buffer").hasMessageContaining("no schema message");
            assertThatThrownBy(buffer::poll).isInstanceOf(InvalidArrowItemException.class)
                    .hasMessageContaining("sequence 1").hasMessageContaining("bytes of metadata, but");
            assertThatThrownBy(buffer::poll).isInstanceOf(InvalidArrowItemException.class)
                    .hasMessageContaining("sequence 2").hasMessageContaining("end-of-stream marker");
            assertThatThrownBy(buffer::poll).isInstanceOf(InvalidArrowItemException.class)
                    .hasMessageContaining("sequence 3").hasMessageContaining("claims");
            assertThatThrownBy(buffer::poll).isInstanceOf(InvalidArrowItemException.class)
                    .hasMessageContaining("sequence 4").hasMessageContaining("not a readable Arrow IPC stream");
            assertThatThrownBy(buffer::poll).isInstanceOf(InvalidArrowItemException.class)
                    .hasMessageContaining("sequence 5").hasMessageContaining("is not an Arrow batch");
            buffer.ack(5); // the bad ones count as delivered: acknowledging drops them
            try (ArrowItem item = buffer.poll().orElseThrow()) {
                assertThat(item.sequence()).isEqualTo(6);
                assertThat(item.batch().getRowCount()).isEqualTo(ROWS);
            }
        }
    }

    @Test
    void theFormatKeyIsReserved() throws Exception {
        try (VectorSchemaRoot sent = sampleBatch(); ArrowBuffer buffer = open()) {
            assertThatThrownBy(() -> buffer.put(sent, Map.of(ArrowItemCodec.FORMAT_KEY, "x")))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reserved");
            assertThat(buffer.buffer().sizeItems()).isZero();
        }
    }
}
