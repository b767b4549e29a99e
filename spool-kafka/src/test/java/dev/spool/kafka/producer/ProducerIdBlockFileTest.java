package dev.spool.kafka.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.io.FileIO;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProducerIdBlockFileTest {
    @TempDir
    Path dir;

    @Test
    void aNewDirectoryStartsAtZeroAndEachStartSkipsTheRestOfTheLastBlock() throws IOException {
        ProducerIdManager first = ProducerIdManager.open(FileIO.real(), dir);
        assertThat(first.nextProducerId()).isEqualTo(0);
        assertThat(first.nextProducerId()).isEqualTo(1);
        assertThat(ProducerIdBlockFile.read(FileIO.real(), dir)).isEqualTo(ProducerIdManager.BLOCK_SIZE);
        ProducerIdManager second = ProducerIdManager.open(FileIO.real(), dir);
        assertThat(second.nextProducerId()).isEqualTo(ProducerIdManager.BLOCK_SIZE);
        assertThat(ProducerIdBlockFile.read(FileIO.real(), dir)).isEqualTo(2L * ProducerIdManager.BLOCK_SIZE);
    }

    @Test
    void theGoldenFileReadsBack() throws IOException {
        try (InputStream golden = getClass().getResourceAsStream("/golden/kafka-producer-ids-v1")) {
            Files.copy(golden, dir.resolve(ProducerIdBlockFile.FILE_NAME));
        }
        assertThat(ProducerIdBlockFile.read(FileIO.real(), dir)).isEqualTo(123_000L);
        assertThat(Files.readAllBytes(dir.resolve(ProducerIdBlockFile.FILE_NAME)))
                .isEqualTo(ProducerIdBlockFile.encode(123_000L).array());
    }

    @Test
    void aDamagedFileIsRefusedNamingTheFile() throws IOException {
        ProducerIdBlockFile.write(FileIO.real(), dir, 5000);
        Path file = dir.resolve(ProducerIdBlockFile.FILE_NAME);
        byte[] bytes = Files.readAllBytes(file);
        bytes[ProducerIdBlockFile.ID_LIMIT_OFFSET + 7] ^= 1;
        Files.write(file, bytes);
        assertThatThrownBy(() -> ProducerIdBlockFile.read(FileIO.real(), dir))
                .isInstanceOf(IOException.class).hasMessageContaining(file.toString()).hasMessageContaining("CRC");
        Files.write(file, new byte[] {1, 2, 3});
        assertThatThrownBy(() -> ProducerIdBlockFile.read(FileIO.real(), dir))
                .isInstanceOf(IOException.class).hasMessageContaining("3 bytes, expected 18");
    }

    @Test
    void aManagerOverADamagedFileHandsOutNoIdAndLeavesTheFileAsItIs() throws IOException {
        ProducerIdBlockFile.write(FileIO.real(), dir, 5000);
        Path file = dir.resolve(ProducerIdBlockFile.FILE_NAME);
        byte[] bytes = Files.readAllBytes(file);
        bytes[ProducerIdBlockFile.ID_LIMIT_OFFSET + 7] ^= 1;
        Files.write(file, bytes);
        ProducerIdManager manager = ProducerIdManager.open(FileIO.real(), dir);
        assertThat(manager.failure()).hasValueSatisfying(failure -> assertThat(failure)
                .startsWith("Producer id file " + file + " fails its CRC")
                .endsWith("; InitProducerId is refused until the file is repaired"));
        assertThatThrownBy(manager::nextProducerId).isInstanceOf(IOException.class)
                .hasMessage(manager.failure().orElseThrow());
        assertThat(Files.readAllBytes(file)).isEqualTo(bytes);
    }
}
