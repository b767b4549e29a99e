package dev.spool.bench.buffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Optional;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;

/**
 * The seed's disk buffer design (shared/seeds/000, {@code kinetic_buffers/disk.rs}), the baseline
 * the disk buffer benchmarks measure {@code DiskBuffer} against: one file per item, named by a
 * zero-padded sequence so the names sort in order, the pending file names and the total size kept
 * in memory, and a dequeue that reads the oldest file whole and deletes it (its acknowledgement).
 *
 * <p>Kept as generous to the baseline as the seed allows: the seed writes through a
 * {@code BufWriter} and never fsyncs; "strict" here adds one {@code fdatasync} of the file (Spool's
 * strict mode forces data the same way), but not the directory fsync a new file would need to be
 * durable. Byte items are written as they are, without the seed's JSON metadata. Not thread-safe.
 */
public final class FilePerItemQueue implements AutoCloseable {
    private final Path dir;
    private final boolean fsync;
    private final ArrayDeque<Path> pending = new ArrayDeque<>();
    private long nextSequence;
    private long sizeBytes;

    public FilePerItemQueue(Path dir, boolean fsync) {
        this.dir = dir;
        this.fsync = fsync;
    }

    private Path nextFile(String suffix) {
        String digits = Long.toString(nextSequence++);
        return dir.resolve("0".repeat(20 - digits.length()) + digits + suffix);
    }

    /** Writes one item file: create, write, (strict) fdatasync, close. */
    public void enqueue(byte[] payload) throws IOException {
        Path file = nextFile(".item");
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer bytes = ByteBuffer.wrap(payload);
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            if (fsync) {
                channel.force(false);
            }
        }
        pending.addLast(file);
        sizeBytes += payload.length;
    }

    /** Reads the oldest item whole and deletes its file, or empty when none is pending. */
    public Optional<byte[]> dequeue() throws IOException {
        Path file = pending.pollFirst();
        if (file == null) {
            return Optional.empty();
        }
        byte[] bytes = Files.readAllBytes(file);
        Files.delete(file);
        sizeBytes -= bytes.length;
        return Optional.of(bytes);
    }

    /** Writes one Arrow batch as an IPC stream file, as the seed's {@code StreamWriter} does. */
    public void enqueue(VectorSchemaRoot batch) throws IOException {
        Path file = nextFile(".arrow");
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
             ArrowStreamWriter writer = new ArrowStreamWriter(batch, null, channel)) {
            writer.start();
            writer.writeBatch();
            writer.end();
            if (fsync) {
                channel.force(false);
            }
        }
        pending.addLast(file);
        sizeBytes += Files.size(file);
    }

    /**
     * Reads the oldest Arrow file's batch, hands it to {@code consumer} (valid only during the
     * call) and deletes the file; false when none is pending.
     */
    public boolean dequeueArrow(BufferAllocator allocator, java.util.function.Consumer<VectorSchemaRoot> consumer)
            throws IOException {
        Path file = pending.pollFirst();
        if (file == null) {
            return false;
        }
        long size = Files.size(file);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
             ArrowStreamReader reader = new ArrowStreamReader(channel, allocator)) {
            if (!reader.loadNextBatch()) {
                throw new IOException("Arrow file had no record batch: " + file);
            }
            consumer.accept(reader.getVectorSchemaRoot());
        }
        Files.delete(file);
        sizeBytes -= size;
        return true;
    }

    public long sizeBytes() {
        return sizeBytes;
    }

    @Override
    public void close() {
        pending.clear();
    }
}
