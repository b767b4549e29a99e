package dev.spool.log.segment;

import dev.spool.log.AbortedTransaction;
import dev.spool.log.io.FileIO;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The aborted-transaction index of one segment ({@code .txnindex}), laid out as Kafka lays it out:
 * one entry per transaction aborted by a marker in this segment, in the order of those markers. A
 * {@code read_committed} Fetch returns the aborted transactions that overlap its range, so the
 * consumer can drop their records without reading ahead for the markers.
 *
 * <h2>File layout</h2>
 * <pre>
 *  entry i, at byte 34*i (big-endian):
 *   0  int16  version           0
 *   2  int64  producerId        the producer whose transaction aborted
 *  10  int64  firstOffset       the transaction's first offset in this partition
 *  18  int64  lastOffset        the offset of the abort marker
 *  26  int64  lastStableOffset  the partition's last stable offset once the abort completed
 * </pre>
 * No header, no checksum; the file exists only once a transaction aborted in the segment. Entries
 * are appended with strictly increasing {@code lastOffset}s (the markers' offsets), each at or
 * after the segment's base offset.
 *
 * <p>Like the other indexes it is derived data: written to disk by {@link #flush} after the log's
 * data is forced, rebuilt from the log's markers when it cannot be trusted. Thread-safety: one
 * writer; readers see a prefix of the entries (the count is published after the entry).
 */
public final class TransactionIndex {
    public static final int ENTRY_BYTES = 34;
    public static final short VERSION = 0;
    public static final int VERSION_AT = 0;
    public static final int PRODUCER_ID_AT = 2;
    public static final int FIRST_OFFSET_AT = 10;
    public static final int LAST_OFFSET_AT = 18;
    public static final int LAST_STABLE_OFFSET_AT = 26;
    /** No segment holds more markers than records, and a segment holds at most 2^31 offsets. */
    private static final int ENTRIES_MAX = Integer.MAX_VALUE / ENTRY_BYTES;

    /** What {@link #collect} found: the overlapping transactions, and whether the search may stop here. */
    public record Collected(List<AbortedTransaction> aborted, boolean complete) {
    }

    private final Path path;
    private final long baseOffset;
    private volatile AbortedTransaction[] entries;
    private volatile int count;
    /** Entries already written to the file; only the writer touches it. */
    private int persistedCount;

    private TransactionIndex(Path path, long baseOffset, AbortedTransaction[] entries, int count, int persistedCount) {
        this.path = path;
        this.baseOffset = baseOffset;
        this.entries = entries;
        this.count = count;
        this.persistedCount = persistedCount;
    }

    /** A new, empty index; nothing is written until {@link #flush}, and no file while it has no entry. */
    public static TransactionIndex empty(Path path, long baseOffset) {
        return new TransactionIndex(path, baseOffset, new AbortedTransaction[4], 0, IndexFile.UNKNOWN_ON_DISK);
    }

    /**
     * Reads an index file whole and checks it ({@link #sanityCheck}).
     *
     * @throws CorruptIndexException when its size is not a whole number of entries, an entry has an
     *                               unknown version, or the entries are out of order
     */
    public static TransactionIndex load(FileIO io, Path path, long baseOffset) throws IOException {
        ByteBuffer bytes = IndexFile.readAll(io, path, ENTRY_BYTES, ENTRIES_MAX);
        int n = bytes.remaining() / ENTRY_BYTES;
        AbortedTransaction[] entries = new AbortedTransaction[Math.max(4, n)];
        for (int i = 0; i < n; i++) {
            int at = i * ENTRY_BYTES;
            short version = bytes.getShort(at + VERSION_AT);
            if (version != VERSION) {
                throw new CorruptIndexException(path, "entry " + i + " has version " + version + ", expected " + VERSION);
            }
            entries[i] = new AbortedTransaction(bytes.getLong(at + PRODUCER_ID_AT), bytes.getLong(at + FIRST_OFFSET_AT),
                    bytes.getLong(at + LAST_OFFSET_AT), bytes.getLong(at + LAST_STABLE_OFFSET_AT));
        }
        TransactionIndex index = new TransactionIndex(path, baseOffset, entries, n, n);
        index.sanityCheck();
        return index;
    }

    public Path path() {
        return path;
    }

    public int entries() {
        return count;
    }

    public AbortedTransaction entry(int i) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException("Entry " + i + " of " + count + " in " + path);
        }
        return entries[i];
    }

    /**
     * Checks what a reader relies on: markers at or after the segment's base offset and in
     * increasing order, each transaction starting at or before its marker.
     */
    public void sanityCheck() throws CorruptIndexException {
        AbortedTransaction[] e = entries;
        long previous = Long.MIN_VALUE;
        for (int i = 0; i < count; i++) {
            AbortedTransaction t = e[i];
            if (t.lastOffset() < baseOffset || t.lastOffset() <= previous || t.firstOffset() > t.lastOffset()) {
                throw new CorruptIndexException(path, "entry " + i + " (producer " + t.producerId() + ", offsets "
                        + t.firstOffset() + " to " + t.lastOffset() + ") does not follow the previous entry's marker at "
                        + previous + " in a segment based at " + baseOffset);
            }
            previous = t.lastOffset();
        }
    }

    /** Adds the transaction an abort marker at {@code aborted.lastOffset()} ended; markers must follow each other. */
    public void append(AbortedTransaction aborted) {
        int n = count;
        if (aborted.lastOffset() < baseOffset || aborted.firstOffset() > aborted.lastOffset()
                || (n > 0 && aborted.lastOffset() <= entries[n - 1].lastOffset())) {
            throw new IllegalArgumentException("Aborted transaction " + aborted + " cannot follow "
                    + (n == 0 ? "nothing" : entries[n - 1].toString()) + " in a segment based at " + baseOffset);
        }
        AbortedTransaction[] e = entries;
        if (n == e.length) {
            e = Arrays.copyOf(e, e.length * 2);
            entries = e; // published before the count below
        }
        e[n] = aborted;
        count = n + 1;
    }

    /**
     * The aborted transactions that overlap a fetch of {@code [fetchOffset, upperBoundOffset)}: those
     * whose marker is at or after {@code fetchOffset} and whose first offset is below the bound.
     * {@code complete} when an entry's last stable offset reached the bound: no later segment can
     * hold a transaction that overlaps the range (the caller stops searching).
     */
    public Collected collect(long fetchOffset, long upperBoundOffset) {
        List<AbortedTransaction> out = new ArrayList<>();
        int n = count; // the count first: the array read after it holds at least n entries
        AbortedTransaction[] e = entries;
        for (int i = 0; i < n; i++) {
            AbortedTransaction t = e[i];
            if (t.lastOffset() >= fetchOffset && t.firstOffset() < upperBoundOffset) {
                out.add(t);
            }
            if (t.lastStableOffset() >= upperBoundOffset) {
                return new Collected(out, true);
            }
        }
        return new Collected(out, false);
    }

    /** Removes every entry whose marker is at or above {@code offset} (the log was cut there). */
    public void truncateTo(long offset) {
        int n = count;
        while (n > 0 && entries[n - 1].lastOffset() >= offset) {
            n--;
        }
        count = n;
        if (n < persistedCount) {
            persistedCount = IndexFile.UNKNOWN_ON_DISK; // the next flush rewrites the file whole
        }
    }

    /**
     * Makes the file hold exactly the in-memory entries, then forces it. Creates no file while the
     * index is empty and no file exists (Kafka creates a segment's {@code .txnindex} lazily too).
     */
    public void flush(FileIO io) throws IOException {
        if (count == 0 && !io.exists(path)) {
            persistedCount = 0;
            return;
        }
        AbortedTransaction[] e = entries;
        persistedCount = IndexFile.sync(io, path, ENTRY_BYTES, persistedCount, count, (out, i) -> out
                .putShort(VERSION).putLong(e[i].producerId()).putLong(e[i].firstOffset())
                .putLong(e[i].lastOffset()).putLong(e[i].lastStableOffset()));
    }
}
