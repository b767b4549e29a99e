package dev.spool.log.tool;

import dev.spool.log.compaction.CleanerFiles;
import dev.spool.log.io.FileIO;
import dev.spool.log.segment.SegmentFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What {@code spool verify} makes of the files an interrupted cleaning round leaves in a partition
 * directory, and which files it then verifies as the partition's segments: the ones the next open
 * will have. The swap protocol is {@link CleanerFiles}'; the open's rows are K1 and K2 of the
 * recovery table ({@code LogLoader}). A leftover is not damage: the open settles it by itself.
 *
 * <table>
 * <tr><th>leftover</th><th>the next open</th><th>verify</th></tr>
 * <tr><td>{@code B.log.cleaned} (K1: the round stopped before its commit point)</td>
 *     <td>deletes it; the segments it was to replace are whole and stay</td>
 *     <td>a {@link LogVerifier.Kind#CLEANING_INTERRUPTED} warning; the segments verified as they are</td></tr>
 * <tr><td>{@code B.log.swap} (K2: after the commit point), whole</td>
 *     <td>completes the swap: deletes the segments whose base lies in {@code [B, end of its last batch)},
 *     their old files may already be renamed {@code .deleted}, and renames it {@code B.log}</td>
 *     <td>a {@code CLEANING_INTERRUPTED} warning; the swap file verified in place of those segments, its
 *     indexes not (the open rebuilds them; the old {@code B.index} describes the old bytes)</td></tr>
 * <tr><td>{@code B.log.swap}, damaged or without a batch</td><td>takes the partition offline (the others serve)</td>
 *     <td>a {@link LogVerifier.Kind#BATCH_CORRUPT} error; the segments verified as they are</td></tr>
 * </table>
 * The swap file's range is read by {@link CleanerFiles#swapEnd}, as the open reads it, so the two
 * agree. Read-only and stateless.
 */
final class CleanerLeftovers {

    private CleanerLeftovers() {
    }

    /**
     * A partition's segments as the next open will list them.
     *
     * @param bases   base offsets, ascending
     * @param files   each base's log file: {@code B.log}, or a swap file the open renames so
     * @param swapped the bases whose file is a swap file
     */
    record Segments(List<Long> bases, SortedMap<Long, Path> files, Set<Long> swapped) {
        Path logFile(long base) {
            return files.get(base);
        }

        boolean isSwap(long base) {
            return swapped.contains(base);
        }
    }

    /** Lists {@code dir}'s segments as the next open will have them, reporting each cleaning leftover to {@code tally}. */
    static Segments list(FileIO io, Path dir, int batchBytesMax, LogVerifier.Tally tally) throws IOException {
        TreeMap<Long, Path> files = new TreeMap<>();
        TreeMap<Long, Path> swaps = new TreeMap<>();
        String swapSuffix = SegmentFiles.LOG_SUFFIX + CleanerFiles.SWAP_SUFFIX;
        for (Path path : io.list(dir)) {
            String name = path.getFileName().toString();
            OptionalLong base = SegmentFiles.baseOffsetOf(name, SegmentFiles.LOG_SUFFIX);
            OptionalLong swapBase = SegmentFiles.baseOffsetOf(name, swapSuffix);
            if (base.isPresent()) {
                files.put(base.getAsLong(), path);
            } else if (swapBase.isPresent()) {
                swaps.put(swapBase.getAsLong(), path);
            } else if (name.endsWith(CleanerFiles.CLEANED_SUFFIX)) { // as the open: any, deleted
                tally.add(LogVerifier.Severity.WARNING, LogVerifier.Kind.CLEANING_INTERRUPTED, path, -1, -1,
                        "left by an interrupted cleaning round, before its commit point (row K1): the next open"
                                + " deletes it, and the segments it was to replace are whole and stay; not damage");
            }
        }
        Set<Long> swapped = new TreeSet<>();
        for (var swap : swaps.entrySet()) {
            long base = swap.getKey();
            long end;
            try {
                end = CleanerFiles.swapEnd(io, swap.getValue(), batchBytesMax);
            } catch (IOException e) {
                tally.add(LogVerifier.Severity.ERROR, LogVerifier.Kind.BATCH_CORRUPT, swap.getValue(), -1, base,
                        "the swap file of an interrupted cleaning round does not read, so the next open takes the"
                                + " partition offline; restore its directory from a copy: " + e.getMessage());
                continue;
            }
            SortedMap<Long, Path> replaced = files.subMap(base, end);
            tally.add(LogVerifier.Severity.WARNING, LogVerifier.Kind.CLEANING_INTERRUPTED, swap.getValue(), -1, base,
                    "left by an interrupted cleaning round, after its commit point (row K2): the next open"
                            + " completes it, putting this file in place of offsets " + base + ".." + (end - 1) + " ("
                            + (replaced.isEmpty() ? "their old segment files are already renamed .deleted"
                            : "now segment file(s) " + names(replaced.values())) + "), so it was verified in"
                            + " their place; not damage");
            replaced.clear();
            files.put(base, swap.getValue());
            swapped.add(base);
        }
        return new Segments(List.copyOf(files.keySet()), files, swapped);
    }

    private static List<String> names(Iterable<Path> paths) {
        List<String> names = new ArrayList<>();
        paths.forEach(path -> names.add(path.getFileName().toString()));
        return names;
    }
}
