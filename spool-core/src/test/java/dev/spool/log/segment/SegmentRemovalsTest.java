package dev.spool.log.segment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.io.FileIO;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The spare file a log that reuses its segment files keeps: the newest deleted {@code .log}, once
 * its removal ran; never one from a deletion made before reuse was turned off (a truncation does
 * so), even when that removal runs after.
 */
class SegmentRemovalsTest {
    private final FileIO io = FileIO.real();
    private final ArrayDeque<Runnable> queued = new ArrayDeque<>();

    @TempDir
    Path dir;

    private SegmentRemovals removals() {
        return new SegmentRemovals(io, new DirectorySync(io, dir), queued::add);
    }

    private List<Segment> segments(long... bases) throws IOException {
        List<Segment> created = new java.util.ArrayList<>();
        for (long base : bases) {
            created.add(Segment.create(io, dir, base, 4096, 1 << 20, 0));
        }
        return created;
    }

    private void runQueued() {
        while (!queued.isEmpty()) {
            queued.poll().run();
        }
    }

    private Path deletedLog(long base) {
        return dir.resolve(SegmentFiles.logFile(dir, base).getFileName() + SegmentFiles.DELETED_SUFFIX);
    }

    @Test
    void theNewestDeletedLogIsKeptOnceItsRemovalRanAndTheRestGo() throws IOException {
        SegmentRemovals removals = removals();
        assertThat(removals.takeSpare(true)).isEmpty(); // a roll turns reuse on; nothing deleted yet
        removals.delete(segments(0, 10));
        assertThat(removals.takeSpare(true)).as("not before the removal ran").isEmpty();
        runQueued();
        assertThat(deletedLog(0)).doesNotExist();
        assertThat(deletedLog(10)).exists();
        assertThat(removals.takeSpare(true)).contains(deletedLog(10));
        assertThat(dir.resolve(SegmentFiles.REUSED_FILES_MARKER)).exists();
        assertThat(removals.takeSpare(true)).as("taken once").isEmpty();
    }

    @Test
    void aDeletionFromBeforeReuseWasTurnedOffKeepsNoSpareEvenWhenItsRemovalRunsAfter() throws IOException {
        SegmentRemovals removals = removals();
        removals.takeSpare(true);
        removals.delete(segments(0));
        removals.dropSpare(); // a truncation, before the removal ran
        removals.takeSpare(true); // the next roll
        runQueued();
        assertThat(removals.takeSpare(true)).isEqualTo(Optional.empty());
        assertThat(deletedLog(0)).doesNotExist();
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".deleted"));
        }
    }

    @Test
    void closingRemovesTheSpare() throws IOException {
        SegmentRemovals removals = removals();
        removals.takeSpare(true);
        removals.delete(segments(0));
        runQueued();
        removals.finishAll();
        assertThat(deletedLog(0)).doesNotExist();
        assertThat(removals.takeSpare(true)).isEmpty();
    }
}
