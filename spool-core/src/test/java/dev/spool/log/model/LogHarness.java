package dev.spool.log.model;

import dev.spool.log.AppendResult;
import dev.spool.log.InvalidBatchException;
import dev.spool.log.LoadState;
import dev.spool.log.Log;
import dev.spool.log.LogConfig;
import dev.spool.log.OffsetOutOfRangeException;
import dev.spool.log.ReadResult;
import dev.spool.log.SegmentInfo;
import dev.spool.log.TimestampOffset;
import dev.spool.log.io.FileIO;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * Runs {@link LogAction}s against a real {@link Log} in a fresh temporary directory and against a
 * {@link LogModel}, and after every action checks that the two agree and that the log's own
 * invariants hold (dense offsets, contiguous segments, sizes, per-segment largest timestamps).
 * Any disagreement throws {@link AssertionError} with a sentence saying what differed.
 */
public final class LogHarness implements AutoCloseable {
    /** A full-log scan reads in pieces of this size, so reads of several batches are exercised too. */
    private static final int SCAN_READ_BYTES = 700;

    private final Path root;
    private final Path dir;
    private final LogConfig config;
    private final LogModel model = new LogModel();
    private long nowMs;
    private Log log;

    private LogHarness(Path root, LogConfig config, long startMs) throws IOException {
        this.root = root;
        this.dir = root.resolve("topic-0");
        this.config = config;
        this.nowMs = startMs;
        this.log = open(LoadState.unknown());
    }

    public static LogHarness create(LogConfig config, long startMs) throws IOException {
        return new LogHarness(Files.createTempDirectory("spool-model-"), config, startMs);
    }

    private Log open(LoadState state) throws IOException {
        return Log.open(FileIO.real(), dir, config, state, () -> nowMs);
    }

    public Log log() {
        return log;
    }

    public LogModel model() {
        return model;
    }

    public long nowMs() {
        return nowMs;
    }

    /** Runs one action on both, then checks every invariant. */
    public void run(LogAction action) throws IOException {
        if (action instanceof LogAction.Append append) {
            append(append);
        } else if (action instanceof LogAction.Read read) {
            long offset = between(read.where(), model.logStartOffset(), model.logEndOffset());
            checkRead(offset, read.maxBytes());
        } else if (action instanceof LogAction.Roll) {
            roll();
        } else if (action instanceof LogAction.Flush) {
            log.flush();
            expect(log.recoveryPoint() == log.logEndOffset(), "after flush the recovery point "
                    + log.recoveryPoint() + " should equal the log end " + log.logEndOffset());
        } else if (action instanceof LogAction.TruncateTo truncate) {
            long offset = between(truncate.where(), model.logStartOffset(), model.logEndOffset());
            long expected = model.truncateTo(offset);
            long actual = log.truncateTo(offset);
            expect(actual == expected, "truncateTo(" + offset + ") returned " + actual + ", model says " + expected);
        } else if (action instanceof LogAction.AdvanceLogStart advance) {
            long offset = between(advance.where(), 0, model.logEndOffset());
            model.advanceLogStartOffset(offset);
            long actual = log.advanceLogStartOffset(offset);
            expect(actual == model.logStartOffset(), "advanceLogStartOffset(" + offset + ") returned " + actual
                    + ", model says " + model.logStartOffset());
        } else if (action instanceof LogAction.ApplyRetention retention) {
            nowMs += retention.advanceMs();
            applyRetention();
        } else if (action instanceof LogAction.Tick tick) {
            nowMs += tick.advanceMs();
        } else if (action instanceof LogAction.FindByTimestamp find) {
            checkFind(searchTime(find));
        } else if (action instanceof LogAction.Reopen reopen) {
            reopen(reopen.mode());
        } else {
            throw new IllegalArgumentException("Unknown action " + action);
        }
        checkInvariants();
    }

    private static long between(int perMille, long low, long high) {
        return low + Math.round((high - low) * (perMille / 1000.0));
    }

