package dev.spool.log;

import dev.spool.log.record.RecordBatch;

/**
 * The settings of one log, with Kafka's defaults and names (units last). Immutable; build one
 * with {@link #defaults()} and the {@code with…} methods.
 *
 * @param segmentBytes       roll when the active segment would grow past this (Kafka {@code segment.bytes})
 * @param segmentMs          roll when the active segment's first batch is older than this ({@code segment.ms})
 * @param segmentIndexBytes  largest size of a segment's offset or time index; roll when full
 * @param indexIntervalBytes bytes between two offset-index entries ({@code index.interval.bytes})
 * @param batchBytesMax      largest batch accepted, header included ({@code max.message.bytes}); also the
 *                           largest batch length recovery and readers trust, so a topic never lowers it
 *                           ({@link TopicConfig#applyTo(LogConfig, int)}). It may exceed
 *                           {@code segmentBytes}: an append larger than a segment is refused all the same
 * @param batchRecordsMax    most records accepted in one batch
 * @param retentionMs        delete segments whose newest record is older than this; -1 keeps them forever
 * @param retentionBytes     delete the oldest segments while the log is larger than this; -1 for no limit
 * @param write              durability, backpressure, group commit and flush policy of appends
 * @param hashChain          keep a tamper-evident hash chain over the batches ({@code .chain} sidecars,
 *                           see {@link dev.spool.log.segment.ChainFile}); the append result then carries
 *                           the chain's hash as a receipt. Off by default: measured with
 *                           {@code AppendBenchmark.appendPrebuilt} (JMH, 2 cores, page cache, 1 GiB
 *                           segments), SHA-256 (about 2.6 GB/s with the CPU's SHA instructions) cut
 *                           100 x 1 KiB appends from 1.58 M to 0.97 M records/s (-39%), 100 x 100 B
 *                           from 8.2 M to 5.5 M (-33%), and one-record appends by 15-19%; with it on
 *                           by default the log could not reach its append target (twice Kafka's log
 *                           layer). A large batch's digest is taken on the appending thread, so
 *                           appenders sharing a log lose less: two of 100 x 100 B ran at 94-97% of
 *                           their unchained rate ({@code SharedAppendBenchmark}). Logs kept as audit
 *                           trails turn it on; their
 *                           producers keep the receipts, without which the chain proves little
 *                           against someone who can rewrite the sidecars too.
 * @param cleanupPolicy      delete (retention by time and size, the default), compact (the latest record
 *                           of each key kept; no retention, and records without a key are refused) or
 *                           both ({@code cleanup.policy})
 * @param compaction         when a compacted log is cleaned; unused unless {@link #compacted()}
 */
