package dev.spool.log;

import dev.spool.log.model.LogAction;
import dev.spool.log.model.LogHarness;
import dev.spool.log.model.RecordSpec;
import dev.spool.log.record.Header;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * The log against {@link dev.spool.log.model.LogModel}: random sequences of appends, reads,
 * rolls, flushes, truncations, start-offset moves, retention, timestamp searches and reopens
 * (clean, unclean, from a recovery point) over small configurations, so that rolls by size, age
 * and full index all happen. After every action {@link LogHarness} checks the log against the
 * model and its own invariants. jqwik prints the seed and the shrunk sequence on failure.
 */
class LogPropertyTest {
    private static final long START_MS = 1_000_000L;

    @Property(tries = 500)
    void logAgreesWithModel(@ForAll("configs") LogConfig config, @ForAll("actions") List<LogAction> actions)
            throws Exception {
        try (LogHarness harness = LogHarness.create(config, START_MS)) {
            for (LogAction action : actions) {
                harness.run(action);
            }
        }
    }

    @Property(tries = 100)
    void logAgreesWithModelOverLongAppendHeavyRuns(@ForAll("configs") LogConfig config,
                                                   @ForAll("longActions") List<LogAction> actions) throws Exception {
        try (LogHarness harness = LogHarness.create(config, START_MS)) {
            for (LogAction action : actions) {
                harness.run(action);
            }
        }
    }

    @Provide
    Arbitrary<LogConfig> configs() {
        Arbitrary<Integer> segmentBytes = Arbitraries.integers().between(150, 3000);
        Arbitrary<Integer> indexInterval = Arbitraries.integers().between(0, 200);
        Arbitrary<Integer> indexBytes = Arbitraries.integers().between(24, 240);
        Arbitrary<Long> segmentMs = Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.just(LogConfig.DEFAULT_SEGMENT_MS)),
                Tuple.of(1, Arbitraries.longs().between(500, 20_000)));
        Arbitrary<Long> retentionMs = Arbitraries.frequencyOf(
                Tuple.of(1, Arbitraries.just(-1L)),
                Tuple.of(2, Arbitraries.longs().between(500, 10_000)));
        Arbitrary<Long> retentionBytes = Arbitraries.frequencyOf(
                Tuple.of(1, Arbitraries.just(-1L)),
                Tuple.of(2, Arbitraries.longs().between(200, 8_000)));
        Arbitrary<Integer> batchBytesPercent = Arbitraries.integers().between(40, 100);
        return Combinators.combine(segmentBytes, indexInterval, indexBytes, segmentMs, retentionMs, retentionBytes,
                batchBytesPercent).as((segment, interval, index, ms, keepMs, keepBytes, percent) -> {
                    int batchBytesMax = Math.max(80, segment * percent / 100);
                    return LogConfig.defaults().withSegmentBytes(segment).withBatchBytesMax(Math.min(segment,
                                    batchBytesMax)).withIndexIntervalBytes(interval).withSegmentIndexBytes(index)
                            .withSegmentMs(ms).withRetentionMs(keepMs).withRetentionBytes(keepBytes);
                });
    }

    @Provide
    Arbitrary<List<LogAction>> actions() {
        return action(10).list().ofMaxSize(40);
    }

    @Provide
    Arbitrary<List<LogAction>> longActions() {
        return action(30).list().ofMinSize(60).ofMaxSize(150);
    }

    private static Arbitrary<LogAction> action(int appendWeight) {
        Arbitrary<Integer> where = Arbitraries.integers().between(0, 1000)
                .edgeCases(edges -> edges.includeOnly(0, 1000));
        return Arbitraries.frequencyOf(
                Tuple.of(appendWeight, appends()),
                Tuple.of(3, Combinators.combine(where, Arbitraries.integers().between(0, 2000))
                        .as(LogAction.Read::new)),
                Tuple.of(1, Arbitraries.just(new LogAction.Roll())),
                Tuple.of(1, Arbitraries.just(new LogAction.Flush())),
                Tuple.of(2, where.map(LogAction.TruncateTo::new)),
                Tuple.of(2, where.map(LogAction.AdvanceLogStart::new)),
                Tuple.of(2, Arbitraries.longs().between(0, 8_000).map(LogAction.ApplyRetention::new)),
                Tuple.of(2, Arbitraries.longs().between(0, 3_000).map(LogAction.Tick::new)),
                Tuple.of(2, Combinators.combine(Arbitraries.integers().between(0, 1000),
                        Arbitraries.longs().between(-2, 2)).as(LogAction.FindByTimestamp::new)),
                Tuple.of(2, Arbitraries.of(LogAction.ReopenMode.class).map(LogAction.Reopen::new)));
    }

    private static Arbitrary<LogAction> appends() {
        Arbitrary<List<RecordSpec>> batch = record().list().ofMinSize(1).ofMaxSize(5);
        Arbitrary<List<List<RecordSpec>>> batches = Arbitraries.frequencyOf(
                Tuple.of(4, batch.list().ofSize(1)),
                Tuple.of(1, batch.list().ofMinSize(2).ofMaxSize(3)));
        return batches.map(LogAction.Append::new);
    }

    /** A record whose timestamp is relative to the test clock, so timestamps also go backwards. */
    private static Arbitrary<RecordSpec> record() {
        Arbitrary<Long> timestamp = Arbitraries.longs().between(-1_000, 1_000);
        Arbitrary<byte[]> key = Arbitraries.bytes().array(byte[].class).ofMaxSize(8).injectNull(0.3);
        Arbitrary<byte[]> value = Arbitraries.bytes().array(byte[].class).ofMaxSize(60).injectNull(0.1);
        Arbitrary<Header> header = Combinators.combine(
                Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(4),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(4).injectNull(0.3))
                .as((k, v) -> v == null ? Header.withoutValue(k) : Header.of(k, v));
        Arbitrary<List<Header>> headers = Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.just(List.<Header>of())),
                Tuple.of(1, header.list().ofMinSize(1).ofMaxSize(2)));
        return Combinators.combine(timestamp, key, value, headers).as(RecordSpec::new);
    }
}
