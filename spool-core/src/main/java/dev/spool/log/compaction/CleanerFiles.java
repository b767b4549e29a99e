package dev.spool.log.compaction;

import dev.spool.log.AbortedTransaction;
import dev.spool.log.io.FileIO;
import dev.spool.log.io.StorageFile;
import dev.spool.log.segment.BatchCursor;
import dev.spool.log.segment.BatchClassifier;
import dev.spool.log.segment.SegmentFiles;
import dev.spool.log.segment.SegmentTransactions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * The cleaner's files in a log directory and what opening a log does with the ones a crash left.
 *
 * <h2>The swap protocol (Kafka's)</h2>
 * <ol>
 * <li>A group of old segments starting at base {@code B} is rewritten into {@code B.log.cleaned},
 *     which is forced. A crash now leaves the {@code .cleaned} file: opening deletes it, and the
 *     old segments are as they were.</li>
 * <li>{@code B.log.cleaned} is renamed {@code B.log.swap} and the directory forced: the commit
 *     point. From now on opening completes the swap.</li>
 * <li>Under the log's writer lock, the old segments' files are renamed {@code .deleted}, the
 *     directory forced, {@code B.log.swap} renamed {@code B.log}, the directory forced, its indexes
 *     rebuilt, and the set's map switched to the new segment; the {@code .deleted} files are then
 *     removed.</li>
 * </ol>
 * Completing a swap on open ({@link #finishInterruptedSwaps}): the swap file's range is read from
 * its batch headers ({@code B} to the end of its last batch, the range of the segments it
 * replaces); every segment file (log, indexes, chain) whose base lies in that range is deleted,
 * and the swap file renamed {@code B.log}. The old segments' aborted transactions
 * ({@code .txnindex}) whose abort marker the cleaned file still holds go to the cleaned segment
 * (the cleaner removes a marker, and so its entry, once its transaction's data is gone): the swap writes them whole as {@code B.txnindex.swap}
 * before it renames the old files, and installs it as {@code B.txnindex} after {@code B.log}; an open
 * that finds a {@code B.log.swap} without it writes it from the old files first (they are all still
 * in place), and renames any {@code B.txnindex.swap} it finds into place. The cleaned file was forced before step 2, so a swap
 * file is always whole. Stateless; thread-safe.
 */
public final class CleanerFiles {
    public static final String CLEANED_SUFFIX = ".cleaned";
    public static final String SWAP_SUFFIX = ".swap";

    private CleanerFiles() {
    }

    static Path cleanedFile(Path dir, long baseOffset) {
        return dir.resolve(SegmentFiles.baseName(baseOffset) + SegmentFiles.LOG_SUFFIX + CLEANED_SUFFIX);
    }

    public static Path swapFile(Path dir, long baseOffset) {
        return dir.resolve(SegmentFiles.baseName(baseOffset) + SegmentFiles.LOG_SUFFIX + SWAP_SUFFIX);
    }

    /**
     * Deletes {@code .cleaned} leftovers and completes every {@code .swap}, as the protocol above
     * says. Runs before the log's segments are listed.
     */
    public static void finishInterruptedSwaps(FileIO io, Path dir, int batchBytesMax) throws IOException {
        boolean changed = false;
        for (Path path : io.list(dir)) {
            String name = path.getFileName().toString();
            if (name.endsWith(CLEANED_SUFFIX)) {
                io.deleteIfExists(path);
                changed = true;
            }
        }
        for (Path path : io.list(dir)) {
            OptionalLong base = SegmentFiles.baseOffsetOf(path.getFileName().toString(),
                    SegmentFiles.LOG_SUFFIX + SWAP_SUFFIX);
            if (base.isPresent()) {
                completeSwap(io, dir, path, base.getAsLong(), batchBytesMax);
                changed = true;
            }
        }
        for (Path path : io.list(dir)) {
            // A swap index whose log swap is gone: the crash came after the cleaned log took its name.
            OptionalLong base = SegmentFiles.baseOffsetOf(path.getFileName().toString(),
                    SegmentFiles.TXN_INDEX_SUFFIX + SWAP_SUFFIX);
            if (base.isPresent()) {
                changed |= SegmentTransactions.installSwap(io, dir, base.getAsLong());
            }
        }
        if (changed) {
            io.syncDirectory(dir);
        }
    }

    private static void completeSwap(FileIO io, Path dir, Path swap, long base, int batchBytesMax)
            throws IOException {
        long end = swapEnd(io, swap, batchBytesMax);
        if (!io.exists(SegmentTransactions.swapFile(dir, base))) {
            // the crash came before the swap wrote it: the old files are in place
            carryTransactions(io, dir, swap, base, end, batchBytesMax);
        }
        for (Path path : io.list(dir)) {
            OptionalLong old = SegmentFiles.baseOffsetOf(path.getFileName().toString(), SegmentFiles.LOG_SUFFIX);
            if (old.isPresent() && old.getAsLong() >= base && old.getAsLong() < end) {
                for (Path file : segmentFiles(dir, old.getAsLong())) {
                    io.deleteIfExists(file);
                }
            }
        }
        for (Path file : segmentFiles(dir, base)) {
            io.deleteIfExists(file); // the old first segment's indexes describe the old bytes
        }
        io.syncDirectory(dir);
        io.rename(swap, SegmentFiles.logFile(dir, base));
        SegmentTransactions.installSwap(io, dir, base);
    }

    /**
     * Writes the entries of the old segments' transaction indexes in {@code [base, end)} whose abort
     * marker the swap file holds as the swap index (the swap's own rule, {@code CleanedSwap}).
     */
    private static void carryTransactions(FileIO io, Path dir, Path swap, long base, long end, int batchBytesMax)
            throws IOException {
        List<AbortedTransaction> carried = new ArrayList<>();
        for (Path path : io.list(dir)) {
            OptionalLong old = SegmentFiles.baseOffsetOf(path.getFileName().toString(), SegmentFiles.TXN_INDEX_SUFFIX);
            if (old.isPresent() && old.getAsLong() >= base && old.getAsLong() < end) {
                carried.addAll(SegmentTransactions.read(io, dir, old.getAsLong()));
            }
        }
        carried = SegmentTransactions.withMarkers(io, swap, batchBytesMax, carried);
        if (!carried.isEmpty()) {
            SegmentTransactions.writeSwap(io, dir, base, carried);
        }
    }

    static List<Path> segmentFiles(Path dir, long base) {
        return List.of(SegmentFiles.logFile(dir, base), SegmentFiles.indexFile(dir, base),
                SegmentFiles.timeIndexFile(dir, base), SegmentFiles.chainFile(dir, base),
                SegmentFiles.txnIndexFile(dir, base));
    }

    /**
     * The offset after the swap file's last batch: the swap replaces the segments whose base lies
     * below it (and at or above its own). Throws, naming the file and position, when the file is
     * damaged or holds no batch: the open then refuses the log. {@code spool verify} asks this too,
     * so that it judges a swap file as the open does.
     */
    public static long swapEnd(FileIO io, Path swap, int batchBytesMax) throws IOException {
        try (StorageFile file = io.open(swap, FileIO.OpenMode.READ)) {
            BatchCursor cursor = BatchCursor.overHeaders(file, swap, 0, file.size(), batchBytesMax);
            long end = -1L;
            while (true) {
                BatchClassifier.Verdict verdict = cursor.read();
                if (verdict.kind() == BatchClassifier.Kind.END) {
                    break;
                }
                if (!verdict.isValid()) {
                    throw new DamagedSwapException(swap, "Swap file " + swap + " is damaged at position "
                            + cursor.position() + " (" + verdict.problem() + "); it was forced before it was named"
                            + " .swap, so the storage lost written data");
                }
                end = cursor.lastOffset() + 1;
                cursor.advance();
            }
            if (end < 0) {
                throw new DamagedSwapException(swap, "Swap file " + swap + " holds no batch; a cleaned group always"
                        + " holds one");
            }
            return end;
        }
    }

    /**
     * A {@code .swap} file that does not read: the storage lost data the cleaner had forced. The
     * partition goes offline (the others serve); {@code spool repair} does not rewrite swap files,
     * so the remedy is a copy of the partition.
     */
    public static final class DamagedSwapException extends IOException {
        private final Path file;

        DamagedSwapException(Path file, String message) {
            super(message);
            this.file = file;
        }

        public Path file() {
            return file;
        }
    }
}
