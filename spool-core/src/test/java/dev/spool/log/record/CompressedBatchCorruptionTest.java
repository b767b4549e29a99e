package dev.spool.log.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdOutputStreamNoFinalizer;
import dev.spool.log.record.KafkaInterop.Producer;
import dev.spool.log.record.KafkaInterop.Rec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import net.jpountz.xxhash.XXHashFactory;
import org.apache.kafka.common.compress.Lz4BlockOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.xerial.snappy.Snappy;
import org.xerial.snappy.SnappyOutputStream;

/**
 * Compressed records sections that are hostile or broken, each inside a batch whose CRC is valid
 * (so only decompression can catch them): decompression bombs, sizes claimed in the codec's own
 * headers, truncation, garbage, and record counts that disagree with what decompresses. Every case
 * must end in a {@link CorruptRecordException} that names the codec and the problem.
 */
class CompressedBatchCorruptionTest {
    private static final long SEED = 77_001L;
    private static final int ONE_MIB = 1 << 20;
    private static final long BOMB_BYTES = 1L << 30;

    /** A batch of {@code recordCount} records whose records section is {@code section}, with a valid CRC. */
    static ByteBuffer batchWith(CompressionType type, byte[] section, int recordCount) {
        int size = RecordBatch.HEADER_BYTES + section.length;
        ByteBuffer buffer = ByteBuffer.allocate(size);
        buffer.put(RecordBatch.RECORDS_OFFSET, section);
        short attributes = RecordBatch.attributes(type, TimestampType.CREATE_TIME, false, false);
        RecordBatch.writeHeader(buffer, 0, size, 0L, attributes, recordCount - 1, 1L, 1L, -1L, (short) -1, -1,
                recordCount);
        return buffer;
    }

    /** The compressed records section of a batch our builder writes for {@code input}. */
    static byte[] compressedSection(CompressionType type, List<Rec> input) {
        ByteBuffer batch = KafkaInterop.encodeOurs(input, Producer.NONE, 0L, type);
        assertThat(RecordBatch.compression(batch, 0)).isEqualTo(type);
        return Arrays.copyOfRange(batch.array(), RecordBatch.RECORDS_OFFSET, batch.remaining());
    }

    static int plainSectionBytes(List<Rec> input) {
        return KafkaInterop.encodeOurs(input, Producer.NONE, 0L).remaining() - RecordBatch.RECORDS_OFFSET;
    }

    /** {@code bytes} zeros through the codec's own stream writer, as a producer could send them. */
    static byte[] zerosCompressed(CompressionType type, long bytes) throws IOException {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (OutputStream out = switch (type) {
            case GZIP -> new GZIPOutputStream(sink, 64 * 1024) { {
                def.setLevel(1);
            } };
            case SNAPPY -> new SnappyOutputStream(sink);
            case LZ4 -> new Lz4BlockOutputStream(sink, 9, false);
            case ZSTD -> new ZstdOutputStreamNoFinalizer(sink, 1);
            case NONE -> throw new IllegalArgumentException();
        }) {
            byte[] zeros = new byte[ONE_MIB];
            for (long written = 0; written < bytes; written += zeros.length) {
                out.write(zeros);
            }
        }
        return sink.toByteArray();
    }

    private static long allocatedBytesOfThisThread() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    @ParameterizedTest
    @EnumSource(value = CompressionType.class, names = "NONE", mode = EnumSource.Mode.EXCLUDE)
    void aGibibyteOfZerosIsRefusedWithoutHoldingMoreThanTheLimit(CompressionType type) throws Exception {
        ByteBuffer bomb = batchWith(type, zerosCompressed(type, BOMB_BYTES), 1);
        RecordBatch.validate(bomb, 0, Integer.MAX_VALUE); // the CRC is fine: only decompression can tell

        long before = allocatedBytesOfThisThread();
        assertThatThrownBy(() -> RecordBatch.records(bomb, 0))
                .isInstanceOf(CorruptRecordException.class)
                // Stream codecs find out by expanding; snappy's chunks claim their size, checked first.
                .hasMessageMatching(type + "-compressed records (expand to more than the maximum of "
                        + RecordBatch.DECOMPRESSED_BYTES_MAX_DEFAULT + " decompressed bytes|claim \\d+ decompressed"
                        + " bytes, more than the maximum of " + RecordBatch.DECOMPRESSED_BYTES_MAX_DEFAULT + ")");
        long allocated = allocatedBytesOfThisThread() - before;

        // Doubling up to the 64 MiB limit allocates under 128 MiB in all; nothing near the 1 GiB claimed.
        assertThat(allocated).as("bytes allocated while refusing the bomb").isLessThan(160L * ONE_MIB);
        assertThatThrownBy(() -> RecordBatch.validateRecords(bomb, 0, ONE_MIB))
                .isInstanceOf(CorruptRecordException.class)
                .hasMessageContaining("maximum of " + ONE_MIB);
    }

