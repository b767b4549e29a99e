package dev.spool.log;

import java.io.IOException;
import java.nio.file.Path;

/**
 * For tests of damage: a damaged log no longer fails {@link LogManager#open}; its partition stays
 * offline and {@link LogManager#log} refuses it. {@link #open} surfaces that damage as a thrown
 * exception, as the open used to, so such tests assert on the damage itself.
 */
public final class DamagedPartition {
    private DamagedPartition() {
    }

    /**
     * Opens the data directory and the partition's log, then closes both; throws the damage
     * (the {@link PartitionOfflineException}'s cause) when the partition is offline.
     */
    public static void open(Path dataDir, LogManagerConfig config, String topic, int partition) throws IOException {
        try (LogManager manager = LogManager.open(dataDir, config)) {
            manager.log(topic, partition);
        } catch (PartitionOfflineException e) {
            throw e.getCause();
        }
    }
}
