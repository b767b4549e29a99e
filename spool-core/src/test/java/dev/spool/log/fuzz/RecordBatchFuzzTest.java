package dev.spool.log.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.record.CompressionType;
import dev.spool.log.record.CorruptRecordException;
import dev.spool.log.record.Header;
import dev.spool.log.record.Record;
import dev.spool.log.record.RecordBatch;
import dev.spool.log.record.compression.CompressionCodec;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.statistics.Statistics;

/**
 * Hostile bytes into the record batch codec ({@link RecordBatch}) and the four decompressors: valid
 * batches of every codec, mutated ({@link Mutation}), half of them with their CRC recomputed after
 * the damage so it reaches the record framing and the compressed streams; and plain random bytes.
 *
 * <p>Each input goes through what a reader does ({@code validate}, then {@code validateRecords} and
 * {@code records}) and through {@code records} alone (a reader that skipped {@code validate} must
 * still get a {@link CorruptRecordException}, never an overrun). Asserted on every input: the only
 * exception is {@link CorruptRecordException}; the call ends; it allocates no more than
 * {@link #allocationMax} (linear in the bytes given plus the decompression limit, never in a size
 * field read from them); and a batch that passes its CRC without one having been forged decodes to
 * exactly the records that were encoded.
 */
@AddLifecycleHook(FuzzSettings.class)
class RecordBatchFuzzTest {
    /** The decompression limit under test: small, so that "refused at the limit" is reached often. */
    private static final int DECOMPRESSED_BYTES_MAX = 256 << 10;
    private static final int BATCH_BYTES_MAX = 1 << 20;
    private static final Set<Class<? extends Throwable>> DOCUMENTED = Set.of(CorruptRecordException.class);

    /**
     * What decoding may allocate: decoded records cost a few hundred bytes per record of at least
     * seven bytes (about 64 per input byte), decompression up to twice its limit while its buffer
     * grows plus the codecs' own buffers (lz4 may try one block of up to 4 MiB, zstd reads through
     * a 128 KiB window buffer). A length or count trusted before it is checked costs its value,
     * typically hundreds of megabytes: far above this.
     */
    static long allocationMax(int inputBytes) {
        return 16L * DECOMPRESSED_BYTES_MAX + 64L * inputBytes + (8L << 20);
    }

    @Property(tries = 1500, shrinking = ShrinkingMode.BOUNDED)
    void mutatedBatchesFailOnlyAsCorruptRecords(@ForAll("records") List<ValidInputs.Spec> records,
                                                @ForAll("codecs") CompressionType codec,
                                                @ForAll("mutations") List<Mutation> mutations,
                                                @ForAll boolean forgeCrc) {
        byte[] valid = ValidInputs.batch(records, codec, 1000);
        byte[] hostile = Mutation.applyAll(valid, mutations);
        if (forgeCrc) {
            ValidInputs.fixCrcs(hostile);
        }
        String input = codec + " batch of " + records.size() + " records, " + mutations
                + (forgeCrc ? ", CRC forged" : "");
        Bounded.Outcome<List<Record>> checked = Bounded.run(input, allocationMax(hostile.length), DOCUMENTED, () -> {
            ByteBuffer buffer = ByteBuffer.wrap(hostile);
            RecordBatch.validate(buffer, 0, BATCH_BYTES_MAX);
            RecordBatch.validateRecords(buffer, 0, DECOMPRESSED_BYTES_MAX);
            return touch(RecordBatch.records(buffer, 0, DECOMPRESSED_BYTES_MAX));
        });
        Bounded.run(input + ", records() without validate()", allocationMax(hostile.length), DOCUMENTED,
                () -> touch(RecordBatch.records(ByteBuffer.wrap(hostile), 0, DECOMPRESSED_BYTES_MAX)));
        Statistics.label("outcome").collect(checked.failed() ? "refused" : "accepted");
        if (!checked.failed()) {
            List<Record> decoded = checked.result();
            long base = RecordBatch.baseOffset(ByteBuffer.wrap(hostile), 0);
            for (int i = 0; i < decoded.size(); i++) {
                assertThat(decoded.get(i).offset()).as("offsets are dense from the base").isEqualTo(base + i);
            }
            if (!forgeCrc) {
                // The CRC held and nobody forged it: the records are the ones encoded, whatever changed
                // outside its cover (base offset, leader epoch).
                assertThat(decoded).hasSize(records.size());
                for (int i = 0; i < records.size(); i++) {
                    ValidInputs.Spec spec = records.get(i);
                    Record record = decoded.get(i);
                    assertThat(record.timestamp()).isEqualTo(ValidInputs.T0 + spec.timestampDelta());
                    assertThat(bytes(record.key())).isEqualTo(spec.key());
                    assertThat(bytes(record.value())).isEqualTo(spec.value());
                    assertThat(record.headers()).isEqualTo(spec.headers());
                }
            }
        }
    }

