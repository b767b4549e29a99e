package dev.spool.kafka.txn;

import dev.spool.kafka.InternalLog;
import dev.spool.log.AppendResult;
import dev.spool.log.Durability;
import dev.spool.log.Log;
import dev.spool.log.ReadResult;
import dev.spool.log.io.FileIO;
import dev.spool.log.record.BatchBuilder;
import dev.spool.log.record.Record;
import dev.spool.log.record.RecordBatch;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.StampedLock;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transaction coordinator's state: each transactional id's {@link TransactionMetadata}, in a
 * map in memory made durable by a Spool {@link Log} of its own ({@code __transaction_state} in the
 * data directory), whose records ({@link TransactionLogCodec}, Kafka's transaction-log layout) are
 * replayed on open, the last record of an id winning.
 *
 * <h2>Design</h2>
 * A write appends one record with {@link Durability#STRICT} (concurrent writes share fsyncs
 * through the log's group commit) and applies it to the map only once it is on disk: the
 * coordinator never answers from a state a crash could take back. Writes of one transactional id
 * are never concurrent (the coordinator runs them one after another), so the map and the log agree
 * on each id's last state. A tombstone (an expired id) removes the id.
 *
 * <p>Compaction bounds the log and the replay: when the log holds more than
 * {@code compactionRecordsMin} records and more than twice the live ids, it is rolled, every live
 * state is appended again, and the log start moves to the first rewritten record. Replaying
 * "older records, then the rewrite" gives the same map as the rewrite alone, so a crash at any
 * step loses nothing. Writes in flight hold read stamps of a {@link StampedLock} (released by the
 * thread that completes them); compaction and close take the write stamp.
 *
 * <p>Files: the log's segments and {@code .lock}, held while open. Thread-safe.
 */
public final class TransactionStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TransactionStore.class);
    /** The directory under the data directory: reserved (the {@code __} prefix), so never a topic. */
    public static final String DIR_NAME = "__transaction_state";
    /** Segments roll at 64 MiB: compaction deletes whole segments and a roll starts the rewrite. */
    static final int SEGMENT_BYTES = 64 << 20;
    private static final int READ_BYTES_MAX = 1 << 20;
    /** More than a record's framing takes beside its key and value (length, attributes, deltas, header count). */
    private static final int RECORD_OVERHEAD_BYTES = 32;

    private final InternalLog files;
    private final Path dir;
    private final Log log;
    private final LongSupplier clockMs;
    private final long compactionRecordsMin;
    private final ConcurrentHashMap<String, TransactionMetadata> states = new ConcurrentHashMap<>();
    private final StampedLock appendLock = new StampedLock();
    /** The log's I/O thread when this store started it ({@link #open(Path, LongSupplier, MeterRegistry)}). */
    private volatile java.util.concurrent.ExecutorService ownedIo;
    private volatile boolean closed;

    private TransactionStore(InternalLog files, LongSupplier clockMs, long compactionRecordsMin) {
        this.files = files;
        this.dir = files.dir();
        this.log = files.log();
        this.clockMs = clockMs;
        this.compactionRecordsMin = compactionRecordsMin;
    }

    /**
     * Opens the transaction log in {@code dir} with a compaction threshold of 10,000 records and an
     * I/O thread of its own, stopped by {@link #close()}.
     */
    public static TransactionStore open(Path dir, LongSupplier clockMs, MeterRegistry meterRegistry)
            throws IOException {
        java.util.concurrent.ExecutorService io = java.util.concurrent.Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "spool-transaction-log-io");
            thread.setDaemon(true);
            return thread;
        });
        try {
            TransactionStore store = open(FileIO.real(), dir, clockMs, io, meterRegistry, 10_000);
            store.ownedIo = io;
            return store;
        } catch (IOException | RuntimeException e) {
            io.shutdownNow();
            throw e;
        }
    }

    /**
     * Opens (creating if needed) the transaction log in {@code dir} and replays it. A record that
     * does not decode fails the open with a {@link dev.spool.log.CorruptLogException} naming the
     * file, the batch's position and the record's offset.
     */
    public static TransactionStore open(FileIO io, Path dir, LongSupplier clockMs, Executor ioExecutor,
                                        MeterRegistry meterRegistry, long compactionRecordsMin) throws IOException {
        InternalLog files = InternalLog.open(io, dir, SEGMENT_BYTES, clockMs, ioExecutor, meterRegistry);
        try {
            TransactionStore store = new TransactionStore(files, clockMs, compactionRecordsMin);
            store.replay();
            store.maybeCompact();
            return store;
        } catch (IOException | RuntimeException e) {
            files.closeAfter(e);
            throw e;
        }
    }

    private void replay() throws IOException {
        long offset = log.logStartOffset();
        long records = 0;
        while (offset < log.logEndOffset()) {
            ReadResult read = log.read(offset, READ_BYTES_MAX);
            if (read.isEmpty()) {
                break;
            }
            for (Record record : read.records()) { // checks each batch's CRC; names file, position, offset
                if (record.offset() >= offset) {
                    apply(record, read.origin());
                    records++;
                }
            }
            offset = read.nextOffset(offset);
        }
        LOG.info("Replayed {} transaction record(s) of {}: {} transactional id(s)", records, dir, states.size());
    }

    private void apply(Record record, ReadResult.Origin origin) throws IOException {
        TransactionLogCodec.TransactionRecord decoded;
        try {
            decoded = TransactionLogCodec.decode(record.key().orElse(null), record.value().orElse(null));
        } catch (TransactionLogCodec.MalformedRecordException e) {
            long position;
            try {
                position = origin.positionOf(record.offset());
            } catch (IOException | RuntimeException unknown) {
                position = -1;
            }
            throw new dev.spool.log.CorruptLogException(origin.file(), position,
                    "transaction record at offset " + record.offset() + " does not decode: " + e.getMessage());
        }
        decoded.metadata().ifPresentOrElse(m -> states.put(decoded.transactionalId(), m),
                () -> states.remove(decoded.transactionalId()));
    }

    /** The state of {@code transactionalId}, if it has one. */
    public Optional<TransactionMetadata> get(String transactionalId) {
        return Optional.ofNullable(states.get(transactionalId));
    }

    /** Every transactional id's state, a snapshot. */
    public Map<String, TransactionMetadata> all() {
        return Map.copyOf(states);
    }

    /**
     * Writes {@code state} with strict durability; completes once it is on disk and returned by
     * {@link #get}, or exceptionally with the append's error (the map keeps the previous state).
     */
    public CompletableFuture<Void> write(TransactionMetadata state) {
        return append(state.transactionalId(), Optional.of(state));
    }

    /** Removes {@code transactionalId} (a tombstone), durably. */
    public CompletableFuture<Void> remove(String transactionalId) {
        return append(transactionalId, Optional.empty());
    }

    private CompletableFuture<Void> append(String transactionalId, Optional<TransactionMetadata> state) {
        long stamp = appendLock.readLock();
        CompletableFuture<AppendResult> appended;
        try {
            if (closed) {
                throw new IllegalStateException("The transaction log " + dir + " is closed");
            }
            appended = log.appendAsync(encode(List.of(new Entry(transactionalId, state))), Durability.STRICT);
        } catch (IOException | RuntimeException e) {
            appendLock.unlockRead(stamp);
            return CompletableFuture.failedFuture(e);
        }
        return appended.handle((result, error) -> {
            try {
                if (error != null) {
                    throw error instanceof CompletionException c ? c : new CompletionException(error);
                }
                state.ifPresentOrElse(s -> states.put(transactionalId, s), () -> states.remove(transactionalId));
                return null;
            } finally {
                appendLock.unlockRead(stamp);
            }
        });
    }

    private record Entry(String transactionalId, Optional<TransactionMetadata> state) {
    }

    /** Encodes records into as many batches as they need, one after another in one buffer. */
    private ByteBuffer encode(List<Entry> entries) {
        List<InternalLog.Entry> records = new ArrayList<>(entries.size());
        long plainBytes = 0;
        for (Entry entry : entries) {
            byte[] key = TransactionLogCodec.encodeKey(entry.transactionalId());
            byte[] value = entry.state().map(TransactionLogCodec::encodeValue).orElse(null);
            long timestamp = entry.state().map(TransactionMetadata::lastUpdateMs).orElse(clockMs.getAsLong());
            records.add(new InternalLog.Entry(timestamp, key, value));
            plainBytes += key.length + (value == null ? 0 : value.length) + RECORD_OVERHEAD_BYTES;
        }
        // Sized to the records (a state is a few hundred bytes), not to the largest batch: one write per request.
        return InternalLog.encode(new BatchBuilder((int) Math.min(log.config().batchBytesMax(),
                RecordBatch.HEADER_BYTES + plainBytes)), records);
    }

    /** Records in the log from its start: what a replay reads. */
    long logRecordCount() {
        return files.recordCount();
    }

    /** Compacts when the log holds more than {@code compactionRecordsMin} records and twice the live ids. */
    public boolean maybeCompact() throws IOException {
        long records = logRecordCount();
        if (records <= compactionRecordsMin || records <= 2L * states.size()) {
            return false;
        }
        compact();
        return true;
    }

    /** Rewrites the live states after a roll and deletes everything before them (see the class note). */
    void compact() throws IOException {
        long stamp = appendLock.writeLock();
        try {
            if (closed) {
                return;
            }
            long before = logRecordCount();
            log.roll();
            long rewriteStart = log.logEndOffset();
            List<Entry> live = new ArrayList<>();
            states.forEach((id, state) -> live.add(new Entry(id, Optional.of(state))));
            if (!live.isEmpty()) {
                files.appendAndWait(encode(live));
            }
            log.advanceLogStartOffset(rewriteStart);
            LOG.info("Compacted the transaction log {}: {} record(s) down to {}", dir, before, logRecordCount());
        } finally {
            appendLock.unlockWrite(stamp);
        }
    }

    public Path dir() {
        return dir;
    }

    /** Waits for writes in flight, then closes the log (flushing it) and releases the lock. */
    @Override
    public void close() throws IOException {
        long stamp = appendLock.writeLock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            try {
                files.close();
            } finally {
                if (ownedIo != null) {
                    ownedIo.shutdown();
                }
            }
        } finally {
            appendLock.unlockWrite(stamp);
        }
    }
}
