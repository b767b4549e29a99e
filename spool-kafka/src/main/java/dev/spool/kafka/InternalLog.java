package dev.spool.kafka;

import dev.spool.log.AppendResult;
import dev.spool.log.Durability;
import dev.spool.log.LoadState;
import dev.spool.log.Log;
import dev.spool.log.LogConfig;
import dev.spool.log.io.FileIO;
import dev.spool.log.record.BatchBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One of the server's internal logs (the committed offsets, the transaction coordinator's state):
 * a Spool {@link Log} of its own in a directory under the data directory, written only with strict
 * appends, held with a {@code .lock} file so that a second process cannot write it meanwhile.
 *
 * <p>Opening creates the directory (and syncs the data directory, so a power loss cannot take
 * the new directory, and the states acknowledged in it, away) and opens the log as a strict-only
 * log ({@link LoadState#strictOnly()}): its owner keeps no recovery-point checkpoint, and a crash
 * during a roll is cut like any unflushed tail. {@link #encode} turns records into consecutive
 * batches for one append. Not thread-safe itself: its owner serializes close against appends.
 *
 * @param dir  the log's directory
 * @param log  the log
 * @param lock the directory's lock, released by {@link #close()}
 */
public record InternalLog(Path dir, Log log, AutoCloseable lock) implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(InternalLog.class);
    public static final String LOCK_FILE = ".lock";

    /** One record to write: its timestamp, key, and value ({@code null} for a tombstone). */
    public record Entry(long timestamp, byte[] key, byte[] value) {
    }

    /**
     * Opens (creating if needed) the internal log in {@code dir}: segments of {@code segmentBytes},
     * never deleted by retention, strict durability.
     */
    public static InternalLog open(FileIO io, Path dir, int segmentBytes, LongSupplier clockMs, Executor ioExecutor,
                                   MeterRegistry meterRegistry) throws IOException {
        boolean created = !io.isDirectory(dir);
        io.createDirectories(dir);
        if (created && dir.getParent() != null) {
            io.syncDirectory(dir.getParent());
        }
        AutoCloseable lock = io.lock(dir.resolve(LOCK_FILE));
        try {
            LogConfig config = LogConfig.defaults().withSegmentBytes(segmentBytes).withRetentionMs(-1)
                    .withDurability(Durability.STRICT);
            return new InternalLog(dir, Log.open(io, dir, config, LoadState.strictOnly(), clockMs, ioExecutor,
                    meterRegistry), lock);
        } catch (IOException | RuntimeException e) {
            try {
                lock.close();
            } catch (Exception suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** Closes after a failed start (the replay refused a record): the first error stays the one thrown. */
    public void closeAfter(Exception failure) {
        try {
            close();
        } catch (IOException | RuntimeException suppressed) {
            failure.addSuppressed(suppressed);
        }
    }

    /**
     * {@code entries} as record batches one after another in one buffer, as many batches as
     * {@code builder}'s capacity needs; {@code builder} carries the batches' producer fields.
     */
    public static ByteBuffer encode(BatchBuilder builder, List<Entry> entries) {
        List<ByteBuffer> batches = new ArrayList<>();
        int totalBytes = 0;
        for (Entry entry : entries) {
            if (!builder.tryAppend(entry.timestamp(), entry.key(), entry.value())) {
                totalBytes += takeBatch(builder, batches);
                builder.append(entry.timestamp(), ByteBuffer.wrap(entry.key()),
                        entry.value() == null ? null : ByteBuffer.wrap(entry.value()), null);
            }
        }
        totalBytes += takeBatch(builder, batches);
        ByteBuffer out = ByteBuffer.allocate(totalBytes);
        batches.forEach(out::put);
        return out.flip();
    }

    private static int takeBatch(BatchBuilder builder, List<ByteBuffer> into) {
        ByteBuffer built = builder.build();
        ByteBuffer copy = ByteBuffer.allocate(built.remaining()).put(built).flip();
        into.add(copy);
        builder.reset();
        return copy.remaining();
    }

    /** Appends {@code batches} strictly and waits for the fsync: a compaction's rewrite, under its owner's lock. */
    public AppendResult appendAndWait(ByteBuffer batches) throws IOException {
        try {
            return log.appendAsync(batches, Durability.STRICT).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("Interrupted while rewriting " + dir);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof IOException io ? io : new IOException(cause);
        }
    }

    /** Records in the log from its start: what a replay reads. */
    public long recordCount() {
        return log.logEndOffset() - log.logStartOffset();
    }

    /** Closes the log (flushing it) and releases the directory's lock. */
    @Override
    public void close() throws IOException {
        try {
            log.close();
        } finally {
            try {
                lock.close();
            } catch (Exception e) {
                LOG.warn("Could not release {}: {}", dir.resolve(LOCK_FILE), e.getMessage());
            }
        }
    }
}
