package dev.spool.bench.compare;

import com.sun.nio.file.ExtendedOpenOption;
import dev.spool.bench.BenchData;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;
import org.HdrHistogram.Histogram;

/**
 * The disk's raw limits, measured in the same run as the systems so that ratios share the noise:
 * sequential 1 MiB writes into a fresh file through the page cache and with {@code O_DIRECT}
 * (no fsync in either; the time is the writes only), and 4 KiB appends each followed by an
 * fdatasync ({@code FileChannel.force(false)}), whose rate and latency bound strict durability;
 * and sequential 1 MiB reads of a file in the page cache into a direct buffer (the systems' reads
 * copy from the page cache the same way), which bounds a read of the log front to back.
 */
final class RawLimits {
    static final int WRITE_BUFFER_BYTES = 1 << 20;
    static final int FSYNC_WRITE_BYTES = 4096;
    private static final int ALIGN_BYTES = 4096;

    private final Path root;
    private final ByteBuffer buffer;
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(WRITE_BUFFER_BYTES);

    RawLimits(Path root) {
        this.root = root;
        byte[] bytes = new byte[WRITE_BUFFER_BYTES];
        new SplittableRandom(BenchData.SEED).nextBytes(bytes);
        buffer = ByteBuffer.allocateDirect(WRITE_BUFFER_BYTES + ALIGN_BYTES).alignedSlice(ALIGN_BYTES);
        buffer.put(bytes, 0, WRITE_BUFFER_BYTES).flip();
    }

    /** One repetition: 1 MiB writes at increasing positions of a fresh file until {@code bytesMax} or {@code timeMaxNs}. */
    void sequentialWrite(boolean direct, long bytesMax, long timeMaxNs, Series into) throws IOException {
        Path file = root.resolve(direct ? "raw-odirect.bin" : "raw-buffered.bin");
        OpenOption[] options = direct
                ? new OpenOption[] {StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT}
                : new OpenOption[] {StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE};
        try (FileChannel channel = FileChannel.open(file, options)) {
            ByteBuffer src = buffer;
            long position = 0;
            long start = System.nanoTime();
            long elapsed;
            do {
                src.clear().limit(WRITE_BUFFER_BYTES);
                while (src.hasRemaining()) {
                    position += channel.write(src, position);
                }
                elapsed = System.nanoTime() - start;
            } while (position < bytesMax && elapsed < timeMaxNs);
            into.add(position / WRITE_BUFFER_BYTES, position, elapsed);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /**
     * One repetition: writes a file of {@code fileBytes} and forces it (untimed, so it is in the page
     * cache and clean), then reads it front to back in 1 MiB positional reads into a direct buffer,
     * again from the start each time it ends, until {@code fileBytes} were read and at least one
     * pass is done, or {@code timeMaxNs} (timed: the reads only). The file is written in 1 MiB
     * writes, the best case: on Linux 6.x (ext4) a file written in small appends, as a log is, reads
     * back from the page cache at about half that rate (the cache holds it in smaller folios).
     */
    void sequentialRead(long fileBytes, long timeMaxNs, Series into) throws IOException {
        Path file = root.resolve("raw-read.bin");
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                StandardOpenOption.READ)) {
            ByteBuffer src = buffer;
            for (long position = 0; position < fileBytes; ) {
                src.clear().limit(WRITE_BUFFER_BYTES);
                while (src.hasRemaining()) {
                    position += channel.write(src, position);
                }
            }
            channel.force(false);
            long size = channel.size();
            long read = 0;
            long position = 0;
            long start = System.nanoTime();
            long elapsed;
            do {
                if (position >= size) {
                    position = 0;
                }
                ByteBuffer dst = readBuffer.clear();
                while (dst.hasRemaining() && position < size) {
                    int n = channel.read(dst, position);
                    position += n;
                    read += n;
                }
                elapsed = System.nanoTime() - start;
            } while (read < fileBytes && elapsed < timeMaxNs);
            into.add(read / WRITE_BUFFER_BYTES, read, elapsed);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /**
     * One repetition: 4 KiB appends to a fresh file, each followed by {@code force(false)}, until
     * {@code opsMax} or {@code timeMaxNs}; each append + fdatasync latency goes into {@code latencies} (ns).
     */
    void appendFdatasync(long opsMax, long timeMaxNs, Series into, Histogram latencies) throws IOException {
        Path file = root.resolve("raw-fsync.bin");
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer src = buffer;
            long position = 0;
            long ops = 0;
            long start = System.nanoTime();
            long now = start;
            while (ops < opsMax && now - start < timeMaxNs) {
                long before = now;
                src.clear().limit(FSYNC_WRITE_BYTES);
                while (src.hasRemaining()) {
                    position += channel.write(src, position);
                }
                channel.force(false);
                now = System.nanoTime();
                if (latencies != null) {
                    latencies.recordValue(now - before);
                }
                ops++;
            }
            into.add(ops, position, now - start);
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