    private void append(LogAction.Append append) throws IOException {
        List<List<RecordSpec>> batches = new ArrayList<>();
        for (List<RecordSpec> relative : append.batches()) {
            List<RecordSpec> records = new ArrayList<>();
            for (RecordSpec r : relative) {
                records.add(new RecordSpec(Math.max(0, nowMs + r.timestamp()), r.key(), r.value(), r.headers()));
            }
            batches.add(records);
        }
        ByteBuffer buffer = Batches.encode(batches);
        int total = buffer.remaining();
        boolean tooLarge = total > config.segmentBytes()
                || Batches.batchSizes(buffer).stream().anyMatch(size -> size > config.batchBytesMax());
        if (tooLarge) {
            try {
                log.append(buffer);
                throw new AssertionError("append of " + total + " bytes (segmentBytes " + config.segmentBytes()
                        + ", batchBytesMax " + config.batchBytesMax() + ") should have been refused");
            } catch (InvalidBatchException expected) {
                return;
            }
        }
        long first = model.append(batches);
        AppendResult result = log.append(buffer);
        expect(result.firstOffset() == first && result.lastOffset() == model.logEndOffset() - 1,
                "append got offsets " + result.firstOffset() + ".." + result.lastOffset() + ", model says " + first
                        + ".." + (model.logEndOffset() - 1));
    }

    private void roll() throws IOException {
        List<SegmentInfo> before = log.segments();
        log.roll();
        List<SegmentInfo> after = log.segments();
        if (before.get(before.size() - 1).sizeBytes() == 0) {
            expect(after.equals(before), "roll of an empty active segment changed the segments: " + before
                    + " -> " + after);
        } else {
            SegmentInfo last = after.get(after.size() - 1);
            expect(after.size() == before.size() + 1 && last.baseOffset() == log.logEndOffset()
                    && last.sizeBytes() == 0, "roll should add one empty segment at the end: " + before + " -> "
                    + after);
        }
    }

    /**
     * Retention as documented on {@link Log#applyRetention}: from the oldest segment, delete those
     * wholly below the start, then those whose newest record (per the model) is older than
     * retentionMs, then the oldest while the rest still reaches retentionBytes.
     */
    private void applyRetention() throws IOException {
        List<SegmentInfo> segments = log.segments();
        long startBefore = log.logStartOffset();
        long expectedStart = startBefore;
        int i = 0;
        while (i < segments.size() && segments.get(i).nextOffset() <= startBefore && segments.get(i).sizeBytes() > 0) {
            expectedStart = Math.max(expectedStart, segments.get(i).nextOffset());
            i++;
        }
        if (config.retentionMs() > 0) {
            while (i < segments.size() && segments.get(i).sizeBytes() > 0) {
                SegmentInfo s = segments.get(i);
                long max = model.maxTimestamp(s.baseOffset(), s.nextOffset()).orElse(-1L);
                if (!(max >= 0 && nowMs - max > config.retentionMs())) {
                    break;
                }
                expectedStart = Math.max(expectedStart, s.nextOffset());
                i++;
            }
        }
        if (config.retentionBytes() > 0) {
            long total = 0;
            for (int j = i; j < segments.size(); j++) {
                total += segments.get(j).sizeBytes();
            }
            while (i < segments.size() && total - segments.get(i).sizeBytes() >= config.retentionBytes()) {
                total -= segments.get(i).sizeBytes();
                expectedStart = Math.max(expectedStart, segments.get(i).nextOffset());
                i++;
            }
        }
        int deleted = log.applyRetention(nowMs);
        long start = log.logStartOffset();
        expect(start >= startBefore, "retention moved the log start back from " + startBefore + " to " + start);
        expect(deleted == i && start == expectedStart, "retention at " + nowMs + " over " + segments
                + " deleted " + deleted + " segment(s) and moved the start to " + start + "; expected " + i
                + " and " + expectedStart);
        model.advanceLogStartOffset(start);
    }

    private long searchTime(LogAction.FindByTimestamp find) {
        List<Long> timestamps = model.retainedTimestamps();
        if (timestamps.isEmpty()) {
            return nowMs + find.delta();
        }
        return timestamps.get(Math.floorMod(find.pick(), timestamps.size())) + find.delta();
    }

