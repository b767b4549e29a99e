package dev.spool.log.segment;

import dev.spool.log.io.FileIO;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * The time index of one segment ({@code .timeindex}), laid out as Kafka lays it out.
 *
 * <h2>File layout</h2>
 * <pre>
 *  entry i, at byte 12*i (big-endian):
 *   0  int64  timestamp        the largest record timestamp in the segment up to and including
 *                              the batch that ends at the offset below
 *   8  int32  relativeOffset   that batch's last offset - segment base offset
 * </pre>
 * Timestamps strictly increase from entry to entry (an entry is added only when the segment's
 * largest timestamp grew), so an entry {@code (t, o)} promises: no record at or below offset
 * {@code o} has a timestamp above {@code t}. A search for the first record at or after time
 * {@code T} can therefore start after the last entry whose timestamp is below {@code T}.
 * When a segment stops being active its final largest timestamp is added, so the last entry
 * gives the segment's largest timestamp without reading the log.
 *
 * <p>Written, forced and trusted exactly like {@link OffsetIndex}. Thread-safety: one writer,
 * any number of readers.
 */
public final class TimeIndex {
    public static final int ENTRY_BYTES = 12;
    public static final int TIMESTAMP_AT = 0;
    public static final int RELATIVE_OFFSET_AT = 8;

    private final Path path;
    private final long baseOffset;
    private final int entriesMax;
    /** Pairs: [2i] timestamp, [2i+1] relative offset. */
    private volatile long[] entries;
    private volatile int count;
    /** Entries already written to the file; {@link IndexFile#UNKNOWN_ON_DISK} until the first flush of a new index. */
    private int persistedCount;

    private TimeIndex(Path path, long baseOffset, int entriesMax, long[] entries, int count, int persistedCount) {
        this.path = path;
        this.baseOffset = baseOffset;
        this.entriesMax = entriesMax;
        this.entries = entries;
        this.count = count;
        this.persistedCount = persistedCount;
    }

    public static TimeIndex empty(Path path, long baseOffset, int indexBytesMax) {
        return new TimeIndex(path, baseOffset, IndexFile.entriesMax(indexBytesMax, ENTRY_BYTES), new long[32],
                0, IndexFile.UNKNOWN_ON_DISK);
    }

    public static TimeIndex load(FileIO io, Path path, long baseOffset, int indexBytesMax) throws IOException {
        int entriesMax = IndexFile.entriesMax(indexBytesMax, ENTRY_BYTES);
        ByteBuffer bytes = IndexFile.readAll(io, path, ENTRY_BYTES, entriesMax);
        int n = bytes.remaining() / ENTRY_BYTES;
        long[] entries = new long[Math.max(32, 2 * n)];
        for (int i = 0; i < n; i++) {
            entries[2 * i] = bytes.getLong(i * ENTRY_BYTES + TIMESTAMP_AT);
            entries[2 * i + 1] = bytes.getInt(i * ENTRY_BYTES + RELATIVE_OFFSET_AT);
        }
        return new TimeIndex(path, baseOffset, entriesMax, entries, n, n);
    }

    public Path path() {
        return path;
    }

    public int entries() {
        return count;
    }

    /** Full for the writer's purposes: one slot stays free for the entry added when the segment is sealed. */
    public boolean isFull() {
        return count >= entriesMax - 1;
    }

    public long timestampAt(int i) {
        return entries[2 * i];
    }

    public long offsetAt(int i) {
        return baseOffset + entries[2 * i + 1];
    }

    /** The last entry's timestamp: the segment's largest timestamp once it is sealed; -1 if empty. */
    public long lastTimestamp() {
        int n = count;
        return n == 0 ? -1L : entries[2 * (n - 1)];
    }

    /**
     * Checks that timestamps strictly increase, offsets never go back (two entries may name the
     * same batch: a larger timestamp seen later in it, or the entry added when the segment is sealed) and offsets
     * lie in {@code [base, nextOffset)}.
     */
    public void sanityCheck(long nextOffset) throws CorruptIndexException {
        long[] e = entries;
        int n = count;
        long previousTimestamp = Long.MIN_VALUE;
        long previousRelative = -1;
        for (int i = 0; i < n; i++) {
            long timestamp = e[2 * i];
            long relative = e[2 * i + 1];
            if (timestamp <= previousTimestamp || relative < previousRelative) {
                throw new CorruptIndexException(path, "entry " + i + " (timestamp " + timestamp + ", offset "
                        + (baseOffset + relative) + ") does not follow the previous entry");
            }
            if (relative < 0 || baseOffset + relative >= nextOffset) {
                throw new CorruptIndexException(path, "entry " + i + " names offset " + (baseOffset + relative)
                        + " outside the segment [" + baseOffset + ", " + nextOffset + ")");
            }
            previousTimestamp = timestamp;
            previousRelative = relative;
        }
    }

    /**
     * Adds {@code (timestamp, offset)} if {@code timestamp} is larger than the last entry's.
     * Returns false only when the index is full.
     */
    public boolean maybeAppend(long timestamp, long offset) {
        int n = count;
        if (n > 0 && timestamp <= entries[2 * (n - 1)]) {
            return true;
        }
        if (n >= entriesMax) {
            return false;
        }
        long relative = offset - baseOffset;
        if (relative < 0 || relative > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("Offset " + offset + " cannot be indexed in a segment based at "
                    + baseOffset);
        }
        long[] e = entries;
        if (2 * n == e.length) {
            long[] grown = new long[Math.min(2 * entriesMax, e.length * 2)];
            System.arraycopy(e, 0, grown, 0, 2 * n);
            entries = grown;
            e = grown;
        }
        e[2 * n] = timestamp;
        e[2 * n + 1] = relative;
        count = n + 1;
        return true;
    }

    /**
     * The first offset worth scanning for records at or after {@code timestamp}: one past the last
     * entry whose timestamp is below it, or the segment's base offset.
     */
    public long scanStartFor(long timestamp) {
        long[] e = entries;
        int low = 0;
        int high = count - 1;
        int found = -1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            if (e[2 * mid] < timestamp) {
                found = mid;
                low = mid + 1;
            } else {
                high = mid - 1;
            }
        }
        return found < 0 ? baseOffset : offsetAt(found) + 1;
    }

    /** Removes every entry for an offset at or above {@code offset}. */
    public void truncateTo(long offset) {
        int n = count;
        while (n > 0 && offsetAt(n - 1) >= offset) {
            n--;
        }
        count = n;
        forgetPersistedFrom(n);
    }

    public void clear() {
        count = 0;
        forgetPersistedFrom(0);
    }

    /**
     * Entries from {@code n} on were removed in memory. New ones may take their places with other
     * values, or the count may come back to what the file holds, so the file no longer counts as
     * written: the next flush rewrites it whole (truncation is rare; comparing counts alone left
     * stale entries on disk).
     */
    private void forgetPersistedFrom(int n) {
        if (n < persistedCount) {
            persistedCount = IndexFile.UNKNOWN_ON_DISK;
        }
    }

    /** Makes the file hold exactly the in-memory entries, then forces it. */
    public void flush(FileIO io) throws IOException {
        long[] e = entries;
        persistedCount = IndexFile.sync(io, path, ENTRY_BYTES, persistedCount, count, (out, i) -> {
            out.putLong(e[2 * i]);
            out.putInt((int) e[2 * i + 1]);
        });
    }
}
