package dev.spool.log.segment;

import dev.spool.log.io.FileIO;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * The sparse offset index of one segment ({@code .index}), laid out as Kafka lays it out.
 *
 * <h2>File layout</h2>
 * <pre>
 *  entry i, at byte 8*i (big-endian):
 *   0  int32  relativeOffset   last offset of the indexed batch - segment base offset (as Kafka
 *                              indexes a batch by its largest offset)
 *   4  int32  position         byte position where that batch starts in the .log
 * </pre>
 * No header, no checksum, no preallocated zero tail: the file holds exactly its entries. An entry
 * is added when at least {@code indexIntervalBytes} have been written since the last one, so a
 * lookup is a binary search here followed by a short scan of the log.
 *
 * <p>The index is derived data. It is written to disk only by {@link #flush} (which the log calls
 * before advancing its recovery point), so after an unclean shutdown it is rebuilt from the log
 * rather than trusted; after a clean one {@link #sanityCheck} guards against a damaged file.
 *
 * <p>Entries live in memory as one {@code long} each (relative offset in the high half, position
 * in the low half), so that sorting by the long sorts by offset. Thread-safety: one writer; any
 * number of readers, who see a prefix of the entries (the count is published after the entry).
 */
public final class OffsetIndex {
    public static final int ENTRY_BYTES = 8;
    public static final int RELATIVE_OFFSET_AT = 0;
    public static final int POSITION_AT = 4;

    private final Path path;
    private final long baseOffset;
    private final int entriesMax;
    private volatile long[] entries;
    private volatile int count;
    /** Entries already written to the file; only the writer touches it. */
    private int persistedCount;

    private OffsetIndex(Path path, long baseOffset, int entriesMax, long[] entries, int count, int persistedCount) {
        this.path = path;
        this.baseOffset = baseOffset;
        this.entriesMax = entriesMax;
        this.entries = entries;
        this.count = count;
        this.persistedCount = persistedCount;
    }

    /** A new, empty index; nothing is written until {@link #flush}. */
    public static OffsetIndex empty(Path path, long baseOffset, int indexBytesMax) {
        return new OffsetIndex(path, baseOffset, IndexFile.entriesMax(indexBytesMax, ENTRY_BYTES), new long[16],
                0, IndexFile.UNKNOWN_ON_DISK);
    }

    /** Reads an index file whole. Throws {@link CorruptIndexException} if its length is not a multiple of 8. */
    public static OffsetIndex load(FileIO io, Path path, long baseOffset, int indexBytesMax) throws IOException {
        int entriesMax = IndexFile.entriesMax(indexBytesMax, ENTRY_BYTES);
        ByteBuffer bytes = IndexFile.readAll(io, path, ENTRY_BYTES, entriesMax);
        int n = bytes.remaining() / ENTRY_BYTES;
        long[] entries = new long[Math.max(16, n)];
        for (int i = 0; i < n; i++) {
            entries[i] = bytes.getLong(i * ENTRY_BYTES);
        }
        return new OffsetIndex(path, baseOffset, entriesMax, entries, n, n);
    }

    public Path path() {
        return path;
    }

    public int entries() {
        return count;
    }

    public boolean isFull() {
        return count >= entriesMax;
    }

    public long offsetAt(int i) {
        return baseOffset + (entries[i] >> 32);
    }

    public int positionAt(int i) {
        return (int) entries[i];
    }

    /**
     * Checks what a reader relies on: offsets and positions strictly increasing, offsets at or
     * after the base, positions inside a log of {@code logSizeBytes}.
     */
    public void sanityCheck(long logSizeBytes) throws CorruptIndexException {
        long[] e = entries;
        int n = count;
        long previousRelative = -1;
        long previousPosition = -1;
        for (int i = 0; i < n; i++) {
            long relative = e[i] >> 32;
            long position = e[i] & 0xFFFFFFFFL;
            if (relative <= previousRelative || position <= previousPosition) {
                throw new CorruptIndexException(path, "entry " + i + " (offset " + (baseOffset + relative)
                        + ", position " + position + ") does not follow the previous entry");
            }
            if (relative < 0 || position >= logSizeBytes) {
                throw new CorruptIndexException(path, "entry " + i + " points at position " + position
                        + " of a log of " + logSizeBytes + " bytes");
            }
            previousRelative = relative;
            previousPosition = position;
        }
    }

    /** Adds an entry; offsets and positions must increase. Returns false when the index is full. */
    public boolean append(long offset, int position) {
        int n = count;
        if (n >= entriesMax) {
            return false;
        }
        long relative = offset - baseOffset;
        if (relative < 0 || relative > Integer.MAX_VALUE || position < 0) {
            throw new IllegalArgumentException("Offset " + offset + " at position " + position
                    + " cannot be indexed in a segment based at " + baseOffset);
        }
        if (n > 0 && (relative <= (entries[n - 1] >> 32) || position <= (int) entries[n - 1])) {
            throw new IllegalArgumentException("Index entry for offset " + offset + " at " + position
                    + " does not follow offset " + offsetAt(n - 1) + " at " + positionAt(n - 1));
        }
        long[] e = entries;
        if (n == e.length) {
            long[] grown = new long[Math.min(entriesMax, e.length * 2)];
            System.arraycopy(e, 0, grown, 0, n);
            entries = grown; // published before the count below
            e = grown;
        }
        e[n] = (relative << 32) | (position & 0xFFFFFFFFL);
        count = n + 1;
        return true;
    }

    /**
     * The entry with the largest offset at or below {@code offset}: where a scan for that offset
     * starts. Returns {@code -1} when every entry is above it (scan from position 0).
     */
    public int floorEntry(long offset) {
        int n = count;
        long[] e = entries;
        long relative = offset - baseOffset;
        int low = 0;
        int high = n - 1;
        int found = -1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            if ((e[mid] >> 32) <= relative) {
                found = mid;
                low = mid + 1;
            } else {
                high = mid - 1;
            }
        }
        return found;
    }

    /** One entry: a batch's start {@code position} in the log and its last {@code offset}. */
    public record Entry(long offset, int position) {
    }

    /**
     * The entry with the largest position at or below {@code position}, or null when every entry
     * is above it (positions increase with offsets, so this is a binary search too).
     */
    public Entry floorByPosition(int position) {
        int n = count;
        long[] e = entries;
        int low = 0;
        int high = n - 1;
        long found = -1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            if ((int) e[mid] <= position) {
                found = e[mid];
                low = mid + 1;
            } else {
                high = mid - 1;
            }
        }
        return found < 0 ? null : new Entry(baseOffset + (found >> 32), (int) found);
    }

    /** The position to start scanning for {@code offset}: the floor entry's position, or 0. */
    public int lookupPosition(long offset) {
        int i = floorEntry(offset);
        return i < 0 ? 0 : positionAt(i);
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

    /** Removes every entry at or past {@code position} (used when the log is cut at a byte position). */
    public void truncateToPosition(int position) {
        int n = count;
        while (n > 0 && positionAt(n - 1) >= position) {
            n--;
        }
        count = n;
        forgetPersistedFrom(n);
    }

    /** Drops all entries (before a rebuild). */
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

    /**
     * Makes the file hold exactly the in-memory entries, then forces it: appends what is new, or
     * cuts the file where entries were removed.
     */
    public void flush(FileIO io) throws IOException {
        long[] e = entries;
        persistedCount = IndexFile.sync(io, path, ENTRY_BYTES, persistedCount, count, (out, i) -> out.putLong(e[i]));
    }
}
