package dev.spool.log.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.AppendResult;
import dev.spool.log.InvalidBatchException;
import dev.spool.log.LoadState;
import dev.spool.log.Log;
import dev.spool.log.LogConfig;
import dev.spool.log.ReadResult;
import dev.spool.log.io.FileIO;
import dev.spool.log.record.CompressionType;
import dev.spool.log.record.RecordBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * Hostile bytes from a producer (what the Kafka server hands {@link Log#append}): mutated batches,
 * half with a forged CRC, appended between valid ones. The append either refuses them whole with an
 * {@link InvalidBatchException} or stores them; either way the log's other batches are untouched,
 * and whatever an append accepted, recovery accepts too, after a crash and after a clean
 * shutdown. Otherwise one bad produce request would make the partition refuse to open.
 */
@AddLifecycleHook(FuzzSettings.class)
class AppendFuzzTest {
    private static final ScratchDir SCRATCH = new ScratchDir("spool-fuzz-append");
    private static final FileIO IO = new NoSyncFileIO();
    private static final LogConfig CONFIG = LogConfig.defaults().withSegmentBytes(64 << 10)
            .withBatchBytesMax(32 << 10).withIndexIntervalBytes(128);
    private static final long ALLOCATED_BYTES_MAX = 16L << 20;

    @AfterContainer
    static void removeScratch() throws IOException {
        SCRATCH.close();
    }

    @Property(tries = 300, shrinking = ShrinkingMode.BOUNDED)
    void whatAnAppendAcceptsRecoveryAccepts(@ForAll("records") List<ValidInputs.Spec> records,
                                            @ForAll("codecs") CompressionType codec,
                                            @ForAll("mutations") List<Mutation> mutations,
                                            @ForAll boolean forgeCrc) throws IOException {
        Path dir = SCRATCH.fresh().resolve("p-0");
        byte[] hostile = Mutation.applyAll(ValidInputs.batch(records, codec, 0), mutations);
        if (forgeCrc) {
            ValidInputs.fixCrcs(hostile);
        }
        String input = codec + " batch of " + records.size() + " records, " + mutations + (forgeCrc ? ", CRC forged"
                : "");
        List<byte[]> stored = new ArrayList<>();
        try (Log log = Log.open(IO, dir, CONFIG, LoadState.unknown(), () -> 1_700_000_000_000L)) {
            stored.add(append(log, valid(0)));
            stored.add(append(log, valid(1)));
            ByteBuffer request = ByteBuffer.wrap(hostile.clone());
            Bounded.Outcome<AppendResult> outcome = Bounded.run("append " + input, ALLOCATED_BYTES_MAX,
                    Set.of(InvalidBatchException.class), () -> log.append(request));
            Statistics.label("append").collect(outcome.failed() ? "refused" : "stored");
            if (!outcome.failed()) {
                byte[] written = new byte[request.remaining()];
                request.duplicate().get(written); // as stored: the log stamped the base offsets into it
                stored.add(written);
            }
            stored.add(append(log, valid(2)));
            assertThat(readAll(log)).as("after %s", input).containsExactlyElementsOf(bytesOf(stored));
        }
        for (LoadState state : List.of(LoadState.unknown(), LoadState.clean())) {
            Bounded.Outcome<List<String>> reopened = Bounded.run("reopen " + state + " after " + input,
                    ALLOCATED_BYTES_MAX, Set.of(), () -> {
                        try (Log log = Log.open(IO, dir, CONFIG, state, () -> 1_700_000_000_000L)) {
                            return readAll(log);
                        }
                    });
            assertThat(reopened.result()).as("reopened %s after %s", state, input)
                    .containsExactlyElementsOf(bytesOf(stored));
        }
    }

    private static byte[] valid(int i) {
        return ValidInputs.batch(List.of(new ValidInputs.Spec(i, null, new byte[] {(byte) i, 1, 2}, List.of())),
                CompressionType.NONE, 0);
    }

    private static byte[] append(Log log, byte[] batch) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(batch.clone());
        log.append(buffer);
        byte[] stored = new byte[buffer.remaining()];
        buffer.duplicate().get(stored);
        return stored;
    }

    /** The stored batches one by one, as hex (so a mismatch prints readably), in offset order. */
    private static List<String> bytesOf(List<byte[]> appends) {
        List<String> batches = new ArrayList<>();
        for (byte[] append : appends) {
            ByteBuffer buffer = ByteBuffer.wrap(append);
            for (int at = 0; at < append.length; at += RecordBatch.sizeInBytes(buffer, at)) {
                batches.add(java.util.HexFormat.of().formatHex(Arrays.copyOfRange(append, at,
                        at + RecordBatch.sizeInBytes(buffer, at))));
            }
        }
        return batches;
    }

    private static List<String> readAll(Log log) throws IOException {
        List<String> batches = new ArrayList<>();
        long offset = log.logStartOffset();
        while (offset < log.logEndOffset()) {
            ReadResult result = log.read(offset, 1 << 16);
            ByteBuffer bytes = result.batches();
            for (int at = bytes.position(); at < bytes.limit(); at += RecordBatch.sizeInBytes(bytes, at)) {
                byte[] batch = new byte[RecordBatch.sizeInBytes(bytes, at)];
                bytes.get(at, batch);
                batches.add(java.util.HexFormat.of().formatHex(batch));
            }
            offset = result.nextOffset(offset);
        }
        return batches;
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
    Arbitrary<List<Mutation>> mutations() {
        return Mutation.lists(3);
    }
}
