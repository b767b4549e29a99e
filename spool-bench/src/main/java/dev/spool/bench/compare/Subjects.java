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
                return new SpoolSubject(dir, workload);
            case KAFKA:
                return new KafkaSubject(dir, workload, kafka);
            case CHRONICLE:
                return new ChronicleSubject(dir, workload, fsync);
            default:
                throw new AssertionError(this);
        }
    }

    static Subjects parse(String key) {
        for (Subjects subject : values()) {
            if (subject.key.equals(key.trim().toLowerCase(Locale.ROOT))) {
                return subject;
            }
        }
        throw new IllegalArgumentException("Unknown system '" + key + "': expected spool, kafka or chronicle");
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