    private void checkFind(long timestamp) throws IOException {
        Optional<TimestampOffset> actual = log.findOffsetByTimestamp(timestamp);
        Optional<long[]> expected = model.findOffsetByTimestamp(timestamp);
        String expectedText = expected.map(e -> "offset " + e[0] + " at " + e[1]).orElse("nothing");
        expect(actual.isPresent() == expected.isPresent()
                        && (actual.isEmpty() || (actual.get().offset() == expected.get()[0]
                        && actual.get().timestamp() == expected.get()[1])),
                "findOffsetByTimestamp(" + timestamp + ") returned " + actual + ", model says " + expectedText
                        + " (log start " + model.logStartOffset() + ")");
    }

    private void reopen(LogAction.ReopenMode mode) throws IOException {
        List<SegmentInfo> before = log.segments();
        long recoveryPoint = log.recoveryPoint();
        long start = log.logStartOffset();
        long firstBase = before.get(0).baseOffset();
        log.close();
        LoadState state;
        long expectedStart;
        switch (mode) {
            case CLEAN -> {
                state = LoadState.clean();
                expectedStart = firstBase;
            }
            case CLEAN_WITH_START -> {
                state = new LoadState(true, OptionalLong.empty(), OptionalLong.of(start));
                expectedStart = start;
            }
            case UNKNOWN -> {
                state = LoadState.unknown();
                expectedStart = firstBase;
            }
            case RECOVERY_POINT -> {
                state = new LoadState(false, OptionalLong.of(recoveryPoint), OptionalLong.of(start));
                expectedStart = start;
            }
            default -> throw new IllegalStateException(mode.name());
        }
        log = null;
        log = open(state);
        model.resetLogStartOffset(expectedStart);
        List<SegmentInfo> after = log.segments();
        expect(sameShape(before, after), "reopen (" + mode + ") changed the segments: " + before + " -> " + after);
    }

