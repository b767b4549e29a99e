package dev.spool.log.tool;

import dev.spool.log.io.FileIO;
import dev.spool.log.io.StorageFile;
import dev.spool.log.segment.SegmentFiles;
import dev.spool.log.segment.TransactionIndex;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Checks a segment's {@code .txnindex} by the rules the log's open applies to it (recovery row TX):
 * a partial last entry is a torn write the open cuts, and an entry whose abort marker lies at or past
 * the end of the log's last segment is one the open drops (warnings); an entry of an unknown version,
 * one that ends before it begins, one out of order or one outside its segment's offsets makes the
 * open refuse the log (errors). Entries are read raw, so a damaged file is described rather than
 * refused. Stateless; the file is opened read-only.
 */
final class TransactionIndexChecker {
    /** Entries read at most: as many as a segment's offsets could hold markers for. */
    private static final long ENTRIES_MAX = Integer.MAX_VALUE / TransactionIndex.ENTRY_BYTES;

    private TransactionIndexChecker() {
    }

    /**
     * Checks the file of the segment at {@code base}, if it has one. {@code end} is the offset after
     * the segment's last valid batch, or -1 when the segment is damaged (then only the entries' own
     * order is checked); {@code isLast} when it is the log's last segment.
     */
    static void check(FileIO io, Path dir, long base, long end, boolean isLast, LogVerifier.Tally tally)
            throws IOException {
        Path file = SegmentFiles.txnIndexFile(dir, base);
        if (!io.exists(file)) {
            return; // the common case: no transaction aborted in this segment
        }
        try (StorageFile in = io.open(file, FileIO.OpenMode.READ)) {
            long size = in.size();
            if (size % TransactionIndex.ENTRY_BYTES != 0) {
                tally.add(LogVerifier.Severity.WARNING, file, size - size % TransactionIndex.ENTRY_BYTES, "size " + size
                        + " is not a multiple of the " + TransactionIndex.ENTRY_BYTES + "-byte entry: a torn write, "
                        + "which the next open cuts off");
            }
            long entries = Math.min(size / TransactionIndex.ENTRY_BYTES, ENTRIES_MAX);
            ByteBuffer entry = ByteBuffer.allocate(TransactionIndex.ENTRY_BYTES);
            long previous = Long.MIN_VALUE;
            for (long i = 0; i < entries; i++) {
                entry.clear();
                in.readFully(entry, i * TransactionIndex.ENTRY_BYTES);
                String problem = problem(entry, base, end, isLast, previous);
                if (!problem.isEmpty()) {
                    boolean dropped = problem.startsWith(DROPPED);
                    tally.add(dropped ? LogVerifier.Severity.WARNING : LogVerifier.Severity.ERROR, file,
                            i * TransactionIndex.ENTRY_BYTES, "entry " + i + " " + problem
                                    + (dropped ? "" : "; the log will not open"));
                    if (!dropped) {
                        return; // the first damaged entry is the finding
                    }
                }
                previous = entry.getLong(TransactionIndex.LAST_OFFSET_AT);
            }
        }
    }

    private static final String DROPPED = "has its abort marker at or past the log end";

    /** What is wrong with one entry, or "" when nothing is. */
    private static String problem(ByteBuffer entry, long base, long end, boolean isLast, long previous) {
        short version = entry.getShort(TransactionIndex.VERSION_AT);
        long producer = entry.getLong(TransactionIndex.PRODUCER_ID_AT);
        long first = entry.getLong(TransactionIndex.FIRST_OFFSET_AT);
        long last = entry.getLong(TransactionIndex.LAST_OFFSET_AT);
        String what = "(producer " + producer + ", offsets " + first + " to " + last + ")";
        if (version != TransactionIndex.VERSION) {
            return what + " has version " + version + ", expected " + TransactionIndex.VERSION;
        }
        if (last < first) {
            return what + " ends before it begins";
        }
        if (last <= previous) {
            return what + " does not follow the previous entry's marker at " + previous;
        }
        if (last < base || (end >= 0 && !isLast && last >= end)) {
            return what + " has its marker outside the segment's offsets " + base + " to "
                    + (end >= 0 ? Long.toString(end - 1) : "its end");
        }
        if (end >= 0 && isLast && last >= end) {
            return DROPPED + " " + end + " " + what + ": the marker did not survive, and the next open drops it";
        }
        return "";
    }
}