public record LogConfig(int segmentBytes, long segmentMs, int segmentIndexBytes, int indexIntervalBytes,
                        int batchBytesMax, int batchRecordsMax, long retentionMs, long retentionBytes,
                        WriteConfig write, boolean hashChain, CleanupPolicy cleanupPolicy,
                        CompactionConfig compaction) {

    /** Kafka's {@code max.message.bytes}: 1 MiB of records plus the 12 bytes of offset and length. */
    public static final int DEFAULT_BATCH_BYTES_MAX = (1 << 20) + RecordBatch.LOG_OVERHEAD_BYTES;
    public static final int DEFAULT_BATCH_RECORDS_MAX = 100_000;
    public static final int DEFAULT_SEGMENT_BYTES = 1 << 30;
    public static final long DEFAULT_SEGMENT_MS = 7L * 24 * 60 * 60 * 1000;
    public static final int DEFAULT_SEGMENT_INDEX_BYTES = 10 << 20;
    public static final int DEFAULT_INDEX_INTERVAL_BYTES = 4096;
    public static final long DEFAULT_RETENTION_MS = 7L * 24 * 60 * 60 * 1000;
    /** See {@link #hashChain()} for the measurement behind this default. */
    public static final boolean DEFAULT_HASH_CHAIN = false;

    public LogConfig {
        requireAtLeast("segmentBytes", segmentBytes, RecordBatch.HEADER_BYTES);
        requireAtLeast("segmentMs", segmentMs, 1);
        requireAtLeast("segmentIndexBytes", segmentIndexBytes, 24);
        requireAtLeast("indexIntervalBytes", indexIntervalBytes, 0);
        requireAtLeast("batchBytesMax", batchBytesMax, RecordBatch.HEADER_BYTES + RecordBatch.RECORD_BYTES_MIN);
        requireAtLeast("batchRecordsMax", batchRecordsMax, 1);
        if (retentionMs < -1 || retentionMs == 0) {
            throw new IllegalArgumentException("retentionMs must be positive or -1 (forever), was " + retentionMs);
        }
        if (write == null) {
            throw new IllegalArgumentException("write settings are required");
        }
        if (retentionBytes < -1 || retentionBytes == 0) {
            throw new IllegalArgumentException("retentionBytes must be positive or -1 (no limit), was "
                    + retentionBytes);
        }
        if (cleanupPolicy == null || compaction == null) {
            throw new IllegalArgumentException("cleanupPolicy and compaction settings are required");
        }
    }

    /** Settings of a log with the delete policy and the default compaction settings. */
    public LogConfig(int segmentBytes, long segmentMs, int segmentIndexBytes, int indexIntervalBytes,
                     int batchBytesMax, int batchRecordsMax, long retentionMs, long retentionBytes,
                     WriteConfig write, boolean hashChain) {
        this(segmentBytes, segmentMs, segmentIndexBytes, indexIntervalBytes, batchBytesMax, batchRecordsMax,
                retentionMs, retentionBytes, write, hashChain, CleanupPolicy.DELETE, CompactionConfig.defaults());
    }

    /** Whether the log is compacted ({@link CleanupPolicy#compacts()}): only records with a key are accepted. */
    public boolean compacted() {
        return cleanupPolicy.compacts();
    }

    private static void requireAtLeast(String name, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException(name + " must be at least " + min + ", was " + value);
        }
    }

    public static LogConfig defaults() {
        return new LogConfig(DEFAULT_SEGMENT_BYTES, DEFAULT_SEGMENT_MS, DEFAULT_SEGMENT_INDEX_BYTES,
                DEFAULT_INDEX_INTERVAL_BYTES, DEFAULT_BATCH_BYTES_MAX, DEFAULT_BATCH_RECORDS_MAX, DEFAULT_RETENTION_MS,
                -1L, WriteConfig.defaults(), DEFAULT_HASH_CHAIN);
    }

    public LogConfig withSegmentBytes(int bytes) {
        return new LogConfig(bytes, segmentMs, segmentIndexBytes, indexIntervalBytes,
                Math.min(batchBytesMax, bytes), batchRecordsMax, retentionMs, retentionBytes, write, hashChain, cleanupPolicy, compaction);
    }

    public LogConfig withSegmentMs(long ms) {
        return new LogConfig(segmentBytes, ms, segmentIndexBytes, indexIntervalBytes, batchBytesMax, batchRecordsMax,
                retentionMs, retentionBytes, write, hashChain, cleanupPolicy, compaction);
    }

    public LogConfig withSegmentIndexBytes(int bytes) {
        return new LogConfig(segmentBytes, segmentMs, bytes, indexIntervalBytes, batchBytesMax, batchRecordsMax,
                retentionMs, retentionBytes, write, hashChain, cleanupPolicy, compaction);
    }

    public LogConfig withIndexIntervalBytes(int bytes) {
        return new LogConfig(segmentBytes, segmentMs, segmentIndexBytes, bytes, batchBytesMax, batchRecordsMax,
                retentionMs, retentionBytes, write, hashChain, cleanupPolicy, compaction);
    }

    public LogConfig withBatchBytesMax(int bytes) {
        return new LogConfig(segmentBytes, segmentMs, segmentIndexBytes, indexIntervalBytes, bytes, batchRecordsMax,
                retentionMs, retentionBytes, write, hashChain, cleanupPolicy, compaction);
    }

    public LogConfig withBatchRecordsMax(int records) {
        return new LogConfig(segmentBytes, segmentMs, segmentIndexBytes, indexIntervalBytes, batchBytesMax, records,
                retentionMs, retentionBytes, write, hashChain, cleanupPolicy, compaction);
    }

    public LogConfig withRetentionMs(long ms) {
        return new LogConfig(segmentBytes, segmentMs, segmentIndexBytes, indexIntervalBytes, batchBytesMax,
                batchRecordsMax, ms, retentionBytes, write, hashChain, cleanupPolicy, compaction);
    }

    public LogConfig withRetentionBytes(long bytes) {
        return new LogConfig(segmentBytes, segmentMs, segmentIndexBytes, indexIntervalBytes, batchBytesMax,
                batchRecordsMax, retentionMs, bytes, write, hashChain, cleanupPolicy, compaction);
    }

    public LogConfig withWrite(WriteConfig settings) {
        return new LogConfig(segmentBytes, segmentMs, segmentIndexBytes, indexIntervalBytes, batchBytesMax,
                batchRecordsMax, retentionMs, retentionBytes, settings, hashChain, cleanupPolicy, compaction);
    }

    public LogConfig withHashChain(boolean enabled) {
        return new LogConfig(segmentBytes, segmentMs, segmentIndexBytes, indexIntervalBytes, batchBytesMax,
                batchRecordsMax, retentionMs, retentionBytes, write, enabled, cleanupPolicy, compaction);
    }

    /** These settings with {@code policy}; without {@code delete}, retention no longer applies. */
    public LogConfig withCleanupPolicy(CleanupPolicy policy) {
        return new LogConfig(segmentBytes, segmentMs, segmentIndexBytes, indexIntervalBytes, batchBytesMax,
                batchRecordsMax, retentionMs, retentionBytes, write, hashChain, policy, compaction);
    }

    /**
     * A compacted log with {@code settings}: the policy becomes {@link CleanupPolicy#COMPACT} unless
     * it already compacts ({@link CleanupPolicy#COMPACT_DELETE} stays).
     */
    public LogConfig withCompaction(CompactionConfig settings) {
        return new LogConfig(segmentBytes, segmentMs, segmentIndexBytes, indexIntervalBytes, batchBytesMax,
                batchRecordsMax, retentionMs, retentionBytes, write, hashChain,
                cleanupPolicy.compacts() ? cleanupPolicy : CleanupPolicy.COMPACT, settings);
    }

    /** Shorthand for the default durability of appends. */
    public LogConfig withDurability(Durability durability) {
        return withWrite(write.withDurability(durability));
    }

    /**
     * Throws unless {@code next} changes only what an open log takes ({@link Log#reconfigure}): not
     * the hash chain, no write setting but the durability, and no lower batch limit.
     */
    void checkReconfigurable(LogConfig next, String logName) {
        if (next.hashChain != hashChain) {
            throw new IllegalArgumentException("The hash chain of " + logName + " cannot be turned "
                    + (next.hashChain ? "on" : "off") + " while it is open");
        }
        if (!next.write.withDurability(write.durability()).equals(write)) {
            throw new IllegalArgumentException("Only the durability of " + logName + "'s write settings can change "
                    + "while it is open: " + write + " -> " + next.write);
        }
        if (next.batchBytesMax < batchBytesMax) {
            throw new IllegalArgumentException("The batch limit of " + logName + " cannot go down from "
                    + batchBytesMax + " to " + next.batchBytesMax + " bytes: it bounds what is read back");
        }
    }
}