    private static boolean sameShape(List<SegmentInfo> a, List<SegmentInfo> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (a.get(i).baseOffset() != b.get(i).baseOffset() || a.get(i).nextOffset() != b.get(i).nextOffset()
                    || a.get(i).sizeBytes() != b.get(i).sizeBytes()) {
                return false;
            }
        }
        return true;
    }

    /** Checks one read against the model: whole valid batches, from one segment, the first holding {@code offset}. */
    public void checkRead(long offset, int maxBytes) throws IOException {
        ReadResult result = log.read(offset, maxBytes);
        long end = model.logEndOffset();
        if (offset == end) {
            expect(result.isEmpty(), "read at the log end " + end + " returned " + result.batches().remaining()
                    + " bytes");
            return;
        }
        List<Batches.ReadBatch> batches = Batches.decode(result.batches());
        expect(!batches.isEmpty(), "read(" + offset + ", " + maxBytes + ") below the end " + end + " returned nothing");
        Batches.ReadBatch first = batches.get(0);
        expect(first.baseOffset() <= offset && offset <= first.lastOffset(), "read(" + offset
                + ") returned a first batch " + first.baseOffset() + ".." + first.lastOffset() + " that does not hold it");
        List<SegmentInfo> segments = log.segments();
        SegmentInfo segment = segments.stream()
                .filter(s -> s.baseOffset() <= first.baseOffset() && first.baseOffset() < s.nextOffset())
                .findFirst().orElseThrow(() -> new AssertionError("no segment holds offset " + first.baseOffset()));
        long expectedNext = first.baseOffset();
        int totalBytes = 0;
        for (Batches.ReadBatch batch : batches) {
            expect(batch.baseOffset() == expectedNext, "read(" + offset + ") returned batch at " + batch.baseOffset()
                    + " after one ending before " + expectedNext);
            expect(batch.lastOffset() < end, "read(" + offset + ") returned offsets up to " + batch.lastOffset()
                    + ", past the end " + end);
            expect(batch.lastOffset() < segment.nextOffset(), "read(" + offset + ") crossed from segment "
                    + segment + " into the next");
            LogModel.Batch modelBatch = model.batchContaining(batch.baseOffset()).orElseThrow(
                    () -> new AssertionError("read returned offset " + batch.baseOffset() + " the model lacks"));
            expect(modelBatch.baseOffset() == batch.baseOffset() && modelBatch.lastOffset() == batch.lastOffset(),
                    "read returned batch " + batch.baseOffset() + ".." + batch.lastOffset() + ", model batch is "
                            + modelBatch.baseOffset() + ".." + modelBatch.lastOffset());
            for (int i = 0; i < batch.records().size(); i++) {
                var record = batch.records().get(i);
                expect(record.offset() == batch.baseOffset() + i, "record " + i + " of batch " + batch.baseOffset()
                        + " has offset " + record.offset());
                String difference = modelBatch.records().get(i).differenceFrom(record);
                expect(difference == null, "offset " + record.offset() + ": " + difference);
            }
            expectedNext = batch.lastOffset() + 1;
            totalBytes += batch.sizeBytes();
        }
        expect(batches.size() == 1 || totalBytes <= maxBytes, "read(" + offset + ", " + maxBytes + ") returned "
                + batches.size() + " batches of " + totalBytes + " bytes");
    }

    /** Everything that must hold between actions. */
    public void checkInvariants() throws IOException {
        long start = log.logStartOffset();
        long end = log.logEndOffset();
        expect(start == model.logStartOffset() && end == model.logEndOffset(), "log offsets " + start + ".." + end
                + ", model " + model.logStartOffset() + ".." + model.logEndOffset());
        expect(start <= end, "log start " + start + " is past the end " + end);
        expect(log.recoveryPoint() <= end, "recovery point " + log.recoveryPoint() + " is past the end " + end);
        List<SegmentInfo> segments = log.segments();
        expect(!segments.isEmpty(), "a log always has a segment");
        expect(segments.get(0).baseOffset() <= start, "first segment " + segments.get(0) + " starts after the log start "
                + start);
        expect(segments.get(segments.size() - 1).nextOffset() == end, "last segment " + segments.get(segments.size() - 1)
                + " does not end at the log end " + end);
        long size = 0;
        for (int i = 0; i < segments.size(); i++) {
            SegmentInfo s = segments.get(i);
            if (i + 1 < segments.size()) {
                expect(s.nextOffset() == segments.get(i + 1).baseOffset(), "segments not contiguous: " + segments);
            }
            expect((s.sizeBytes() == 0) == (s.baseOffset() == s.nextOffset()), "segment " + s
                    + ": empty in bytes iff empty in offsets");
            long expectedMax = model.maxTimestamp(s.baseOffset(), s.nextOffset()).orElse(-1L);
            expect(s.maxTimestamp() == expectedMax, "segment " + s + " reports largest timestamp " + s.maxTimestamp()
                    + ", its records' largest is " + expectedMax);
            size += s.sizeBytes();
        }
        expect(log.sizeBytes() == size, "sizeBytes " + log.sizeBytes() + " but the segments hold " + size);
        expect(log.segmentCount() == segments.size(), "segmentCount " + log.segmentCount() + " but " + segments.size()
                + " segments");

        long offset = start;
        while (offset < end) {
            checkRead(offset, SCAN_READ_BYTES);
            List<Batches.ReadBatch> batches = Batches.decode(log.read(offset, SCAN_READ_BYTES).batches());
            offset = batches.get(batches.size() - 1).lastOffset() + 1;
        }
        checkRead(end, SCAN_READ_BYTES);
        expectOutOfRange(end + 1);
        if (start > 0) {
            expectOutOfRange(start - 1);
        }
        List<Long> timestamps = model.retainedTimestamps();
        if (!timestamps.isEmpty()) {
            long max = timestamps.stream().mapToLong(Long::longValue).max().getAsLong();
            checkFind(max);
            checkFind(max + 1);
            checkFind(timestamps.get(timestamps.size() - 1));
        }
    }

    private void expectOutOfRange(long offset) throws IOException {
        try {
            ReadResult result = log.read(offset, SCAN_READ_BYTES);
            throw new AssertionError("read(" + offset + ") outside " + log.logStartOffset() + ".." + log.logEndOffset()
                    + " returned " + result.batches().remaining() + " bytes");
        } catch (OffsetOutOfRangeException expected) {
            expect(expected.offset() == offset, "exception names offset " + expected.offset());
        }
    }

    private static void expect(boolean condition, String message) {
        if (!condition) {
            throw new AssertionError(message);
        }
    }

    /** Closes the log (if open) and deletes the temporary directory. */
    @Override
    public void close() throws IOException {
        try {
            if (log != null) {
                log.close();
            }
        } finally {
            deleteRecursively(root);
        }
    }

    public static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
