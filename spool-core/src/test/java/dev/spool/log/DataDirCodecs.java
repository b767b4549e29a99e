package dev.spool.log;

import dev.spool.log.catalog.DataDirFiles;
import dev.spool.log.catalog.OffsetCheckpointFile;
import dev.spool.log.catalog.TopicConfigFile;
import dev.spool.log.io.FileIO;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Test access to the data directory's package-private codecs ({@link OffsetCheckpointFile},
 * {@link TopicConfigFile}) for the hostile-bytes tests in {@code dev.spool.log.fuzz}, which feed
 * them damaged files directly rather than through a whole log manager per input.
 */
public final class DataDirCodecs {
    public static final String TOPIC_CONFIG_FILE = TopicConfigFile.FILE_NAME;
    public static final String RECOVERY_POINT_CHECKPOINT = DataDirFiles.RECOVERY_POINT_CHECKPOINT;
    public static final String LOG_START_CHECKPOINT = DataDirFiles.LOG_START_CHECKPOINT;

    private DataDirCodecs() {
    }

    public static Map<TopicPartition, Long> readCheckpoint(FileIO io, Path file) throws IOException {
        return OffsetCheckpointFile.read(io, file);
    }

    public static void writeCheckpoint(FileIO io, Path file, Map<TopicPartition, Long> offsets) throws IOException {
        OffsetCheckpointFile.write(io, file, offsets);
    }

    /** The exception a checkpoint that does not parse is reported with. */
    public static Class<? extends IOException> corruptCheckpointType() {
        return OffsetCheckpointFile.CorruptCheckpointException.class;
    }

    public static TopicConfig readTopicConfig(FileIO io, Path partitionDir, TopicConfig defaults) throws IOException {
        return TopicConfigFile.read(io, partitionDir, defaults);
    }

    public static void writeTopicConfig(FileIO io, Path partitionDir, TopicConfig config) throws IOException {
        TopicConfigFile.write(io, partitionDir, config, 0);
    }
}
