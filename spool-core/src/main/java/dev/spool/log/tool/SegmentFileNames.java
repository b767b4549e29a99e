package dev.spool.log.tool;

import dev.spool.log.io.FileIO;
import dev.spool.log.segment.SegmentFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.NavigableMap;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * The names of a partition's segment files, for tools that read them without opening the log
 * ({@code spool dump}, {@code consume --follow}, the checks of other modules' files): the base
 * offset zero-padded to 20 digits and a suffix, as Kafka names them. The engine's own naming
 * ({@code SegmentFiles}) decides every name; this class only passes it on, so a tool can never
 * spell a name differently from the log that wrote it. Stateless and thread-safe.
 */
public final class SegmentFileNames {
    /** A segment's batches: {@code 00000000000000001000.log} holds offsets from 1000 on. */
    public static final String LOG_SUFFIX = SegmentFiles.LOG_SUFFIX;
    /** A segment's offset index. */
    public static final String INDEX_SUFFIX = SegmentFiles.INDEX_SUFFIX;
    /** A segment's time index. */
    public static final String TIME_INDEX_SUFFIX = SegmentFiles.TIME_INDEX_SUFFIX;

    private SegmentFileNames() {
    }

    /** The {@code .log} file of the segment that starts at {@code baseOffset} in {@code dir}. */
    public static Path logFile(Path dir, long baseOffset) {
        return SegmentFiles.logFile(dir, baseOffset);
    }

    /** The base offset of a file named {@code <20 digits><suffix>}, or empty for any other name. */
    public static OptionalLong baseOffsetOf(String fileName, String suffix) {
        return SegmentFiles.baseOffsetOf(fileName, suffix);
    }

    /**
     * The {@code .log} files in {@code dir} by base offset, oldest first. Other files (indexes,
     * {@code .deleted}, {@code .tmp} and {@code .broken} copies) are left out.
     */
    public static NavigableMap<Long, Path> logFiles(FileIO io, Path dir) throws IOException {
        NavigableMap<Long, Path> segments = new TreeMap<>();
        for (Path path : io.list(dir)) {
            OptionalLong base = baseOffsetOf(path.getFileName().toString(), LOG_SUFFIX);
            if (base.isPresent()) {
                segments.put(base.getAsLong(), path);
            }
        }
        return segments;
    }
}