    @Property(tries = 1000, shrinking = ShrinkingMode.BOUNDED)
    void randomBytesFailOnlyAsCorruptRecords(@ForAll @Size(max = 600) byte[] bytes, @ForAll boolean plausibleHeader) {
        byte[] hostile = bytes.clone();
        if (plausibleHeader && hostile.length >= RecordBatch.HEADER_BYTES) {
            // Get past the first checks: a length that fits, magic 2, a codec id in range, a right CRC.
            ByteBuffer buffer = ByteBuffer.wrap(hostile);
            buffer.putInt(RecordBatch.BATCH_LENGTH_OFFSET, hostile.length - RecordBatch.LOG_OVERHEAD_BYTES);
            buffer.put(RecordBatch.MAGIC_OFFSET, RecordBatch.MAGIC);
            buffer.putShort(RecordBatch.ATTRIBUTES_OFFSET, (short) Math.floorMod(buffer.getShort(
                    RecordBatch.ATTRIBUTES_OFFSET), 5));
            ValidInputs.fixCrcs(hostile);
        }
        String input = hostile.length + " random bytes" + (plausibleHeader ? " with a plausible header" : "");
        Bounded.run(input, allocationMax(hostile.length), DOCUMENTED, () -> {
            ByteBuffer buffer = ByteBuffer.wrap(hostile);
            RecordBatch.validate(buffer, 0, BATCH_BYTES_MAX);
            return touch(RecordBatch.records(buffer, 0, DECOMPRESSED_BYTES_MAX));
        });
        Bounded.run(input + ", records() without validate()", allocationMax(hostile.length), DOCUMENTED,
                () -> touch(RecordBatch.records(ByteBuffer.wrap(hostile), 0, DECOMPRESSED_BYTES_MAX)));
    }

    @Property(tries = 1500, shrinking = ShrinkingMode.BOUNDED)
    void decompressorsRefuseHostileStreamsCleanly(@ForAll("records") List<ValidInputs.Spec> records,
                                                  @ForAll("compressedCodecs") CompressionType codec,
                                                  @ForAll("mutations") List<Mutation> mutations,
                                                  @ForAll boolean direct) {
        byte[] plain = recordsSection(records);
        ByteBuffer target = ByteBuffer.allocate(plain.length * 2 + 1024);
        int compressed = CompressionCodec.of(codec).compress(ByteBuffer.wrap(plain), target);
        assertThat(compressed).isPositive();
        byte[] stream = new byte[compressed];
        target.get(0, stream);
        byte[] hostile = Mutation.applyAll(stream, mutations);
        // Heap and direct sources take different paths into the codecs (array regions vs copies).
        ByteBuffer source = direct ? ByteBuffer.allocateDirect(hostile.length).put(hostile).flip()
                : ByteBuffer.wrap(hostile);
        Bounded.Outcome<ByteBuffer> outcome = Bounded.run(codec + " stream of " + compressed + " bytes, " + mutations,
                allocationMax(hostile.length), DOCUMENTED,
                () -> CompressionCodec.of(codec).decompress(source, DECOMPRESSED_BYTES_MAX));
        Statistics.label("outcome").collect(outcome.failed() ? "refused" : "accepted");
        if (!outcome.failed()) {
            assertThat(outcome.result().remaining()).isLessThanOrEqualTo(DECOMPRESSED_BYTES_MAX);
        }
    }

    /** Reads every field of every record, so that a lazily broken view would throw here. */
    private static List<Record> touch(List<Record> records) {
        for (Record record : records) {
            record.keyBytes();
            record.valueBytes();
            for (Header header : record.headers()) {
                header.key();
                header.value();
            }
        }
        return records;
    }

    private static byte[] bytes(Optional<ByteBuffer> field) {
        return field.map(buffer -> {
            byte[] out = new byte[buffer.remaining()];
            buffer.duplicate().get(out);
            return out;
        }).orElse(null);
    }

    /** The plain records section of a batch of {@code records}: what a codec compresses. */
    private static byte[] recordsSection(List<ValidInputs.Spec> records) {
        byte[] batch = ValidInputs.batch(records, CompressionType.NONE, 0);
        byte[] section = new byte[batch.length - RecordBatch.RECORDS_OFFSET];
        System.arraycopy(batch, RecordBatch.RECORDS_OFFSET, section, 0, section.length);
        return section;
    }

    @Provide
    Arbitrary<List<ValidInputs.Spec>> records() {
        return ValidInputs.records();
    }

    @Provide
    Arbitrary<CompressionType> codecs() {
        return ValidInputs.codecs();
    }

    @Provide
    Arbitrary<CompressionType> compressedCodecs() {
        return Arbitraries.of(CompressionType.GZIP, CompressionType.SNAPPY, CompressionType.LZ4, CompressionType.ZSTD);
    }

    @Provide
    Arbitrary<List<Mutation>> mutations() {
        return Mutation.lists(4);
    }
}
