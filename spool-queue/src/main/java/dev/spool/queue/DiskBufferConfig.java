package dev.spool.queue;

import dev.spool.log.Durability;
import dev.spool.log.LogConfig;
import dev.spool.log.io.FileIO;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.util.Objects;

/**
 * How a {@link DiskBuffer} runs. Immutable; start from {@link #defaults(String)}.
 *
 * @param componentId   names the buffer in metrics (the {@code component_id} tag) and logs
 * @param sizeBytesMax  most bytes of unacknowledged items on disk (record batches, headers included)
 * @param sizeItemsMax  most unacknowledged items; 0 for no limit on the count
 * @param whenFull      what enqueue does when an item does not fit the size limits, and when the disk
 *                      refuses a write (full disk, I/O error): {@link WhenFull#BLOCK} waits for the disk
 *                      to take writes again, the others fail (see {@link BufferWriteException})
 * @param blockTimeoutMs how long {@link WhenFull#BLOCK} waits for room before failing
 * @param durability    when enqueue completes: after the write (NONE) or after an fsync (STRICT); a NONE
 *                      item survives a process crash, an operating system crash may lose it (its segments
 *                      are not forced when they roll, so one deleted soon after never reaches the disk)
 * @param segmentBytes  the log's segment size, or {@link #SEGMENT_BYTES_BY_DURABILITY} (the default) for
 *                      the size that suits the durability ({@link #segmentBytesInUse()}): fully
 *                      acknowledged segments are deleted, so smaller segments return disk space sooner,
 *                      at the cost of more files
 * @param itemBytesMax  the largest stored item (one record batch) accepted; at most {@code segmentBytes}
 *                      when that is set
 * @param meterRegistry where the buffer's meters go; an empty composite records nothing
 * @param whenCorrupt   what the consumer does at a damaged item: stop and report (the default) or skip it
 * @param io            the file interface every file of the buffer goes through (tests inject faults here)
 */
