package dev.spool.queue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.io.FileIO;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The consumer-position file: the golden v1 file reads back and is what the codec writes byte for
 * byte; a torn slot falls back to the other; a file with no valid slot falls back to the log's
 * own checkpoint (items delivered again, never lost).
 */
class AckFileTest {
    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve(AckFile.FILE_NAME);
    }

    /** Slot 0 holds write 6 (offset 1234), slot 1 write 5 (offset 1000): made by writing 0..6 in turn. */
    private static byte[] golden() throws Exception {
        try (InputStream in = AckFileTest.class.getResourceAsStream("/golden/consumer-position-v1.bin")) {
            return in.readAllBytes();
        }
    }

    @Test
    void theGoldenFileReadsBackAndIsWhatTheCodecWrites() throws Exception {
        Files.write(file(), golden());
        AckFile.Opened opened = AckFile.open(FileIO.real(), dir, 0);
        opened.file().close();
        assertThat(opened.ackedOffset()).isEqualTo(OptionalLong.of(1234));

        Path fresh = dir.resolve("fresh");
        Files.createDirectories(fresh);
        try (AckFile written = AckFile.open(FileIO.real(), fresh, 10).file()) { // write 0: 10, made whole
            assertThat(Files.size(fresh.resolve(AckFile.FILE_NAME))).isEqualTo(2 * AckFile.SLOT_BYTES);
            long[] offsets = {20, 30, 40, 500, 1000, 1234};
            for (long offset : offsets) {
                written.write(offset, false);
            }
        }
        assertThat(Files.readAllBytes(fresh.resolve(AckFile.FILE_NAME))).isEqualTo(golden());
    }

    @Test
    void aTornSlotFallsBackToThePreviousPosition() throws Exception {
        try (AckFile written = AckFile.open(FileIO.real(), dir, 0).file()) { // write 0, slot 0
            written.write(7, true);  // write 1, slot 1
            written.write(9, true);  // write 2, slot 0
        }
        try (FileChannel channel = FileChannel.open(file(), StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(new byte[] {0, 0, 0}), AckFile.ACKED_OFFSET + 5); // tear slot 0
        }
        AckFile.Opened opened = AckFile.open(FileIO.real(), dir, 0);
        try (AckFile again = opened.file()) {
            assertThat(opened.ackedOffset()).isEqualTo(OptionalLong.of(7));
            again.write(11, false); // the next write takes the torn slot's turn and wins
        }
        AckFile.Opened reread = AckFile.open(FileIO.real(), dir, 0);
        reread.file().close();
        assertThat(reread.ackedOffset()).isEqualTo(OptionalLong.of(11));
    }

    @Test
    void aBufferWhosePositionFileIsGarbageDeliversFromTheLogsCheckpointInstead() throws Exception {
        try (DiskBuffer buffer = DiskBuffer.open(dir, DiskBufferConfig.defaults("t"))) {
            for (int i = 0; i < 4; i++) {
                buffer.put(new byte[] {(byte) i}, Map.of());
            }
            buffer.poll();
            buffer.poll();
            buffer.ack(1);
        }
        Files.write(file(), new byte[2 * AckFile.SLOT_BYTES]); // zeros: no valid slot
        try (DiskBuffer buffer = DiskBuffer.open(dir, DiskBufferConfig.defaults("t"))) {
            assertThat(buffer.ackedPosition()).as("the log's start: nothing acknowledged is lost").isZero();
            assertThat(buffer.sizeItems()).isEqualTo(4);
            assertThat(buffer.poll().orElseThrow().payload()).isEqualTo(new byte[] {0});
        }
    }

    @Test
    void anAcknowledgementSurvivesAProcessCrashWithoutTheLogsCheckpoint() throws Exception {
        Path crashed = dir.resolve("copy");
        Path live = dir.resolve("live");
        try (DiskBuffer buffer = DiskBuffer.open(live, DiskBufferConfig.defaults("t"))) {
            for (int i = 0; i < 5; i++) {
                buffer.put(new byte[] {(byte) i}, Map.of());
            }
            for (int i = 0; i < 3; i++) {
                buffer.poll();
            }
            buffer.ack(2);
            DiskBufferTest.copyTree(live, crashed); // what a killed process leaves: the page cache holds it
        }
        try (DiskBuffer buffer = DiskBuffer.open(crashed, DiskBufferConfig.defaults("t"))) {
            assertThat(buffer.ackedPosition()).isEqualTo(3);
            assertThat(buffer.sizeItems()).isEqualTo(2);
            assertThat(buffer.poll().orElseThrow().payload()).isEqualTo(new byte[] {3});
        }
    }
}
