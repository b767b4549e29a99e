package dev.spool.log.segment;

import dev.spool.log.AbortedTransaction;
import dev.spool.log.LogConfig;
import dev.spool.log.io.FileIO;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The file steps of compaction's swap ({@link SegmentSet#replace}): the old segments' files are
 * renamed {@code .deleted}, the cleaned swap file takes the first one's name, and the cleaned
 * segment is opened, its indexes rebuilt and forced. The old segments' aborted transactions whose
 * abort marker the cleaned file still holds are carried over to it (written whole as its swap index
 * before the old files are renamed, installed after). The set switches its map afterwards and
 * deletes the renamed files. The caller holds the set's file lock.
 */
final class CleanedSwap {
    private CleanedSwap() {
    }

    /** The cleaned segment, open and forced, and the old files renamed for deletion. */
    record Installed(Segment cleaned, List<Path> renamed) {
    }

    static Installed install(FileIO io, Path dir, List<Segment> old, Path swapFile, LogConfig config, long nowMs)
            throws IOException {
        long base = old.get(0).baseOffset();
        long next = old.get(old.size() - 1).nextOffset();
        for (Segment segment : old) {
            // Open what readers open lazily while the old names still exist: a read that finds
            // an old segment in the map before the switch keeps working on the renamed files.
            segment.storageFile();
            segment.offsetIndex();
            segment.timeIndex();
        }
        // The entries of the old segments' transaction indexes go to the cleaned one, which holds
        // their markers now; written whole before the old files go, so a crash keeps them.
        List<AbortedTransaction> carried = new ArrayList<>();
        for (Segment segment : old) {
            carried.addAll(segment.transactions().all());
        }
        carried = SegmentTransactions.withMarkers(io, swapFile, config.batchBytesMax(), carried); // removed markers' go
        if (!carried.isEmpty()) {
            SegmentTransactions.writeSwap(io, dir, base, carried);
        }
        List<Path> renamed = SegmentFiles.renameDeleted(io, old);
        io.syncDirectory(dir);
        io.rename(swapFile, SegmentFiles.logFile(dir, base));
        io.syncDirectory(dir);
        Segment cleaned = Segment.open(io, dir, base, config.indexIntervalBytes(), config.segmentIndexBytes(),
                next, nowMs);
        cleaned.recover(config.batchBytesMax());
        cleaned.seal();
        if (SegmentTransactions.installSwap(io, dir, base)) {
            cleaned.transactions().foundOnDisk();
            cleaned.loadTransactions(Long.MAX_VALUE, false);
        }
        cleaned.flush();
        return new Installed(cleaned, renamed);
    }
}
