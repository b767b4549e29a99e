package dev.spool.log.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.io.FileIO;
import dev.spool.log.segment.ChainFile;
import dev.spool.log.segment.CorruptChainException;
import dev.spool.log.segment.CorruptIndexException;
import dev.spool.log.segment.OffsetIndex;
import dev.spool.log.segment.TimeIndex;
import dev.spool.log.io.StorageFile;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * Hostile bytes into the files beside a segment: the offset index ({@link OffsetIndex}), the time
 * index ({@link TimeIndex}) and the hash-chain sidecar ({@link ChainFile}). Inputs are valid files
 * (made by the codecs themselves), mutated, and plain random bytes.
 *
 * <p>Asserted on every input: loading fails, if at all, with the codec's own typed exception
 * ({@link CorruptIndexException}, {@link CorruptChainException}); nothing larger than the file's
 * own bytes (a few times over) is allocated, whatever sizes or counts the bytes claim; and an index
 * that passes its sanity check answers every lookup inside the segment it describes: a position
 * inside the log, an offset inside the segment.
 */
@AddLifecycleHook(FuzzSettings.class)
class SidecarFuzzTest {
    private static final ScratchDir SCRATCH = new ScratchDir("spool-fuzz-sidecar");
    private static final FileIO IO = new NoSyncFileIO();
    private static final long BASE_OFFSET = 1_000_000L;
    /** Per byte of an index file: the bytes read, then a long per entry (about twice that for a time index). */
    private static final long ALLOCATED_BYTES_PER_FILE_BYTE = 8;
    /** Opening the file, the exception and its message, classes loaded on first use: a few hundred KiB. */
    private static final long ALLOCATED_BYTES_FIXED = 1 << 20;

    @AfterContainer
    static void removeScratch() throws IOException {
        SCRATCH.close();
    }

    private static long allocationMax(int fileBytes) {
        return ALLOCATED_BYTES_FIXED + ALLOCATED_BYTES_PER_FILE_BYTE * fileBytes;
    }

    @Property(tries = 800, shrinking = ShrinkingMode.BOUNDED)
    void offsetIndexLoadsOrIsRefusedAsCorrupt(@ForAll @IntRange(max = 60) int entries, @ForAll long seed,
                                             @ForAll("mutations") List<Mutation> mutations,
                                             @ForAll("indexLimits") int indexBytesMax) throws IOException {
        Path dir = SCRATCH.fresh();
        Random random = new Random(seed);
        OffsetIndex valid = OffsetIndex.empty(dir.resolve("valid.index"), BASE_OFFSET, 1 << 20);
        int position = 0;
        long offset = BASE_OFFSET;
        for (int i = 0; i < entries; i++) {
            offset += 1 + random.nextInt(50);
            position += 61 + random.nextInt(5000);
            valid.append(offset, position);
        }
        valid.flush(IO);
        long logSizeBytes = position + 61L + random.nextInt(5000);
        byte[] hostile = Mutation.applyAll(java.nio.file.Files.readAllBytes(valid.path()), mutations);
        Path file = ScratchDir.write(dir.resolve("hostile.index"), hostile);
        String input = entries + "-entry offset index, " + mutations + ", limit " + indexBytesMax;

        Bounded.Outcome<OffsetIndex> outcome = Bounded.run(input, allocationMax(hostile.length),
                Set.of(CorruptIndexException.class), () -> {
                    OffsetIndex index = OffsetIndex.load(IO, file, BASE_OFFSET, indexBytesMax);
                    index.sanityCheck(logSizeBytes);
                    return index;
                });
        Statistics.label("outcome").collect(outcome.failed() ? "refused" : "accepted");
        if (!outcome.failed()) {
            OffsetIndex index = outcome.result();
            for (int i = 0; i < 50; i++) {
                long wanted = BASE_OFFSET + random.nextInt((int) (offset - BASE_OFFSET) + 100);
                assertThat(index.lookupPosition(wanted)).as("scan start for offset %d", wanted)
                        .isBetween(0, (int) logSizeBytes - 1);
                int floor = index.floorEntry(wanted);
                assertThat(floor).isBetween(-1, index.entries() - 1);
                if (floor >= 0) {
                    assertThat(index.offsetAt(floor)).isLessThanOrEqualTo(wanted);
                }
            }
        }
    }

