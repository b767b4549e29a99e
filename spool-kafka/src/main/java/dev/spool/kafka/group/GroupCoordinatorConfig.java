package dev.spool.kafka.group;

import dev.spool.log.io.FileIO;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * How a {@link ClassicGroupCoordinator} runs. Immutable; start from {@link #defaults()}. Names follow
 * Kafka's broker settings where one exists, with the unit last.
 *
 * @param initialRebalanceDelayMs  Kafka's {@code group.initial.rebalance.delay.ms}: how long the first
 *                                 rebalance of an empty group waits for more members, extended by as much
 *                                 again (up to the rebalance timeout) each time one arrives. Default 0, not
 *                                 Kafka's 3000: Spool is mostly a local endpoint where one consumer starting
 *                                 should get its partitions at once (Kafka's own development
 *                                 {@code server.properties} sets 0 for the same reason); the cost is one
 *                                 extra rebalance when several consumers start together
 * @param sessionTimeoutMsMin      Kafka's {@code group.min.session.timeout.ms}: shorter session timeouts are
 *                                 refused with {@code INVALID_SESSION_TIMEOUT}
 * @param sessionTimeoutMsMax      Kafka's {@code group.max.session.timeout.ms}
 * @param groupMembersMax          Kafka's {@code group.max.size} (there unlimited by default): a join beyond
 *                                 it gets {@code GROUP_MAX_SIZE_REACHED}; members waiting for their second
 *                                 join step count too
 * @param offsetMetadataCharsMax   Kafka's {@code offset.metadata.max.bytes}, which counts characters: a
 *                                 commit with longer metadata gets {@code OFFSET_METADATA_TOO_LARGE} for
 *                                 that partition. At most 10,000, so the metadata always fits the
 *                                 two-byte length of {@link OffsetRecordCodec}
 * @param compactionRecordsMin     the offsets log is compacted (its live offsets rewritten, the older
 *                                 segments deleted) when it holds more than this many records and more than
 *                                 twice the live offsets: this bounds both its size and the replay on open
 * @param clockMs                  milliseconds for deadlines and commit timestamps (tests drive it)
 * @param io                       the file interface of the offsets log (tests inject faults)
 * @param meterRegistry            where the coordinator's meters go
 */
public record GroupCoordinatorConfig(long initialRebalanceDelayMs, int sessionTimeoutMsMin, int sessionTimeoutMsMax,
                                     int groupMembersMax, int offsetMetadataCharsMax, long compactionRecordsMin,
                                     LongSupplier clockMs, FileIO io, MeterRegistry meterRegistry) {

    public static final long DEFAULT_INITIAL_REBALANCE_DELAY_MS = 0L;
    public static final int DEFAULT_SESSION_TIMEOUT_MS_MIN = 6_000;
    public static final int DEFAULT_SESSION_TIMEOUT_MS_MAX = 1_800_000;
    public static final int DEFAULT_GROUP_MEMBERS_MAX = 1_000;
    public static final int DEFAULT_OFFSET_METADATA_CHARS_MAX = 4_096;
    /** About 8 MiB of offsets log at 80 bytes a record: replayed in well under a second. */
    public static final long DEFAULT_COMPACTION_RECORDS_MIN = 100_000L;
    static final int OFFSET_METADATA_CHARS_LIMIT = 10_000;

    public GroupCoordinatorConfig {
        Objects.requireNonNull(clockMs, "clockMs");
        Objects.requireNonNull(io, "io");
        Objects.requireNonNull(meterRegistry, "meterRegistry");
        if (initialRebalanceDelayMs < 0) {
            throw new IllegalArgumentException("initialRebalanceDelayMs must be >= 0, was " + initialRebalanceDelayMs);
        }
        if (sessionTimeoutMsMin < 1 || sessionTimeoutMsMax < sessionTimeoutMsMin) {
            throw new IllegalArgumentException("Session timeouts need 1 <= min <= max, were " + sessionTimeoutMsMin
                    + " and " + sessionTimeoutMsMax);
        }
        if (groupMembersMax < 1) {
            throw new IllegalArgumentException("groupMembersMax must be positive, was " + groupMembersMax);
        }
        if (offsetMetadataCharsMax < 0 || offsetMetadataCharsMax > OFFSET_METADATA_CHARS_LIMIT) {
            throw new IllegalArgumentException("offsetMetadataCharsMax must be 0 to " + OFFSET_METADATA_CHARS_LIMIT
                    + ", was " + offsetMetadataCharsMax);
        }
        if (compactionRecordsMin < 1) {
            throw new IllegalArgumentException("compactionRecordsMin must be positive, was " + compactionRecordsMin);
        }
    }

    /** Kafka's defaults except {@link #initialRebalanceDelayMs()} (0) and {@link #groupMembersMax()} (1,000). */
    public static GroupCoordinatorConfig defaults() {
        return new GroupCoordinatorConfig(DEFAULT_INITIAL_REBALANCE_DELAY_MS, DEFAULT_SESSION_TIMEOUT_MS_MIN,
                DEFAULT_SESSION_TIMEOUT_MS_MAX, DEFAULT_GROUP_MEMBERS_MAX, DEFAULT_OFFSET_METADATA_CHARS_MAX,
                DEFAULT_COMPACTION_RECORDS_MIN, System::currentTimeMillis, FileIO.real(), new CompositeMeterRegistry());
    }

    public GroupCoordinatorConfig withInitialRebalanceDelayMs(long ms) {
        return new GroupCoordinatorConfig(ms, sessionTimeoutMsMin, sessionTimeoutMsMax, groupMembersMax,
                offsetMetadataCharsMax, compactionRecordsMin, clockMs, io, meterRegistry);
    }

    public GroupCoordinatorConfig withSessionTimeoutMsRange(int minMs, int maxMs) {
        return new GroupCoordinatorConfig(initialRebalanceDelayMs, minMs, maxMs, groupMembersMax,
                offsetMetadataCharsMax, compactionRecordsMin, clockMs, io, meterRegistry);
    }

    public GroupCoordinatorConfig withGroupMembersMax(int members) {
        return new GroupCoordinatorConfig(initialRebalanceDelayMs, sessionTimeoutMsMin, sessionTimeoutMsMax, members,
                offsetMetadataCharsMax, compactionRecordsMin, clockMs, io, meterRegistry);
    }

    public GroupCoordinatorConfig withOffsetMetadataCharsMax(int chars) {
        return new GroupCoordinatorConfig(initialRebalanceDelayMs, sessionTimeoutMsMin, sessionTimeoutMsMax,
                groupMembersMax, chars, compactionRecordsMin, clockMs, io, meterRegistry);
    }

    public GroupCoordinatorConfig withCompactionRecordsMin(long records) {
        return new GroupCoordinatorConfig(initialRebalanceDelayMs, sessionTimeoutMsMin, sessionTimeoutMsMax,
                groupMembersMax, offsetMetadataCharsMax, records, clockMs, io, meterRegistry);
    }

    public GroupCoordinatorConfig withClock(LongSupplier clock) {
        return new GroupCoordinatorConfig(initialRebalanceDelayMs, sessionTimeoutMsMin, sessionTimeoutMsMax,
                groupMembersMax, offsetMetadataCharsMax, compactionRecordsMin, clock, io, meterRegistry);
    }

    public GroupCoordinatorConfig withIo(FileIO fileIo) {
        return new GroupCoordinatorConfig(initialRebalanceDelayMs, sessionTimeoutMsMin, sessionTimeoutMsMax,
                groupMembersMax, offsetMetadataCharsMax, compactionRecordsMin, clockMs, fileIo, meterRegistry);
    }

    public GroupCoordinatorConfig withMeterRegistry(MeterRegistry registry) {
        return new GroupCoordinatorConfig(initialRebalanceDelayMs, sessionTimeoutMsMin, sessionTimeoutMsMax,
                groupMembersMax, offsetMetadataCharsMax, compactionRecordsMin, clockMs, io, registry);
    }
}
