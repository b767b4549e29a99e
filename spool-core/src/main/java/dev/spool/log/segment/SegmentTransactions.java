package dev.spool.log.segment;

import dev.spool.log.AbortedTransaction;
import dev.spool.log.io.FileIO;
import dev.spool.log.io.StorageFile;
import dev.spool.log.record.RecordBatch;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A segment's aborted-transaction index ({@link TransactionIndex}, the {@code .txnindex} file) and
 * its life beside the segment's other files. Most segments never see an aborted transaction, so
 * the index exists only once it has an entry: a segment without one holds a null here, costs no
 * allocation, and is never looked up on disk after the log was opened (the open learns which
 * files exist from the directory listing it makes anyway).
 *
 * <p>Order against the data, as for the other indexes: an entry names an abort marker the caller
 * appended first, and is written to disk after the segment's data is forced ({@link #flush}, run by
 * {@link Segment#flush}) or at once when the caller asks for it ({@link #append} with
 * {@code force}, after the marker was forced). A truncation cuts the file before the log and
 * forces the cut: an entry left behind would otherwise name an offset that new data takes.
 * Unlike the offset and time indexes it cannot be rebuilt from its segment alone (a transaction's
 * first offset may lie in an earlier segment, and the last stable offset is not in the log at all),
 * so a damaged file is refused on open ({@link #load}), never replaced.
 *
 * <p>Thread-safety: changes and flushes are serialized on this object (the writer records, the
 * background flush of a rolled segment writes); readers call {@link #collect} without a lock and
 * see a prefix of the entries.
 */
public final class SegmentTransactions {
    private final FileIO io;
    private final Path path;
    private final long baseOffset;
    /** Null while the segment has no index: no entry, no file. */
    private volatile TransactionIndex index;
    /** Whether the index holds entries, or a cut, that the file does not. */
    private boolean dirty;
    /** Whether the log's open listed a file for this segment (loaded after recovery, if the segment survives). */
    private volatile boolean listed;

    SegmentTransactions(FileIO io, Path dir, long baseOffset) {
        this.io = io;
        this.path = SegmentFiles.txnIndexFile(dir, baseOffset);
        this.baseOffset = baseOffset;
    }

    public Path path() {
        return path;
    }

    /** Notes that the directory holds this segment's file (the open's listing found it). */
    public void foundOnDisk() {
        listed = true;
    }

    /** Whether the segment may have a file: the open found one, or an entry was recorded. */
    boolean mayHaveFile() {
        return listed || index != null;
    }

    /** Whether the segment has an index: an entry was recorded, or a file was loaded. */
    public boolean exists() {
        return index != null;
    }

    /** The number of entries (0 without an index). */
    public int entries() {
        TransactionIndex i = index;
        return i == null ? 0 : i.entries();
    }

    /** The entries, in recorded order (empty without an index). */
    public List<AbortedTransaction> all() {
        TransactionIndex i = index;
        return i == null ? List.of() : i.collect(Long.MIN_VALUE, Long.MAX_VALUE).aborted();
    }

    /**
     * The entries overlapping a fetch of {@code [fetchOffset, upperBoundOffset)}
     * ({@link TransactionIndex#collect}); null when the segment has no index, so the common case
     * allocates nothing.
     */
    public TransactionIndex.Collected collect(long fetchOffset, long upperBoundOffset) {
        TransactionIndex i = index;
        return i == null ? null : i.collect(fetchOffset, upperBoundOffset);
    }

    /**
     * Adds an entry (creating the index with the segment's first one); with {@code force} the file
     * is written and forced before this returns (a new file's directory synced too), otherwise at
     * the segment's next flush.
     *
     * @throws IllegalArgumentException if the entry does not follow the last one or lies below the base offset
     */
    public synchronized void append(AbortedTransaction aborted, boolean force) throws IOException {
        TransactionIndex i = index;
        if (i == null) {
            i = TransactionIndex.empty(path, baseOffset);
            i.append(aborted); // refused before the index is published
            index = i;
        } else {
            i.append(aborted);
        }
        dirty = true;
        if (force) {
            flush();
        }
    }

    /** Writes and forces what the file lacks; nothing without an index or a change. The caller forced the data. */
    public void flush() throws IOException {
        if (index == null) {
            return; // the common case, on every segment flush: no lock taken
        }
        synchronized (this) {
            if (dirty) {
                index.flush(io);
                dirty = false;
            }
        }
    }

    /** Drops the entries whose marker is at or after {@code newNext}, and forces the cut file. */
    synchronized void truncateTo(long newNext) throws IOException {
        TransactionIndex i = index;
        if (i != null && i.entries() > 0 && i.entry(i.entries() - 1).lastOffset() >= newNext) {
            i.truncateTo(newNext);
            dirty = true;
            flush();
        }
    }

    /**
     * Loads the file a log's open found ({@link #foundOnDisk}; nothing otherwise), by the recovery
     * rules (row TX, {@code docs/durability.md}): a trailing partial entry (a torn write) is cut off,
     * entries whose marker is at or past {@code logEndOffset} (the marker did not survive) are
     * dropped, and both cuts are forced.
     * {@code segmentEndOffset} bounds the markers the segment can hold ({@code Long.MAX_VALUE} for
     * the last segment, which the log end bounds instead).
     *
     * @throws CorruptIndexException naming the file and the entry when it holds an entry of an
     *                               unknown version, one that ends before it begins, one out of
     *                               order, or one outside the segment's offsets: the log is not
     *                               opened
     */
    synchronized void load(long logEndOffset, long segmentEndOffset) throws IOException {
        if (!listed) {
            return; // no file: the segment has no aborted transaction
        }
        cutPartialEntry();
        TransactionIndex loaded;
        try {
            loaded = TransactionIndex.load(io, path, baseOffset);
            for (int n = 0; n < loaded.entries(); n++) {
                AbortedTransaction t = loaded.entry(n);
                if (t.lastOffset() >= segmentEndOffset) {
                    throw new CorruptIndexException(path, "entry " + n + " (producer " + t.producerId()
                            + ", offsets " + t.firstOffset() + " to " + t.lastOffset() + ") has its marker past the "
                            + "segment's offsets " + baseOffset + " to " + (segmentEndOffset - 1));
                }
            }
        } catch (CorruptIndexException e) {
            throw new CorruptIndexException(path, e.problem() + "; the log is not opened, since a transaction index "
                    + "cannot be rebuilt from its segment (removing the file opens the log, but read_committed "
                    + "consumers then see this segment's aborted records)");
        }
        int before = loaded.entries();
        loaded.truncateTo(logEndOffset);
        if (loaded.entries() < before) {
            SegmentLog.LOG.warn("Dropping {} entries of {} whose abort markers lie at or past the log end {}: the "
                    + "markers did not survive", before - loaded.entries(), path, logEndOffset);
            loaded.flush(io);
        }
        index = loaded;
        dirty = false;
    }

    // ---- compaction's carry-over: the entries of the segments a cleaned one replaces ----

    /**
     * The carried-over index of the cleaned segment at {@code baseOffset} while its swap is under
     * way: {@code B.txnindex.swap}, beside compaction's {@code B.log.swap}. It exists only whole
     * (written as {@code .tmp}, forced, renamed), so a crash leaves either nothing or all of it.
     */
    public static Path swapFile(Path dir, long baseOffset) {
        return dir.resolve(SegmentFiles.baseName(baseOffset) + SegmentFiles.TXN_INDEX_SUFFIX + ".swap");
    }

    /**
     * Writes {@code entries} (in marker order, all within the cleaned segment's offsets) as the swap
     * index of the cleaned segment at {@code baseOffset}: tmp, force, rename, force the directory.
     */
    public static void writeSwap(FileIO io, Path dir, long baseOffset, List<AbortedTransaction> entries)
            throws IOException {
        Path tmp = dir.resolve(SegmentFiles.baseName(baseOffset) + SegmentFiles.TXN_INDEX_SUFFIX + SegmentFiles.TMP_SUFFIX);
        io.deleteIfExists(tmp);
        TransactionIndex index = TransactionIndex.empty(tmp, baseOffset);
        for (AbortedTransaction entry : entries) {
            index.append(entry);
        }
        index.flush(io);
        io.rename(tmp, swapFile(dir, baseOffset));
        io.syncDirectory(dir);
    }

    /**
     * The entries of {@code entries} whose abort marker is still in the cleaned file {@code logFile}
     * (a control batch at the entry's marker offset): the cleaner removes a marker once its
     * transaction's data is gone, and its entry goes with it. The file's batch headers are read only
     * when there are entries, and a marker's batch only where an entry names its offset.
     */
    public static List<AbortedTransaction> withMarkers(FileIO io, Path logFile, int batchBytesMax,
                                                       List<AbortedTransaction> entries) throws IOException {
        if (entries.isEmpty()) {
            return entries;
        }
        Set<Long> markers = new HashSet<>();
        for (AbortedTransaction entry : entries) {
            markers.add(entry.lastOffset());
        }
        Set<Long> found = new HashSet<>();
        try (StorageFile file = io.open(logFile, FileIO.OpenMode.READ)) {
            BatchCursor cursor = BatchCursor.overHeaders(file, logFile, 0, file.size(), batchBytesMax);
            while (true) {
                BatchClassifier.Verdict verdict = cursor.read();
                if (verdict.kind() == BatchClassifier.Kind.END || !verdict.isValid()) {
                    break; // a damaged swap file is refused by the caller's own reading (swapEnd, recover)
                }
                if (markers.contains(cursor.baseOffset()) && RecordBatch.isControl(cursor.readBatch(), 0)) {
                    found.add(cursor.baseOffset());
                }
                cursor.advance();
            }
        }
        List<AbortedTransaction> kept = new ArrayList<>();
        for (AbortedTransaction entry : entries) {
            if (found.contains(entry.lastOffset())) {
                kept.add(entry);
            }
        }
        return kept;
    }

    /** Renames the swap index of the segment at {@code baseOffset}, if there is one, into place. */
    public static boolean installSwap(FileIO io, Path dir, long baseOffset) throws IOException {
        Path swap = swapFile(dir, baseOffset);
        if (!io.exists(swap)) {
            return false;
        }
        io.rename(swap, SegmentFiles.txnIndexFile(dir, baseOffset));
        io.syncDirectory(dir);
        return true;
    }

    /**
     * The entries of the file of the segment at {@code baseOffset}, a partial last entry cut off
     * first: what an interrupted swap carries over from a segment that was never opened.
     *
     * @throws CorruptIndexException when the file fails the checks of {@link TransactionIndex#load}
     */
    public static List<AbortedTransaction> read(FileIO io, Path dir, long baseOffset)
            throws IOException {
        Path file = SegmentFiles.txnIndexFile(dir, baseOffset);
        cutPartialEntry(io, file);
        TransactionIndex index = TransactionIndex.load(io, file, baseOffset);
        return index.collect(Long.MIN_VALUE, Long.MAX_VALUE).aborted();
    }

    /** A size that is not a whole number of entries ends in a torn write: cut it off, forced. */
    private void cutPartialEntry() throws IOException {
        cutPartialEntry(io, path);
    }

    private static void cutPartialEntry(FileIO io, Path path) throws IOException {
        long size = io.size(path);
        long partial = size % TransactionIndex.ENTRY_BYTES;
        if (partial != 0) {
            SegmentLog.LOG.warn("Cutting a partial entry of {} bytes from the end of {} (a torn write)", partial, path);
            try (StorageFile file = io.open(path, FileIO.OpenMode.READ_WRITE)) {
                file.truncate(size - partial);
                file.force(true);
            }
        }
    }
}
