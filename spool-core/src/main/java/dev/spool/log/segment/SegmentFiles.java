package dev.spool.log.segment;

import dev.spool.log.io.FileIO;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Names of a segment's files, as Kafka names them: the base offset zero-padded to 20 digits and
 * a suffix. {@code 00000000000000001000.log} holds batches from offset 1000 on; the
 * {@code .index} and {@code .timeindex} beside it index it, the {@code .chain} beside it holds
 * its hash chain, and the {@code .txnindex} beside it (only once a transaction aborted in it) lists
 * its aborted transactions. A {@code .deleted} suffix marks a
 * file whose deletion has begun; a {@code .tmp} suffix marks a file not yet in place.
 * {@link #deleteDurably} is the one way segments' files go: renamed to {@code .deleted}, the
 * directory synced, then removed. Stateless; thread-safe.
 */
public final class SegmentFiles {
    private static final Logger LOG = LoggerFactory.getLogger(SegmentFiles.class);
    public static final String LOG_SUFFIX = ".log";
    public static final String INDEX_SUFFIX = ".index";
    public static final String TIME_INDEX_SUFFIX = ".timeindex";
    /** The hash-chain sidecar ({@link ChainFile}). */
    public static final String CHAIN_SUFFIX = ".chain";
    /** The aborted-transaction index ({@link TransactionIndex}), created with a segment's first entry. */
    public static final String TXN_INDEX_SUFFIX = ".txnindex";
    public static final String DELETED_SUFFIX = ".deleted";
    /**
     * In a log's directory: its segments may be deleted segments' files, reused, with old bytes past
     * their last batch ({@code WriteConfig.reuseSegmentFiles}). Empty; its presence is what counts.
     */
    public static final String REUSED_FILES_MARKER = "reused-segment-files";
    public static final String TMP_SUFFIX = ".tmp";
    /** The copy of a damaged segment that {@code spool repair} keeps. */
    public static final String BROKEN_SUFFIX = ".broken";
    private static final int DIGITS = 20;

    private SegmentFiles() {
    }

    public static String baseName(long baseOffset) {
        if (baseOffset < 0) {
            throw new IllegalArgumentException("Negative base offset " + baseOffset);
        }
        String digits = Long.toString(baseOffset);
        return "0".repeat(DIGITS - digits.length()) + digits;
    }

    public static Path logFile(Path dir, long baseOffset) {
        return dir.resolve(baseName(baseOffset) + LOG_SUFFIX);
    }

    public static Path indexFile(Path dir, long baseOffset) {
        return dir.resolve(baseName(baseOffset) + INDEX_SUFFIX);
    }

    public static Path timeIndexFile(Path dir, long baseOffset) {
        return dir.resolve(baseName(baseOffset) + TIME_INDEX_SUFFIX);
    }

    public static Path chainFile(Path dir, long baseOffset) {
        return dir.resolve(baseName(baseOffset) + CHAIN_SUFFIX);
    }

    public static Path txnIndexFile(Path dir, long baseOffset) {
        return dir.resolve(baseName(baseOffset) + TXN_INDEX_SUFFIX);
    }

    /** The base offset of a file named {@code <20 digits><suffix>}, or empty for any other name. */
    public static OptionalLong baseOffsetOf(String fileName, String suffix) {
        if (!fileName.endsWith(suffix) || fileName.length() != DIGITS + suffix.length()) {
            return OptionalLong.empty();
        }
        long value = 0;
        for (int i = 0; i < DIGITS; i++) {
            char c = fileName.charAt(i);
            if (c < '0' || c > '9') {
                return OptionalLong.empty();
            }
            if (value > (Long.MAX_VALUE - (c - '0')) / 10) {
                return OptionalLong.empty(); // above the largest offset: checked before it can wrap around
            }
            value = value * 10 + (c - '0');
        }
        return OptionalLong.of(value);
    }

    /**
     * Forces the data of each of {@code segments} that is still open: one closed meanwhile (deleted,
     * replaced or truncated away by a thread holding the set's file lock) has nothing left to force.
     */
    static void forceDataOfOpen(List<Segment> segments) throws IOException {
        for (Segment segment : segments) {
            try {
                segment.forceData();
            } catch (ClosedChannelException closedMeanwhile) {
                // its files are gone or replaced: the caller's locked pass skips it
            }
        }
    }

    /** As {@link #closeAll}, logging a failure instead: for segments nothing reads or writes again. */
    static void closeAllQuietly(List<Segment> segments, String what) {
        try {
            closeAll(segments);
        } catch (IOException | RuntimeException e) {
            LOG.warn("Could not close {} {} ({})", what, segments, e.getMessage());
        }
    }

    /** Closes every segment, trying them all; the first failure is thrown, the others suppressed in it. */
    static void closeAll(Iterable<Segment> segments) throws IOException {
        IOException failed = null;
        for (Segment segment : segments) {
            try {
                segment.close();
            } catch (IOException e) {
                if (failed == null) {
                    failed = e;
                } else {
                    failed.addSuppressed(e);
                }
            }
        }
        if (failed != null) {
            throw failed;
        }
    }

    /**
     * Deletes segments durably and in an order a crash cannot confuse: closes them, renames their
     * files to {@code .deleted} and syncs the directory (from there the deletion survives a crash:
     * recovery removes every {@code .deleted} file it finds), then {@link #remove}s the renamed files.
     */
    public static void deleteDurably(FileIO io, Path dir, List<Segment> doomed) throws IOException {
        closeAll(doomed);
        List<Path> renamed = renameDeleted(io, doomed);
        io.syncDirectory(dir);
        remove(io, renamed);
    }

    /** The second half of a deletion: removes the files {@link #renameDeleted} renamed. */
    public static void remove(FileIO io, List<Path> renamed) throws IOException {
        for (Path path : renamed) {
            io.deleteIfExists(path);
        }
    }

    /** Renames the existing files of {@code doomed} to {@code .deleted}; returns the new names. */
    static List<Path> renameDeleted(FileIO io, List<Segment> doomed) throws IOException {
        List<Path> renamed = new ArrayList<>();
        for (Segment segment : doomed) {
            for (Path path : segment.paths()) {
                if (io.exists(path)) {
                    Path target = path.resolveSibling(path.getFileName() + DELETED_SUFFIX);
                    io.rename(path, target);
                    renamed.add(target);
                }
            }
        }
        return renamed;
    }
}
