package dev.spool.log.tool;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.io.FileIO;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The segment file names tools use are the engine's: 20 digits and a suffix. */
class SegmentFileNamesTest {
    @TempDir
    Path dir;

    @Test
    void aLogFileIsItsBaseOffsetInTwentyDigits() {
        assertThat(SegmentFileNames.logFile(dir, 1000).getFileName().toString())
                .isEqualTo("00000000000000001000.log");
        assertThat(SegmentFileNames.baseOffsetOf("00000000000000001000.timeindex", SegmentFileNames.TIME_INDEX_SUFFIX))
                .isEqualTo(OptionalLong.of(1000));
        assertThat(SegmentFileNames.baseOffsetOf("1000.log", SegmentFileNames.LOG_SUFFIX)).isEmpty();
        assertThat(SegmentFileNames.baseOffsetOf("00000000000000001000.index", SegmentFileNames.LOG_SUFFIX)).isEmpty();
    }

    @Test
    void logFilesListsOnlySegmentLogsOldestFirst() throws IOException {
        for (String name : new String[] {"00000000000000000500.log", "00000000000000000000.log",
                "00000000000000000000.index", "00000000000000000000.timeindex", "00000000000000000007.log.deleted",
                "00000000000000000009.log.broken", "00000000000000000011.log.tmp", "leader-epoch-checkpoint",
                "x.log"}) {
            Files.createFile(dir.resolve(name));
        }
        assertThat(SegmentFileNames.logFiles(FileIO.real(), dir))
                .containsExactly(java.util.Map.entry(0L, dir.resolve("00000000000000000000.log")),
                        java.util.Map.entry(500L, dir.resolve("00000000000000000500.log")));
    }

    @Test
    void anEmptyDirectoryHasNoLogFiles() throws IOException {
        assertThat(SegmentFileNames.logFiles(FileIO.real(), dir)).isEmpty();
    }
}
