package dev.spool.kafka.producer;

import dev.spool.log.io.FileIO;
import dev.spool.log.tool.DataDirCheck;
import dev.spool.log.tool.LogVerifier.Finding;
import dev.spool.log.tool.LogVerifier;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code spool verify}'s check of the producer-id file ({@link ProducerIdBlockFile}) in the data
 * directory: a file that does not decode is an {@code ERROR FILE_CORRUPT}. No file is no finding
 * (no idempotent producer has been served yet). Read-only.
 */
public final class ProducerIdFileCheck implements DataDirCheck {
    private final FileIO io;

    public ProducerIdFileCheck(FileIO io) {
        this.io = io;
    }

    @Override
    public List<Finding> check(Path dataDir) {
        try {
            ProducerIdBlockFile.read(io, dataDir);
            return List.of();
        } catch (IOException e) {
            return List.of(new Finding(LogVerifier.Severity.ERROR, LogVerifier.Kind.FILE_CORRUPT,
                    dataDir.resolve(ProducerIdBlockFile.FILE_NAME), -1, -1, e.getMessage()
                    + "; the server refuses InitProducerId (idempotent producers) until it is repaired"));
        }
    }
}
