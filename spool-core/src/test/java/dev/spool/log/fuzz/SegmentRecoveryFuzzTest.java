package dev.spool.log.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.LoadState;
import dev.spool.log.Log;
import dev.spool.log.LogConfig;
import dev.spool.log.OffsetOutOfRangeException;
import dev.spool.log.ReadResult;
import dev.spool.log.io.FileIO;
import dev.spool.log.record.BatchBuilder;
import dev.spool.log.record.CompressionType;
import dev.spool.log.record.CorruptRecordException;
import dev.spool.log.record.RecordBatch;
import dev.spool.log.segment.SegmentFiles;
import dev.spool.log.tool.LogVerifier;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * Segment recovery on hostile bytes: a log of several small segments (batches of every codec,
 * with and without the hash chain) is closed cleanly, one of its files is mutated (a segment,
 * the last or any; an offset or time index; a chain sidecar), and the directory is opened as
 * after a clean shutdown, after a crash with no checkpoint, or after a crash with a checkpointed
 * recovery point. Then everything is read back, the directory is verified ({@link LogVerifier}),
 * and one more batch is appended.
 *
 * <p>Asserted on every input, besides the bounds of {@link Bounded} (documented exceptions only,
 * no runaway allocation, no endless loop):
 * <ul>
 *   <li>open, read, verify and append fail, if at all, with an {@link IOException} that names the
 *       damaged directory's file, never an unchecked exception;</li>
 *   <li>nothing before the damage is lost: every batch of an earlier segment, and every batch of the
 *       damaged segment that ends before the first changed byte, reads back byte for byte; damage
 *       to an index only is always repaired (every batch reads back);</li>
 *   <li>no record that was not appended is returned as valid: a batch a read returns is the
 *       original (its unchecksummed leader epoch aside), or it fails its CRC (unless the test forged
 *       the CRC, as a hostile writer could);</li>
 *   <li>reads never skip: each read starts with the batch holding the offset asked for, and
 *       offsets are dense from there;</li>
 *   <li>damage is never silently accepted: a segment changed beyond its leader epochs makes the
 *       verifier report a finding, and with no checkpoint to trust a damaged segment that is not
 *       the last makes the open fail.</li>
 * </ul>
 */
@AddLifecycleHook(FuzzSettings.class)
class SegmentRecoveryFuzzTest {
    private static final ScratchDir SCRATCH = new ScratchDir("spool-fuzz-recovery");
    private static final FileIO IO = new NoSyncFileIO();
    private static final LogConfig PLAIN = LogConfig.defaults().withSegmentBytes(3072).withBatchBytesMax(3072)
            .withIndexIntervalBytes(256);
    private static final LogConfig CHAINED = PLAIN.withHashChain(true);
    /** Everything one open, read, verify or append of this small log may allocate: the log is 20-odd KiB. */
    private static final long ALLOCATED_BYTES_MAX = 16L << 20;
    private static final Set<Class<? extends Throwable>> DOCUMENTED = Set.of(IOException.class);

    private static final String WORK_PLAIN = "work-plain";
    private static final String WORK_CHAINED = "work-chained";
    private static Template plain;
    private static Template chained;

    /**
     * Which file of the log is damaged. {@code LOG_WITHOUT_INDEX} also deletes the segment's offset
     * index, so that a clean open rebuilds it by scanning the damaged segment without its CRCs.
     */
    enum Target { LAST_LOG, ANY_LOG, LOG_WITHOUT_INDEX, INDEX, TIME_INDEX, CHAIN }

    /** What the log manager would know when opening. */
    enum State { CLEAN, NO_CHECKPOINT, RECOVERY_POINT }

    /** A batch as the closed log stored it. */
    record Stored(long segmentBase, int position, long baseOffset, long lastOffset, byte[] bytes) {
        int end() {
            return position + bytes.length;
        }
    }

    /** The closed log every try starts from, and its batches. */
    record Template(Path dir, LogConfig config, List<Long> segmentBases, List<Stored> batches, long logEnd,
                    Map<String, byte[]> files) {
    }

    @AfterContainer
    static void removeScratch() throws IOException {
        SCRATCH.close();
    }