public record DiskBufferConfig(String componentId, long sizeBytesMax, long sizeItemsMax, WhenFull whenFull,
                               long blockTimeoutMs, Durability durability, int segmentBytes, int itemBytesMax,
                               MeterRegistry meterRegistry, WhenCorrupt whenCorrupt, FileIO io) {

    public static final long DEFAULT_SIZE_BYTES_MAX = 1L << 30;
    public static final long DEFAULT_BLOCK_TIMEOUT_MS = 30_000L;
    /** {@code segmentBytes} that asks for the size suiting the durability: see {@link #segmentBytesInUse()}. */
    public static final int SEGMENT_BYTES_BY_DURABILITY = 0;
    /** The segment size of a relaxed ({@link Durability#NONE}) buffer that leaves it to the durability. */
    public static final int RELAXED_SEGMENT_BYTES = 8 << 20;
    /** The segment size of a strict buffer that leaves it to the durability. */
    public static final int STRICT_SEGMENT_BYTES = 64 << 20;

    public DiskBufferConfig {
        Objects.requireNonNull(componentId, "componentId");
        Objects.requireNonNull(whenFull, "whenFull");
        Objects.requireNonNull(durability, "durability");
        Objects.requireNonNull(meterRegistry, "meterRegistry");
        Objects.requireNonNull(whenCorrupt, "whenCorrupt");
        Objects.requireNonNull(io, "io");
        if (sizeBytesMax <= 0) {
            throw new IllegalArgumentException("sizeBytesMax must be positive, got " + sizeBytesMax);
        }
        if (sizeItemsMax < 0) {
            throw new IllegalArgumentException("sizeItemsMax must be 0 (no limit) or positive, got " + sizeItemsMax);
        }
        if (blockTimeoutMs < 0) {
            throw new IllegalArgumentException("blockTimeoutMs must not be negative, got " + blockTimeoutMs);
        }
        if (itemBytesMax <= 0 || itemBytesMax > LogConfig.DEFAULT_BATCH_BYTES_MAX * 64L) {
            throw new IllegalArgumentException("itemBytesMax out of range: " + itemBytesMax);
        }
        if (segmentBytes < 0) {
            throw new IllegalArgumentException("segmentBytes must be positive or " + SEGMENT_BYTES_BY_DURABILITY
                    + " (the size suiting the durability), got " + segmentBytes);
        }
        if (segmentBytes != SEGMENT_BYTES_BY_DURABILITY) {
            itemBytesMax = Math.min(itemBytesMax, segmentBytes); // an item (one batch) must fit in one segment
        }
    }

    public static DiskBufferConfig defaults(String componentId) {
        return new DiskBufferConfig(componentId, DEFAULT_SIZE_BYTES_MAX, 0L, WhenFull.BLOCK, DEFAULT_BLOCK_TIMEOUT_MS,
                Durability.NONE, SEGMENT_BYTES_BY_DURABILITY, LogConfig.DEFAULT_BATCH_BYTES_MAX, new CompositeMeterRegistry(),
                WhenCorrupt.STOP, FileIO.real());
    }

    public DiskBufferConfig withSizeBytesMax(long bytes) {
        return new DiskBufferConfig(componentId, bytes, sizeItemsMax, whenFull, blockTimeoutMs, durability,
                segmentBytes, itemBytesMax, meterRegistry, whenCorrupt, io);
    }

    public DiskBufferConfig withSizeItemsMax(long items) {
        return new DiskBufferConfig(componentId, sizeBytesMax, items, whenFull, blockTimeoutMs, durability,
                segmentBytes, itemBytesMax, meterRegistry, whenCorrupt, io);
    }

    public DiskBufferConfig withWhenFull(WhenFull policy, long timeoutMs) {
        return new DiskBufferConfig(componentId, sizeBytesMax, sizeItemsMax, policy, timeoutMs, durability,
                segmentBytes, itemBytesMax, meterRegistry, whenCorrupt, io);
    }

    public DiskBufferConfig withDurability(Durability value) {
        return new DiskBufferConfig(componentId, sizeBytesMax, sizeItemsMax, whenFull, blockTimeoutMs, value,
                segmentBytes, itemBytesMax, meterRegistry, whenCorrupt, io);
    }

    public DiskBufferConfig withSegmentBytes(int bytes) {
        return new DiskBufferConfig(componentId, sizeBytesMax, sizeItemsMax, whenFull, blockTimeoutMs, durability,
                bytes, itemBytesMax, meterRegistry, whenCorrupt, io);
    }

    public DiskBufferConfig withMeterRegistry(MeterRegistry registry) {
        return new DiskBufferConfig(componentId, sizeBytesMax, sizeItemsMax, whenFull, blockTimeoutMs, durability,
                segmentBytes, itemBytesMax, registry, whenCorrupt, io);
    }

    public DiskBufferConfig withWhenCorrupt(WhenCorrupt policy) {
        return new DiskBufferConfig(componentId, sizeBytesMax, sizeItemsMax, whenFull, blockTimeoutMs, durability,
                segmentBytes, itemBytesMax, meterRegistry, policy, io);
    }

    /** The file interface to use: {@link FileIO#real()} outside tests. */
    public DiskBufferConfig withIo(FileIO fileIo) {
        return new DiskBufferConfig(componentId, sizeBytesMax, sizeItemsMax, whenFull, blockTimeoutMs, durability,
                segmentBytes, itemBytesMax, meterRegistry, whenCorrupt, fileIo);
    }

    /**
     * The segment size the buffer's log rolls at: {@code segmentBytes} when set; else
     * {@value #RELAXED_SEGMENT_BYTES} bytes relaxed and {@value #STRICT_SEGMENT_BYTES} strict, and never less
     * than {@code itemBytesMax}, so an item always fits in one segment.
     *
     * <p>Why the two sizes. A consumer that keeps up acknowledges each segment soon after it fills, and
     * the next roll overwrites that segment's file (see {@link #logConfig()}). The smaller the segment,
     * the more recently those pages were written, and the more of them are still in the CPU's caches
     * when a relaxed put copies into them. A strict roll instead forces the rolled segment and syncs
     * the directory, so a strict buffer gains from rolling less. Measured on two cores, every buffer
     * benchmark with 64 and 8 MiB segments, two rounds: relaxed puts of ~1 MiB Arrow batches ran 968
     * and 1,173 runs of four a second with 64 MiB against 1,648 and 1,543 with 8 MiB, relaxed 1 KiB
     * items 15-40% faster; strict puts, put-poll-acknowledge and reads ran 5-22% slower with 8 MiB.
     * More files cost little here: segments are opened when first read, and a buffer's default
     * 1 GiB limit is 128 segments of 8 MiB.
     */
    public int segmentBytesInUse() {
        if (segmentBytes != SEGMENT_BYTES_BY_DURABILITY) {
            return segmentBytes;
        }
        return Math.max(itemBytesMax, durability == Durability.STRICT ? STRICT_SEGMENT_BYTES : RELAXED_SEGMENT_BYTES);
    }

    /**
     * The settings of the buffer's log: no retention (only acknowledgement removes data), our segment
     * size, our durability. Relaxed, its segments are not forced when they roll
     * ({@link dev.spool.log.WriteConfig#flushOnRoll()} off): a consumer that keeps up acknowledges a
     * segment and it is deleted within moments, so forcing it wrote every byte a relaxed buffer moves
     * to the disk, in the background, for nothing (measured on two cores: relaxed puts, polls and
     * acknowledgements ran 15-20% faster without it). A relaxed item survives a process crash, as
     * before; an operating system crash may now lose every segment written since the last flush (a
     * clean close), not only the last one's tail. Strict puts force what they wrote anyway; their
     * segments are forced at roll so that each put's fsync need not cover the rolled ones again.
     *
     * <p>Either way a roll takes over the file of the segment acknowledged last
     * ({@link dev.spool.log.WriteConfig#reuseSegmentFiles()}): a consumer that keeps up leaves it in
     * the page cache, so the puts overwrite cached pages instead of taking new ones, and a strict
     * put's fsync has no file size to commit. Measured on two cores, one JMH fork each, alternated:
     * puts of ~1 MiB Arrow batches ran 849 and 859 runs of four a second with new files against
     * 1,079 and 1,129 over reused ones (relaxed), 195 against 303 (strict). The trade is in recovery
     * after a crash: past the recovery point a reused file's old bytes and damage look alike, and
     * both are cut (row T5 of the recovery table) where a log of new files refuses damage. The spare
     * file kept for the next roll holds up to a segment of disk beyond what the buffer counts.
     */
    LogConfig logConfig() {
        LogConfig log = LogConfig.defaults().withBatchBytesMax(itemBytesMax).withSegmentBytes(segmentBytesInUse())
                .withRetentionMs(-1L).withRetentionBytes(-1L).withDurability(durability);
        return log.withWrite(log.write().withFlushOnRoll(durability == Durability.STRICT).withReuseSegmentFiles(true));
    }
}
