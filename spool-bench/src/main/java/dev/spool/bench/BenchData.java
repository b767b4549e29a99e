package dev.spool.bench;

import dev.spool.log.CoarseClock;
import dev.spool.log.LoadState;
import dev.spool.log.Log;
import dev.spool.log.LogConfig;
import dev.spool.log.record.BatchBuilder;
import dev.spool.log.record.RecordBatch;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Shared inputs of the benchmarks: seeded keys and values, the log settings, and temp directories.
 *
 * <p>Values are "half compressible": the first half random bytes, the second half a repeated
 * 8-byte pattern, so a codec (when one arrives) has realistic work. Everything comes from one
 * fixed seed, so every run appends the same bytes.
 */
public final class BenchData {
    public static final long SEED = 20_261_123L;
    public static final int KEY_BYTES = 16;
    /**
     * 1000 records of 1 KiB make a batch of about 1.05 MB, just over Kafka's default
     * {@code max.message.bytes} (1 MiB + 12), so the benchmarks allow batches of up to 4 MiB.
     */
    public static final int BATCH_BYTES_MAX = 4 << 20;
    /** Where the benchmark logs go; defaults to java.io.tmpdir. */
    static final String DIR_PROPERTY = "spool.bench.dir";

    private BenchData() {
    }

    /** Kafka's defaults (1 GiB segments, 4 KiB index interval); page-cache durability: no flush is ever asked for. */
    public static LogConfig logConfig() {
        return LogConfig.defaults().withBatchBytesMax(BATCH_BYTES_MAX);
    }

    public static ByteBuffer[] keys(int count, SplittableRandom random) {
        ByteBuffer[] keys = new ByteBuffer[count];
        for (int i = 0; i < count; i++) {
            byte[] key = new byte[KEY_BYTES];
            random.nextBytes(key);
            keys[i] = ByteBuffer.wrap(key);
        }
        return keys;
    }

    public static ByteBuffer[] values(int count, int valueBytes, SplittableRandom random) {
        ByteBuffer[] values = new ByteBuffer[count];
        byte[] pattern = "spool-v2".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        for (int i = 0; i < count; i++) {
            byte[] value = new byte[valueBytes];
            int randomBytes = valueBytes / 2;
            byte[] head = new byte[randomBytes];
            random.nextBytes(head);
            System.arraycopy(head, 0, value, 0, randomBytes);
            for (int j = randomBytes; j < valueBytes; j++) {
                value[j] = pattern[j % pattern.length];
            }
            values[i] = ByteBuffer.wrap(value);
        }
        return values;
    }

    /** Encodes one batch of {@code keys.length} records into {@code builder} (reset first) and returns it. */
    public static ByteBuffer encode(BatchBuilder builder, long timestamp, ByteBuffer[] keys, ByteBuffer[] values) {
        return fill(builder, timestamp, keys, values).build();
    }

    /** Resets {@code builder} and appends {@code keys.length} records to it, not built yet (for {@code Log.append(BatchBuilder)}). */
    public static BatchBuilder fill(BatchBuilder builder, long timestamp, ByteBuffer[] keys, ByteBuffer[] values) {
        builder.reset();
        for (int i = 0; i < keys.length; i++) {
            if (!builder.tryAppend(timestamp, keys[i], values[i])) {
                throw new IllegalStateException("Record " + i + " does not fit a batch of " + builder.batchBytesMax()
                        + " bytes");
            }
        }
        return builder;
    }

    /**
     * One encoded batch of {@code records} records of 16-byte keys and {@code valueBytes}-byte
     * values, the same bytes every call (keys and values drawn from {@link #SEED}).
     */
    public static ByteBuffer batch(int records, int valueBytes) {
        SplittableRandom random = new SplittableRandom(SEED);
        ByteBuffer[] keys = keys(records, random);
        ByteBuffer[] values = values(records, valueBytes, random);
        return encode(new BatchBuilder(BATCH_BYTES_MAX), System.currentTimeMillis(), keys, values);
    }

    /** Appends {@code batch} to {@code log} again and again until the log holds at least {@code bytes}. */
    public static void appendUntil(Log log, ByteBuffer batch, long bytes) throws IOException {
        while (log.sizeBytes() < bytes) {
            log.append(batch.duplicate());
        }
    }

    /** Bytes the log stores per batch of these records (whole batch, header included). */
    public static int batchBytes(ByteBuffer batch) {
        return RecordBatch.sizeInBytes(batch, batch.position());
    }

    public static Path newDir(String prefix) {
        try {
            String base = System.getProperty(DIR_PROPERTY);
            Path parent = base == null ? Paths.get(System.getProperty("java.io.tmpdir")) : Paths.get(base);
            Files.createDirectories(parent);
            return Files.createTempDirectory(parent, prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Forces rolled segments off the benchmark thread, as the log manager's flusher does. */
    private static final java.util.concurrent.ExecutorService ROLL_FLUSHER =
            java.util.concurrent.Executors.newSingleThreadExecutor(runnable -> {
                Thread thread = new Thread(runnable, "bench-roll-flusher");
                thread.setDaemon(true);
                return thread;
            });

    public static Log openLog(Path dir) {
        return openLog(dir, logConfig().hashChain());
    }

    /** As {@link #openLog(Path)}, with the hash chain on or off. */
    public static Log openLog(Path dir, boolean hashChain) {
        try {
            return Log.open(dev.spool.log.io.FileIO.real(), dir, logConfig().withHashChain(hashChain),
                    LoadState.unknown(), CoarseClock.SYSTEM, ROLL_FLUSHER);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The end of a benchmark iteration: closes whichever subjects it opened (nulls are skipped; the
     * first failure is thrown, the others added to it), then deletes its directory either way.
     */
    public static void closeAndDelete(Path dir, AutoCloseable... subjects) throws Exception {
        Exception failure = null;
        for (AutoCloseable subject : subjects) {
            if (subject == null) {
                continue;
            }
            try {
                subject.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        deleteRecursively(dir);
        if (failure != null) {
            throw failure;
        }
    }

    public static void deleteRecursively(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
