package dev.spool.log.fuzz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.spool.log.record.CompressionType;
import dev.spool.log.record.CorruptRecordException;
import dev.spool.log.record.Header;
import dev.spool.log.record.RecordBatch;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * "Huge length fields", exhaustively rather than by chance: every byte position of a valid batch
 * of each codec gets, in turn, a huge number in each encoding a length or count can have in the
 * format (big-endian int32 for the batch header and snappy's chunk lengths, little-endian int32
 * and int64 for lz4's block sizes and content size and zstd's frame content size, zig-zag varints
 * for record fields, unsigned varints for snappy's size preamble), with the CRC recomputed so the
 * value is believed as far as the decoder's own checks allow. Every one must be refused with a
 * {@link CorruptRecordException} (or decode, when the value landed where it means nothing) while
 * allocating no more than the decompression limit allows: no buffer is sized from a field before
 * the field is checked. The one exception to the limit is documented below.
 */
class LengthFieldSweepTest {
    private static final int DECOMPRESSED_BYTES_MAX = 256 << 10;
    /**
     * What one decode may allocate: its output buffer, doubling up to the limit (under twice the
     * limit in all), the codecs' fixed buffers, and lz4's one retry of a failed block with the
     * frame's block maximum (up to 4 MiB, whatever the limit) to tell "too big" from "garbage".
     */
    private static final long ALLOCATED_BYTES_MAX = 2L * DECOMPRESSED_BYTES_MAX + (4L << 20) + (1L << 20);

    private static final long[] INT32_VALUES = {Integer.MAX_VALUE, 1 << 30, 0xFFFFFFFFL, 1 << 28};
    private static final long[] INT64_VALUES = {1L << 40, Long.MAX_VALUE};
    private static final long[] VARINT_VALUES = {Integer.MAX_VALUE, 1 << 30, Long.MAX_VALUE};
    private static final long[] UNSIGNED_VARINT_VALUES = {0xFFFFFFFFL, 1L << 31};

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void everyPositionTakesEveryHugeValueWithoutAnOversizedAllocation(CompressionType codec) {
        byte[] valid = batch(codec);
        assertThat(RecordBatch.compression(ByteBuffer.wrap(valid), 0)).as("the codec was kept").isEqualTo(codec);
        List<byte[]> encodings = new ArrayList<>();
        long[] tried = {0};
        long[] largest = {0};
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            for (int position = 0; position < valid.length; position++) {
                encodings.clear();
                for (long value : INT32_VALUES) {
                    encodings.add(ByteBuffer.allocate(4).putInt((int) value).array());
                    encodings.add(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) value).array());
                }
                for (long value : INT64_VALUES) {
                    encodings.add(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array());
                }
                for (long value : VARINT_VALUES) {
                    encodings.add(varint((value << 1) ^ (value >> 63)));
                }
                for (long value : UNSIGNED_VARINT_VALUES) {
                    encodings.add(varint(value));
                }
                for (byte[] encoded : encodings) {
                    byte[] hostile = valid.clone();
                    System.arraycopy(encoded, 0, hostile, position, Math.min(encoded.length, hostile.length - position));
                    ValidInputs.fixCrcs(hostile);
                    String input = codec + " batch with " + encoded.length + " bytes of a huge value at position "
                            + position;
                    Bounded.Outcome<Integer> outcome = Bounded.runInline(input, ALLOCATED_BYTES_MAX,
                            Set.of(CorruptRecordException.class), () -> {
                                ByteBuffer buffer = ByteBuffer.wrap(hostile);
                                RecordBatch.validate(buffer, 0, 1 << 20);
                                return RecordBatch.records(buffer, 0, DECOMPRESSED_BYTES_MAX).size();
                            });
                    tried[0]++;
                    largest[0] = Math.max(largest[0], outcome.allocatedBytes());
                }
            }
        });
        org.slf4j.LoggerFactory.getLogger(LengthFieldSweepTest.class).info(
                "fuzz LengthFieldSweepTest.{}: {} inputs tried, largest allocation of one call {} KiB", codec, tried[0],
                largest[0] >> 10);
        assertThat(tried[0]).isEqualTo((long) valid.length * 15);
    }

    /** Eight records with keys, compressible JSON-like values and a header each. */
    private static byte[] batch(CompressionType codec) {
        List<ValidInputs.Spec> records = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            byte[] value = ("{\"id\":" + i + ",\"name\":\"aaaaaaaaaaaaaaaaaaaaaaaa\",\"tags\":[\"bb\",\"bb\"]}")
                    .getBytes(StandardCharsets.UTF_8);
            records.add(new ValidInputs.Spec(i, ("k" + i).getBytes(StandardCharsets.UTF_8), value,
                    List.of(Header.of("h", new byte[] {(byte) i}))));
        }
        return ValidInputs.batch(records, codec, 0);
    }

    private static byte[] varint(long unsigned) {
        ByteBuffer out = ByteBuffer.allocate(10);
        long v = unsigned;
        while ((v & ~0x7FL) != 0) {
            out.put((byte) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.put((byte) v);
        byte[] bytes = new byte[out.position()];
        out.flip().get(bytes);
        return bytes;
    }
}