    private static synchronized Template template(boolean chain) throws IOException {
        if (chain && chained == null) {
            chained = build(CHAINED, SCRATCH.kept("template-chained"), 7);
        } else if (!chain && plain == null) {
            plain = build(PLAIN, SCRATCH.kept("template-plain"), 11);
        }
        return chain ? chained : plain;
    }

    /** Forty batches of one to four records, each batch in a codec of its own, over several segments. */
    private static Template build(LogConfig config, Path dir, long seed) throws IOException {
        Random random = new Random(seed);
        CompressionType[] codecs = CompressionType.values();
        try (Log log = Log.open(IO, dir, config, LoadState.unknown(), () -> 1_700_000_000_000L)) {
            BatchBuilder builder = new BatchBuilder(3072);
            for (int b = 0; b < 40; b++) {
                builder.reset().compression(codecs[b % codecs.length]);
                int records = 1 + random.nextInt(4);
                for (int r = 0; r < records; r++) {
                    StringBuilder pad = new StringBuilder();
                    for (int i = random.nextInt(200); i > 0; i--) {
                        pad.append((char) ('a' + random.nextInt(16)));
                    }
                    String value = "{\"batch\":" + b + ",\"record\":" + r + ",\"pad\":\"" + pad + "\"}";
                    builder.append(1_700_000_000_000L + 10L * b + random.nextInt(30), null,
                            ByteBuffer.wrap(value.getBytes(StandardCharsets.UTF_8)), new dev.spool.log.record.Header[0]);
                }
                ByteBuffer built = builder.build();
                ByteBuffer copy = ByteBuffer.allocate(built.remaining()).put(built).flip();
                log.append(copy);
            }
        }
        List<Long> bases = new ArrayList<>();
        List<Stored> batches = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.sorted().toList()) {
                OptionalLong base = SegmentFiles.baseOffsetOf(file.getFileName().toString(), SegmentFiles.LOG_SUFFIX);
                if (base.isEmpty()) {
                    continue;
                }
                bases.add(base.getAsLong());
                ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file));
                for (int at = 0; at < bytes.limit(); at += RecordBatch.sizeInBytes(bytes, at)) {
                    byte[] batch = Arrays.copyOfRange(bytes.array(), at, at + RecordBatch.sizeInBytes(bytes, at));
                    try {
                        RecordBatch.validate(ByteBuffer.wrap(batch), 0, Integer.MAX_VALUE);
                    } catch (CorruptRecordException e) {
                        throw new AssertionError("template batch at " + file + " position " + at, e);
                    }
                    batches.add(new Stored(base.getAsLong(), at, RecordBatch.baseOffset(bytes, at),
                            RecordBatch.lastOffset(bytes, at), batch));
                }
            }
        }
        assertThat(bases).as("the template spans several segments").hasSizeGreaterThan(3);
        long end = batches.get(batches.size() - 1).lastOffset() + 1;
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> all = Files.list(dir)) {
            for (Path file : all.toList()) {
                files.put(file.getFileName().toString(), Files.readAllBytes(file));
            }
        }
        org.slf4j.LoggerFactory.getLogger(SegmentRecoveryFuzzTest.class).info("template{}: {} batches, offsets 0..{}, "
                + "{} segments, {} files, {} bytes", config.hashChain() ? " with the hash chain" : "", batches.size(),
                end - 1, bases.size(), files.size(), files.values().stream().mapToInt(b -> b.length).sum());
        return new Template(dir, config, List.copyOf(bases), List.copyOf(batches), end, files);
    }

    @Property(tries = 400, shrinking = ShrinkingMode.BOUNDED)
    void recoveryKeepsWhatIsBeforeTheDamageAndNeverPassesDamageOffAsData(
            @ForAll boolean chain, @ForAll Target target, @ForAll @IntRange(max = 999) int segmentPick,
            @ForAll("mutations") List<Mutation> mutations, @ForAll("forgeCrc") boolean forgeCrc, @ForAll State state,
            @ForAll @IntRange(max = 999) int recoveryPick) throws IOException {
        Template template = template(chain);
        if (target == Target.CHAIN && !chain) {
            target = Target.ANY_LOG;
        }
        int segmentIndex = target == Target.LAST_LOG ? template.segmentBases().size() - 1
                : segmentPick % template.segmentBases().size();
        long segmentBase = template.segmentBases().get(segmentIndex);
        boolean isLog = target == Target.LAST_LOG || target == Target.ANY_LOG || target == Target.LOG_WITHOUT_INDEX;
        boolean isLast = segmentIndex == template.segmentBases().size() - 1;
        String suffix = switch (target) {
            case LAST_LOG, ANY_LOG, LOG_WITHOUT_INDEX -> SegmentFiles.LOG_SUFFIX;
            case INDEX -> SegmentFiles.INDEX_SUFFIX;
            case TIME_INDEX -> SegmentFiles.TIME_INDEX_SUFFIX;
            case CHAIN -> SegmentFiles.CHAIN_SUFFIX;
        };
        Path dir = restore(template, chain ? WORK_CHAINED : WORK_PLAIN);
        Path damaged = dir.resolve(SegmentFiles.baseName(segmentBase) + suffix);
        byte[] original = Files.readAllBytes(damaged);
        byte[] hostile = Mutation.applyAll(original, mutations);
        boolean forged = forgeCrc && isLog;
        if (forged) {
            ValidInputs.fixCrcs(hostile);
        }
        Files.write(damaged, hostile);
        if (target == Target.LOG_WITHOUT_INDEX) {
            Files.delete(SegmentFiles.indexFile(dir, segmentBase));
        }
        int firstChange = firstDifference(original, hostile);
        List<Stored> ofSegment = template.batches().stream().filter(b -> b.segmentBase() == segmentBase).toList();
        boolean epochOnly = isLog && original.length == hostile.length && onlyLeaderEpochsDiffer(original, hostile,
                ofSegment);
        boolean changed = firstChange >= 0 && !epochOnly;
        long recoveryPoint = template.segmentBases().get(recoveryPick % template.segmentBases().size())
                + recoveryPick % 5;
        LoadState loadState = switch (state) {
            case CLEAN -> LoadState.clean();
            case NO_CHECKPOINT -> LoadState.unknown();
            case RECOVERY_POINT -> new LoadState(false, OptionalLong.of(recoveryPoint), OptionalLong.empty());
        };
        String input = target + " " + damaged.getFileName() + " " + mutations + (forged ? ", CRC forged" : "")
                + ", " + state + (state == State.RECOVERY_POINT ? " " + recoveryPoint : "") + ", first change at byte "
                + firstChange + (epochOnly ? " (leader epochs only)" : "");

        // The verifier first: read-only, it sees the damage as the open will.
        Bounded.Outcome<LogVerifier.Report> verified = Bounded.run("verify " + input, ALLOCATED_BYTES_MAX, DOCUMENTED,
                () -> new LogVerifier(IO, template.config()).verifyPartition(dir));
        assertNamesTheDirectory(verified.thrown(), dir, input);
        if (isLog && changed && !forged && !verified.failed()) {
            assertThat(verified.result().isSound()).as("the verifier reports damage to %s", input).isFalse();
        }

        Bounded.Outcome<Log> opened = Bounded.run("open " + input, ALLOCATED_BYTES_MAX, DOCUMENTED,
                () -> Log.open(IO, dir, template.config(), loadState, () -> 1_800_000_000_000L));
        Statistics.label("open").collect(opened.failed() ? opened.thrown().getClass().getSimpleName() : "opened");
        assertNamesTheDirectory(opened.thrown(), dir, input);
        boolean pointPastTheEnd = state == State.RECOVERY_POINT && recoveryPoint > template.logEnd(); // row X3
        if (!isLog && target != Target.CHAIN && !pointPastTheEnd) {
            assertThat(opened.thrown()).as("an index is derived data: damage to it is repaired, %s", input).isNull();
        }
        if (opened.failed()) {
            return;
        }
        if (isLog && changed && !forged && !isLast && state == State.NO_CHECKPOINT) {
            throw new AssertionError("opened with no checkpoint to trust although a segment before the last was "
                    + "damaged: " + input);
        }
        try (Log log = opened.result()) {
            List<Stored> returned = java.util.Collections.synchronizedList(new ArrayList<>());
            // A reader that follows a forged header's offsets may also ask for an offset out of range.
            Bounded.Outcome<List<Stored>> read = Bounded.run("read " + input, ALLOCATED_BYTES_MAX, forged
                            ? Set.of(IOException.class, OffsetOutOfRangeException.class) : DOCUMENTED,
                    () -> readAll(log, template, forged, input, returned));
            assertNamesTheDirectory(read.thrown(), dir, input);
            Statistics.label("read").collect(read.failed() ? "failed" : "whole");
            // Reads go in offset order, so a read that fails on the damage has returned everything before
            // it, except that a segment whose index must be rebuilt and whose end is damaged is refused
            // whole (a clean shutdown trusted it; reading it now reports the damage instead).
            Map<Long, byte[]> byOffset = new TreeMap<>();
            returned.forEach(b -> byOffset.put(b.baseOffset(), b.bytes()));
            for (Stored batch : beforeDamage(template, segmentBase, isLog, firstChange)) {
                if (!read.failed() || byOffset.containsKey(batch.baseOffset())) {
                    assertThat(byOffset.get(batch.baseOffset()))
                            .as("batch at offset %d, before the damage, reads back: %s", batch.baseOffset(), input)
                            .isEqualTo(batch.bytes());
                }
            }
            Bounded.Outcome<Long> appended = Bounded.run("append after " + input, ALLOCATED_BYTES_MAX, DOCUMENTED,
                    () -> log.append(ByteBuffer.wrap(ValidInputs.batch(List.of(new ValidInputs.Spec(0, null,
                            new byte[] {1, 2, 3}, List.of())), CompressionType.NONE, 0))).lastOffset());
            assertNamesTheDirectory(appended.thrown(), dir, input);
        }
        // Whatever was read or refused, nothing before the damage was removed from the disk.
        for (Stored batch : beforeDamage(template, segmentBase, isLog, firstChange)) {
            Path file = dir.resolve(SegmentFiles.baseName(batch.segmentBase()) + SegmentFiles.LOG_SUFFIX);
            assertThat(Files.exists(file)).as("%s kept: %s", file.getFileName(), input).isTrue();
            byte[] onDisk = Files.readAllBytes(file);
            assertThat(onDisk.length).as("%s not cut before the damage: %s", file.getFileName(), input)
                    .isGreaterThanOrEqualTo(batch.end());
            assertThat(Arrays.copyOfRange(onDisk, batch.position(), batch.end()))
                    .as("batch at offset %d still on disk: %s", batch.baseOffset(), input).isEqualTo(batch.bytes());
        }
    }

    /** The batches wholly before the first changed byte: those of earlier segments and the damaged segment's prefix. */
    private static List<Stored> beforeDamage(Template template, long segmentBase, boolean isLog, int firstChange) {
        return template.batches().stream().filter(batch -> batch.segmentBase() < segmentBase
                || (batch.segmentBase() == segmentBase && (!isLog || firstChange < 0 || batch.end() <= firstChange)))
                .toList();
    }

    /**
     * Reads the whole log in small steps. Checks each read starts with the batch holding the
     * offset asked for, offsets are dense, and every batch is an original or fails its CRC.
     */
    private static List<Stored> readAll(Log log, Template template, boolean forged, String input, List<Stored> out)
            throws IOException {
        Map<Long, Stored> originals = new TreeMap<>();
        template.batches().forEach(b -> originals.put(b.baseOffset(), b));
        long offset = log.logStartOffset();
        for (int reads = 0; offset < log.logEndOffset(); reads++) {
            assertThat(reads).as("reads of %s", input).isLessThan(10_000);
            ReadResult result = log.read(offset, 1500);
            ByteBuffer batches = result.batches();
            assertThat(batches.hasRemaining()).as("a read below the end at %d returns data: %s", offset, input)
                    .isTrue();
            long expected = offset;
            for (int at = batches.position(); at < batches.limit(); ) {
                assertThat(batches.limit() - at).as("a whole header at %d: %s", offset, input)
                        .isGreaterThanOrEqualTo(RecordBatch.HEADER_BYTES);
                int size = RecordBatch.sizeInBytes(batches, at);
                assertThat(size).as("a batch size in bounds: %s", input)
                        .isBetween(RecordBatch.HEADER_BYTES, batches.limit() - at);
                long base = RecordBatch.baseOffset(batches, at);
                long last = RecordBatch.lastOffset(batches, at);
                if (at == batches.position()) {
                    assertThat(base).as("the first batch of a read at %d holds it (nothing skipped): %s", offset,
                            input).isLessThanOrEqualTo(offset);
                    assertThat(last).as("the first batch of a read at %d holds it: %s", offset, input)
                            .isGreaterThanOrEqualTo(offset);
                } else {
                    assertThat(base).as("offsets dense after %d: %s", expected - 1, input).isEqualTo(expected);
                }
                byte[] bytes = new byte[size];
                batches.get(at, bytes);
                Stored original = originals.get(base);
                boolean same = original != null && sameButLeaderEpoch(original.bytes(), bytes);
                if (!same && !forged) {
                    ByteBuffer batch = ByteBuffer.wrap(bytes);
                    try {
                        RecordBatch.validate(batch, 0, Integer.MAX_VALUE);
                        RecordBatch.validateRecords(batch, 0);
                        throw new AssertionError("a read returned a valid batch at offset " + base
                                + " that was never appended: " + input);
                    } catch (CorruptRecordException e) {
                        // Damage the engine did not check for (a clean shutdown trusts its segments) is
                        // handed out as it is, and the reader's CRC check reports it: a consumer stops
                        // here (its offsets, from a damaged header, mean nothing).
                        throw new CorruptRecordException("Damaged batch returned at offset " + base + " of "
                                + log.dir() + ": " + e.getMessage());
                    }
                }
                out.add(new Stored(-1, -1, base, last, bytes));
                expected = last + 1;
                at += size;
            }
            offset = expected;
        }
        return out;
    }

    private static void assertNamesTheDirectory(Throwable thrown, Path dir, String input) {
        if (thrown != null && !(thrown instanceof OffsetOutOfRangeException)) {
            assertThat(String.valueOf(thrown.getMessage())).as("the error names the file: %s", input)
                    .contains(dir.toString());
        }
    }

    private static boolean sameButLeaderEpoch(byte[] original, byte[] read) {
        if (original.length != read.length) {
            return false;
        }
        for (int i = 0; i < read.length; i++) {
            boolean epoch = i >= RecordBatch.PARTITION_LEADER_EPOCH_OFFSET && i < RecordBatch.MAGIC_OFFSET;
            if (!epoch && original[i] != read[i]) {
                return false;
            }
        }
        return true;
    }

    private static boolean onlyLeaderEpochsDiffer(byte[] original, byte[] hostile, List<Stored> batches) {
        for (int i = 0; i < original.length; i++) {
            if (original[i] != hostile[i]) {
                int position = i;
                boolean inEpoch = batches.stream().anyMatch(b -> position >= b.position()
                        + RecordBatch.PARTITION_LEADER_EPOCH_OFFSET && position < b.position() + RecordBatch.MAGIC_OFFSET);
                if (!inEpoch) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The first byte position where the two differ (the shorter length if one is a prefix), -1 if equal. */
    private static int firstDifference(byte[] a, byte[] b) {
        int mismatch = Arrays.mismatch(a, b);
        return mismatch;
    }

    /**
     * Makes {@code name} (one working directory per template, reused by every try) hold exactly the
     * template's files again: files a try added are removed, changed or missing ones rewritten.
     * Cheaper by far than a fresh copy per try, which cost more than the recovery under test.
     */
    private static Path restore(Template template, String name) throws IOException {
        Path dir = SCRATCH.kept(name).resolve("topic-0");
        Files.createDirectories(dir);
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.toList()) {
                if (!template.files().containsKey(file.getFileName().toString())) {
                    Files.delete(file);
                }
            }
        }
        for (Map.Entry<String, byte[]> file : template.files().entrySet()) {
            Path path = dir.resolve(file.getKey());
            if (!Files.exists(path) || Files.size(path) != file.getValue().length
                    || !Arrays.equals(Files.readAllBytes(path), file.getValue())) {
                Files.write(path, file.getValue());
            }
        }
        return dir;
    }

    @Provide
    Arbitrary<List<Mutation>> mutations() {
        return Mutation.lists(3);
    }

    @Provide
    Arbitrary<Boolean> forgeCrc() {
        return Arbitraries.frequency(net.jqwik.api.Tuple.of(7, false), net.jqwik.api.Tuple.of(3, true));
    }
}
