package dev.spool.bench.compare;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** The systems under comparison, and how to open a fresh one of each. */
enum Subjects {
    SPOOL("spool", "Spool Log"),
    /** Spool with the hash chain on: what the chain costs batched appends (page cache, 100+ records a batch). */
    SPOOL_CHAIN("spool-chain", "Spool Log, hash chain"),
    KAFKA("kafka", "Kafka UnifiedLog"),
    CHRONICLE("chronicle", "Chronicle Queue");

    final String key;
    final String label;

    Subjects(String key, String label) {
        this.key = key;
        this.label = label;
    }

    Subject open(Path dir, Workload workload, boolean fsync, KafkaSubject.Environment kafka) throws IOException {
        switch (this) {
            case SPOOL:
                return new SpoolSubject(dir, workload, false);
            case SPOOL_CHAIN:
                return new SpoolSubject(dir, workload, true);
            case KAFKA:
                return new KafkaSubject(dir, workload, kafka);
            case CHRONICLE:
                return new ChronicleSubject(dir, workload, fsync);
            default:
                throw new AssertionError(this);
        }
    }

    /**
     * Whether this system runs in a cell: the chained log only where its target speaks (batched
     * appends into the page cache), and it is never read back (its reads are Spool's).
     */
    boolean runsIn(Workload workload, boolean fsync, boolean reading) {
        return this != SPOOL_CHAIN || (!fsync && !reading && workload.recordsPerBatch() >= 100);
    }

    static Subjects parse(String key) {
        for (Subjects subject : values()) {
            if (subject.key.equals(key.trim().toLowerCase(Locale.ROOT))) {
                return subject;
            }
        }
        throw new IllegalArgumentException("Unknown system '" + key + "': expected spool, spool-chain, kafka or chronicle");
    }

    /** fsyncs every regular file under {@code dir} (for a system whose own API cannot force everything). */
    static void forceFiles(Path dir) throws IOException {
        List<Path> files;
        try (Stream<Path> paths = Files.walk(dir)) {
            files = paths.filter(Files::isRegularFile).collect(Collectors.toList());
        }
        for (Path file : files) {
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                channel.force(true);
            }
        }
    }
}