    @ParameterizedTest
    @EnumSource(value = CompressionType.class, names = "NONE", mode = EnumSource.Mode.EXCLUDE)
    void theLimitIsInclusive(CompressionType type) throws Exception {
        List<Rec> input = CompressedBatchBuilderTest.jsonRecords(40, SEED);
        int plain = plainSectionBytes(input);
        ByteBuffer batch = batchWith(type, compressedSection(type, input), input.size());

        assertThat(RecordBatch.records(batch, 0, plain)).hasSize(input.size());
        assertThatThrownBy(() -> RecordBatch.records(batch, 0, plain - 1))
                .isInstanceOf(CorruptRecordException.class)
                .hasMessageContaining(type + "-compressed records")
                .hasMessageContaining("maximum of " + (plain - 1));
        assertThatThrownBy(() -> RecordBatch.records(batch, 0, -1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anLz4ContentSizeAboveTheLimitIsRefusedBeforeDecoding() {
        // Frame descriptor: FLG version 01, independent blocks, content size present; BD 64 KiB blocks.
        byte[] frame = new byte[4 + 2 + 8 + 1 + 4];
        ByteBuffer header = ByteBuffer.wrap(frame).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        header.putInt(0x184D2204).put((byte) 0x68).put((byte) 0x40).putLong(1L << 40);
        int hash = XXHashFactory.fastestInstance().hash32().hash(frame, 4, 10, 0);
        header.put((byte) (hash >> 8)).putInt(0); // HC, then the end mark: nothing follows

        assertThatThrownBy(() -> RecordBatch.records(batchWith(CompressionType.LZ4, frame, 1), 0))
                .isInstanceOf(CorruptRecordException.class)
                .hasMessage("LZ4-compressed records claim 1099511627776 decompressed bytes, more than the maximum of "
                        + RecordBatch.DECOMPRESSED_BYTES_MAX_DEFAULT);
    }

    @Test
    void aZstdFrameContentSizeAboveTheLimitIsRefusedBeforeDecoding() {
        byte[] frame = Zstd.compress(new byte[2 * ONE_MIB], 1); // a one-shot frame declares its size

        assertThatThrownBy(() -> RecordBatch.records(batchWith(CompressionType.ZSTD, frame, 1), 0, ONE_MIB))
                .isInstanceOf(CorruptRecordException.class)
                .hasMessage("ZSTD-compressed records claim 2097152 decompressed bytes, more than the maximum of " + ONE_MIB);
    }

    @Test
    void snappySizesClaimedByAChunkOrARawBlockAreCheckedBeforeAllocating() throws Exception {
        byte[] raw = Snappy.compress(new byte[2 * ONE_MIB]);
        assertThatThrownBy(() -> RecordBatch.records(batchWith(CompressionType.SNAPPY, raw, 1), 0, ONE_MIB))
                .isInstanceOf(CorruptRecordException.class)
                .hasMessage("SNAPPY-compressed records claim 2097152 decompressed bytes, more than the maximum of " + ONE_MIB);

        // snappy-java's framing with one oversized chunk (SnappyOutputStream itself never writes chunks over 32 KiB).
        ByteBuffer framed = ByteBuffer.allocate(16 + 4 + raw.length);
        framed.put(new byte[] {(byte) 0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0}).putInt(1).putInt(1)
                .putInt(raw.length).put(raw);
        assertThatThrownBy(() -> RecordBatch.records(batchWith(CompressionType.SNAPPY, framed.array(), 1), 0, ONE_MIB))
                .isInstanceOf(CorruptRecordException.class)
                .hasMessage("SNAPPY-compressed records claim 2097152 decompressed bytes, more than the maximum of " + ONE_MIB);
    }

    @ParameterizedTest
    @EnumSource(value = CompressionType.class, names = "NONE", mode = EnumSource.Mode.EXCLUDE)
    void truncatedPayloadsAreRefused(CompressionType type) {
        List<Rec> input = CompressedBatchBuilderTest.jsonRecords(60, SEED);
        byte[] section = compressedSection(type, input);
        for (int cut : new int[] {section.length / 2, section.length - 3, section.length - 1}) {
            ByteBuffer truncated = batchWith(type, Arrays.copyOf(section, cut), input.size());
            assertThatThrownBy(() -> RecordBatch.validateRecords(truncated, 0))
                    .as("%s cut to %d of %d bytes", type, cut, section.length)
                    .isInstanceOf(CorruptRecordException.class)
                    .hasMessageStartingWith(type + "-compressed records are truncated");
        }
    }

    @ParameterizedTest
    @EnumSource(value = CompressionType.class, names = "NONE", mode = EnumSource.Mode.EXCLUDE)
    void garbagePayloadsAreRefused(CompressionType type) {
        Random random = new Random(SEED + type.id());
        for (int length : new int[] {7, 100, 5000}) { // one byte of gzip is "truncated": it could be a header's start
            byte[] garbage = new byte[length];
            random.nextBytes(garbage);
            ByteBuffer batch = batchWith(type, garbage, 3);
            assertThatThrownBy(() -> RecordBatch.records(batch, 0))
                    .as("%s, %d random bytes (seed %d)", type, length, SEED + type.id())
                    .isInstanceOf(CorruptRecordException.class)
                    .hasMessageStartingWith(type + "-compressed records ")
                    .hasMessageContaining("not");
        }
    }

    @ParameterizedTest
    @EnumSource(value = CompressionType.class, names = "NONE", mode = EnumSource.Mode.EXCLUDE)
    void aFlippedByteInsideTheCompressedStreamIsRefused(CompressionType type) {
        List<Rec> input = CompressedBatchBuilderTest.jsonRecords(60, SEED);
        byte[] section = compressedSection(type, input);
        Random random = new Random(SEED);
        int refused = 0;
        for (int trial = 0; trial < 50; trial++) {
            byte[] damaged = section.clone();
            int at = random.nextInt(damaged.length);
            damaged[at] ^= (byte) (1 + random.nextInt(255));
            try {
                List<Record> records = RecordBatch.records(batchWith(type, damaged, input.size()), 0);
                // Some flips land in literal bytes and decode to a different but well-formed value.
                assertThat(records).hasSize(input.size());
            } catch (CorruptRecordException e) {
                refused++;
                assertThat(e.getMessage()).as("flip at byte %d", at).isNotBlank();
            }
        }
        assertThat(refused).as("flips that were refused (the rest changed a value)").isPositive();
    }

    @ParameterizedTest
    @EnumSource(value = CompressionType.class, names = "NONE", mode = EnumSource.Mode.EXCLUDE)
    void recordCountsThatDisagreeWithTheDecompressedRecordsAreRefused(CompressionType type) {
        List<Rec> input = CompressedBatchBuilderTest.jsonRecords(5, SEED);
        byte[] section = compressedSection(type, input);

        assertThatThrownBy(() -> RecordBatch.records(batchWith(type, section, 4), 0))
                .isInstanceOf(CorruptRecordException.class)
                .hasMessageMatching("\\d+ decompressed bytes follow the last of 4 records");
        assertThatThrownBy(() -> RecordBatch.records(batchWith(type, section, 6), 0))
                .isInstanceOf(CorruptRecordException.class)
                .hasMessage("Varint runs past the end of the record");
        assertThatThrownBy(() -> RecordBatch.records(batchWith(type, section, 100_000), 0))
                .isInstanceOf(CorruptRecordException.class)
                .hasMessage("Record count 100000 cannot fit in " + plainSectionBytes(input)
                        + " decompressed bytes of records");
    }
}
