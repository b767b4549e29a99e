package dev.spool.log.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.io.FileIO;
import dev.spool.log.io.RecordingFileIO;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PartitionMetadataFileTest {
    @TempDir
    Path dir;

    /** The id Kafka prints as {@code AAECAwQFBgcICQoLDA0ODw}: the bytes 0..15. */
    private static final UUID BYTES_0_TO_15 = new UUID(0x0001020304050607L, 0x08090a0b0c0d0e0fL);

    @Test
    void writesKafkasTextAndReadsItBack() throws IOException {
        PartitionMetadataFile.write(FileIO.real(), dir, BYTES_0_TO_15);
        assertThat(Files.readString(dir.resolve("partition.metadata")))
                .isEqualTo("version: 0\ntopic_id: AAECAwQFBgcICQoLDA0ODw");
        assertThat(PartitionMetadataFile.read(FileIO.real(), dir)).contains(BYTES_0_TO_15);
        assertThat(Files.exists(dir.resolve("partition.metadata.tmp"))).isFalse();
    }

    @Test
    void isWrittenToATemporaryFileForcedThenRenamedThenTheDirectorySynced() throws IOException {
        RecordingFileIO io = new RecordingFileIO();
        PartitionMetadataFile.write(io, dir, BYTES_0_TO_15);
        assertThat(io.operations()).containsSubsequence("write partition.metadata.tmp", "force partition.metadata.tmp",
                "rename partition.metadata.tmp partition.metadata", "syncdir " + dir.getFileName());
    }

    @Test
    void aDirectoryWithoutTheFileHasNoId() throws IOException {
        assertThat(PartitionMetadataFile.read(FileIO.real(), dir)).isEmpty();
    }

    @Test
    void readsWhatKafkaWritesWithOrWithoutAFinalNewlineAndLaterVersions() throws IOException {
        Path file = dir.resolve("partition.metadata");
        for (String text : new String[] {"version: 0\ntopic_id: AAECAwQFBgcICQoLDA0ODw\n",
                "version: 0\r\ntopic_id: AAECAwQFBgcICQoLDA0ODw\r\n", "version: 1\ntopic_id: AAECAwQFBgcICQoLDA0ODw\nx: y"}) {
            Files.writeString(file, text);
            assertThat(PartitionMetadataFile.read(FileIO.real(), dir)).as(text).contains(BYTES_0_TO_15);
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "''                                                  | line 1: expected 'version: …', found ''",
        "version 0\\ntopic_id: AAECAwQFBgcICQoLDA0ODw         | line 1: expected 'version: …', found 'version 0'",
        "version: x\\ntopic_id: AAECAwQFBgcICQoLDA0ODw        | line 1: expected a version number, found 'x'",
        "version: -1\\ntopic_id: AAECAwQFBgcICQoLDA0ODw       | line 1: version -1 is below 0",
        "version: 0                                          | line 2: missing",
        "version: 0\\ntopicid: AAECAwQFBgcICQoLDA0ODw         | line 2: expected 'topic_id: …'",
        "version: 0\\ntopic_id: AAECAwQFBgcICQoLDA0O          | line 2: expected a topic id of 22 URL-safe base64",
        "version: 0\\ntopic_id: AAECAwQFBgcICQoLDA0OD+        | line 2: expected a topic id of 22 URL-safe base64",
        "version: 0\\ntopic_id: AAAAAAAAAAAAAAAAAAAAAA        | line 2: the topic id is the zero id",
    })
    void refusesBadContentNamingTheFileAndLine(String text, String problem) throws IOException {
        Path file = dir.resolve("partition.metadata");
        Files.writeString(file, text.replace("\\n", "\n"));
        assertThatThrownBy(() -> PartitionMetadataFile.read(FileIO.real(), dir)).isInstanceOf(IOException.class)
                .hasMessageStartingWith("Bad partition metadata " + file + " ").hasMessageContaining(problem);
    }

    @Test
    void refusesAFileTooLargeToBeOne() throws IOException {
        Path file = dir.resolve("partition.metadata");
        Files.write(file, new byte[4096]);
        assertThatThrownBy(() -> PartitionMetadataFile.read(FileIO.real(), dir))
                .hasMessage("Bad partition metadata " + file + ": it is 4096 bytes, more than the 1024 it can be");
    }

    @Test
    void randomIdsAreDistinctAndNeverOnesKafkaReserves() {
        Set<UUID> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            UUID id = PartitionMetadataFile.randomTopicId();
            String text = PartitionMetadataFile.encode(id);
            assertThat(text).hasSize(22).doesNotStartWith("-");
            assertThat(id).isNotEqualTo(new UUID(0, 0)).isNotEqualTo(new UUID(0, 1));
            assertThat(seen.add(id)).isTrue();
        }
    }

    /** Kafka's own {@code Uuid} is the oracle: the same bits print and parse the same. */
    @Test
    void encodesAndDecodesAsKafkasUuid() throws IOException {
        java.util.Random random = new java.util.Random(20261205L);
        for (int i = 0; i < 200; i++) {
            UUID id = new UUID(random.nextLong(), random.nextLong());
            org.apache.kafka.common.Uuid kafka = new org.apache.kafka.common.Uuid(id.getMostSignificantBits(),
                    id.getLeastSignificantBits());
            assertThat(PartitionMetadataFile.encode(id)).isEqualTo(kafka.toString());
            assertThat(PartitionMetadataFile.parse(dir, "version: 0\ntopic_id: " + kafka)).isEqualTo(id);
        }
    }
}
