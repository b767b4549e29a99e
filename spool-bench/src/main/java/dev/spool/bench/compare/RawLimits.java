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
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.zip.CRC32C;
import org.HdrHistogram.Histogram;

/**
 * The disk's raw limits, measured in the same run as the systems so that ratios share the noise:
 * sequential 1 MiB writes into a fresh file through the page cache and with {@code O_DIRECT}
 * (no fsync in either; the time is the writes only), and 4 KiB appends each followed by an
 * fdatasync ({@code FileChannel.force(false)}), whose rate and latency bound strict durability;
 * and sequential 1 MiB reads of a file in the page cache into a direct buffer (the systems' reads
 * copy from the page cache the same way), which bounds a read of the log front to back.
 *
 * <p>Three more set the ceilings of targets this machine may not be able to reach, whatever the
 * engine does: a page-cache write that first copies its 1 MiB into the write buffer and computes
 * its CRC-32C (the least a checked append does: encode, checksum, hand to the kernel); SHA-256 of
 * 1 MiB buffers on one thread (the hash chain's digest); and how many times a second one thread
 * can wake N threads parked one by one, with no I/O at all (the floor of acknowledging N writers
 * that each wait for their own record).
 */
final class RawLimits {
    static final int WRITE_BUFFER_BYTES = 1 << 20;
    static final int FSYNC_WRITE_BYTES = 4096;
    private static final int ALIGN_BYTES = 4096;

    private final Path root;
    /** The data every write takes: 1 MiB of random bytes, on the heap as a producer's records are. */
    private final byte[] source = new byte[WRITE_BUFFER_BYTES];
    private final ByteBuffer buffer;
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(WRITE_BUFFER_BYTES);
    /** Checksums and digests taken, summed, so that none of the work can be dropped as unused. */
    long sink;

    RawLimits(Path root) {
        this.root = root;
        new SplittableRandom(BenchData.SEED).nextBytes(source);
        buffer = ByteBuffer.allocateDirect(WRITE_BUFFER_BYTES + ALIGN_BYTES).alignedSlice(ALIGN_BYTES);
        buffer.put(source, 0, WRITE_BUFFER_BYTES).flip();
    }

    /** One repetition: 1 MiB writes at increasing positions of a fresh file until {@code bytesMax} or {@code timeMaxNs}. */
    void sequentialWrite(boolean direct, long bytesMax, long timeMaxNs, Series into) throws IOException {
        OpenOption[] options = direct
                ? new OpenOption[] {StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT}
                : new OpenOption[] {StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE};
        writes(direct ? "raw-odirect.bin" : "raw-buffered.bin", options, false, bytesMax, timeMaxNs, into);
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

    /**
     * One repetition: as a page-cache {@link #sequentialWrite}, but each 1 MiB is first copied from
     * the heap into the write buffer and its CRC-32C computed, until {@code bytesMax} or
     * {@code timeMaxNs}. What remains between a checked append and this is the engine's own work.
     */
    void checkedWrite(long bytesMax, long timeMaxNs, Series into) throws IOException {
        writes("raw-checked.bin", new OpenOption[] {StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE}, true,
                bytesMax, timeMaxNs, into);
    }

    /**
     * 1 MiB writes at increasing positions of the fresh file {@code name}, each first copied from the
     * heap and checksummed when {@code checked}, until {@code bytesMax} or {@code timeMaxNs}; deletes the file.
     */
    private void writes(String name, OpenOption[] options, boolean checked, long bytesMax, long timeMaxNs,
                        Series into) throws IOException {
        Path file = root.resolve(name);
        CRC32C crc = new CRC32C();
        try (FileChannel channel = FileChannel.open(file, options)) {
            ByteBuffer src = buffer;
            long position = 0;
            long start = System.nanoTime();
            long elapsed;
            do {
                src.clear().limit(WRITE_BUFFER_BYTES);
                if (checked) {
                    src.put(source, 0, WRITE_BUFFER_BYTES).flip();
                    crc.reset();
                    crc.update(src.duplicate());
                    sink += crc.getValue();
                }
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

    /** One repetition: SHA-256 digests of 1 MiB on this thread until {@code bytesMax} or {@code timeMaxNs}. */
    void sha256(long bytesMax, long timeMaxNs, Series into) {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every Java platform has SHA-256", e);
        }
        long bytes = 0;
        long start = System.nanoTime();
        long elapsed;
        do {
            digest.update(buffer.duplicate().clear().limit(WRITE_BUFFER_BYTES));
            sink += digest.digest()[0];
            bytes += WRITE_BUFFER_BYTES;
            elapsed = System.nanoTime() - start;
        } while (bytes < bytesMax && elapsed < timeMaxNs);
        into.add(bytes / WRITE_BUFFER_BYTES, bytes, elapsed);
    }

    /** A thread of {@link #wakes}: parked until the waker clears {@code parked}. */
    private static final class Sleeper {
        Thread thread;
        volatile boolean parked;
    }

    /**
     * One repetition: {@code threads} threads each queue themselves and park; this thread takes them
     * off the queue in turn and unparks each, spinning when none is queued, for {@code timeMaxNs}.
     * Records are wakes. No I/O and no work besides: a ceiling, not a model, of N strict writers.
     */
    void wakes(int threads, long timeMaxNs, Series into) throws InterruptedException {
        ConcurrentLinkedQueue<Sleeper> queue = new ConcurrentLinkedQueue<>();
        LongAdder woken = new LongAdder();
        AtomicBoolean stop = new AtomicBoolean();
        List<Sleeper> sleepers = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            Sleeper sleeper = new Sleeper();
            sleeper.thread = new Thread(() -> {
                while (!stop.get()) {
                    sleeper.parked = true;
                    queue.add(sleeper);
                    while (sleeper.parked) {
                        LockSupport.park(sleeper);
                    }
                    woken.increment();
                }
            }, "raw-sleeper-" + i);
            sleeper.thread.setDaemon(true);
            sleepers.add(sleeper);
        }
        sleepers.forEach(sleeper -> sleeper.thread.start());
        long start = System.nanoTime();
        long wakesBefore = woken.sum();
        long elapsed;
        do {
            Sleeper next = queue.poll();
            if (next == null) {
                Thread.onSpinWait();
            } else {
                next.parked = false;
                LockSupport.unpark(next.thread);
            }
            elapsed = System.nanoTime() - start;
        } while (elapsed < timeMaxNs);
        long wakes = woken.sum() - wakesBefore;
        stop.set(true);
        for (Sleeper sleeper : sleepers) {
            while (sleeper.thread.isAlive()) { // it may queue once more after the stop
                sleeper.parked = false;
                LockSupport.unpark(sleeper.thread);
                sleeper.thread.join(1);
            }
        }
        into.add(wakes, 0, elapsed);
    }
}