    @Property(tries = 800, shrinking = ShrinkingMode.BOUNDED)
    void timeIndexLoadsOrIsRefusedAsCorrupt(@ForAll @IntRange(max = 60) int entries, @ForAll long seed,
                                           @ForAll("mutations") List<Mutation> mutations,
                                           @ForAll("indexLimits") int indexBytesMax) throws IOException {
        Path dir = SCRATCH.fresh();
        Random random = new Random(seed);
        TimeIndex valid = TimeIndex.empty(dir.resolve("valid.timeindex"), BASE_OFFSET, 1 << 20);
        long timestamp = 1_700_000_000_000L;
        long offset = BASE_OFFSET;
        for (int i = 0; i < entries; i++) {
            timestamp += 1 + random.nextInt(10_000);
            offset += random.nextInt(50);
            valid.maybeAppend(timestamp, offset);
            offset++;
        }
        valid.flush(IO);
        long nextOffset = offset + random.nextInt(20);
        byte[] hostile = Mutation.applyAll(java.nio.file.Files.readAllBytes(valid.path()), mutations);
        Path file = ScratchDir.write(dir.resolve("hostile.timeindex"), hostile);
        String input = entries + "-entry time index, " + mutations + ", limit " + indexBytesMax;

        Bounded.Outcome<TimeIndex> outcome = Bounded.run(input, 2 * allocationMax(hostile.length),
                Set.of(CorruptIndexException.class), () -> {
                    TimeIndex index = TimeIndex.load(IO, file, BASE_OFFSET, indexBytesMax);
                    index.sanityCheck(nextOffset);
                    return index;
                });
        Statistics.label("outcome").collect(outcome.failed() ? "refused" : "accepted");
        if (!outcome.failed()) {
            TimeIndex index = outcome.result();
            for (int i = 0; i < 50; i++) {
                long wanted = 1_700_000_000_000L + random.nextInt((int) (timestamp - 1_700_000_000_000L) + 100);
                assertThat(index.scanStartFor(wanted)).as("scan start for time %d", wanted)
                        .isBetween(BASE_OFFSET, nextOffset);
            }
        }
    }

    @Property(tries = 800, shrinking = ShrinkingMode.BOUNDED)
    void chainSidecarLoadsOrIsRefusedAsCorrupt(@ForAll @IntRange(max = 40) int entries, @ForAll long seed,
                                              @ForAll("mutations") List<Mutation> mutations) throws IOException {
        Path dir = SCRATCH.fresh();
        Random random = new Random(seed);
        byte[] anchor = hash(random);
        ChainFile valid = ChainFile.empty(dir.resolve("valid.chain"), BASE_OFFSET, anchor, ChainFile.VERSION);
        long offset = BASE_OFFSET;
        for (int i = 0; i < entries; i++) {
            valid.add(offset, hash(random));
            offset += 1 + random.nextInt(50);
        }
        valid.flush(IO);
        byte[] hostile = Mutation.applyAll(java.nio.file.Files.readAllBytes(valid.path()), mutations);
        Path file = ScratchDir.write(dir.resolve("hostile.chain"), hostile);
        String input = entries + "-entry chain sidecar, " + mutations;

        Bounded.Outcome<Long> outcome = Bounded.run(input, allocationMax(hostile.length),
                Set.of(CorruptChainException.class), () -> {
                    ChainFile loaded = ChainFile.load(IO, file, BASE_OFFSET);
                    long whole = (hostile.length - ChainFile.HEADER_BYTES) / ChainFile.ENTRY_BYTES;
                    assertThat(loaded.entries()).isEqualTo(whole);
                    // What recovery and verification do next: read every entry back in chunks.
                    long read = 0;
                    try (StorageFile open = IO.open(file, FileIO.OpenMode.READ)) {
                        ChainFile.Header header = ChainFile.readHeader(open, file, BASE_OFFSET);
                        assertThat(header.anchor()).isEqualTo(loaded.anchor());
                        ByteBuffer chunk = ByteBuffer.allocate(16 * ChainFile.ENTRY_BYTES);
                        for (int n; (n = ChainFile.readEntries(open, read, 16, chunk)) > 0; ) {
                            read += n;
                        }
                    }
                    assertThat(read).isEqualTo(whole);
                    return read;
                });
        Statistics.label("outcome").collect(outcome.failed() ? "refused" : "accepted");
    }

    @Example
    void aHugeSparseIndexIsRefusedBeforeItIsRead() throws IOException {
        Path dir = SCRATCH.fresh();
        Path file = dir.resolve("huge.index");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(1L << 30); // 1 GiB of holes: nothing on disk, a large claim
        }
        Bounded.Outcome<OffsetIndex> outcome = Bounded.run("1 GiB sparse offset index", ALLOCATED_BYTES_FIXED,
                Set.of(CorruptIndexException.class), () -> OffsetIndex.load(IO, file, 0, 10 << 20));
        assertThat(outcome.thrown()).hasMessageContaining("more than the 1310720 allowed");
        Bounded.Outcome<TimeIndex> times = Bounded.run("1 GiB sparse time index", ALLOCATED_BYTES_FIXED,
                Set.of(CorruptIndexException.class), () -> TimeIndex.load(IO, file, 0, 10 << 20));
        assertThat(times.thrown()).isInstanceOf(CorruptIndexException.class);
    }

    private static byte[] hash(Random random) {
        byte[] hash = new byte[ChainFile.HASH_BYTES];
        random.nextBytes(hash);
        return hash;
    }

    @Provide
    Arbitrary<List<Mutation>> mutations() {
        return Mutation.lists(4);
    }

    @Provide
    Arbitrary<Integer> indexLimits() {
        return Arbitraries.of(8, 96, 4096, 10 << 20);
    }
}
