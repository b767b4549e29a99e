package dev.spool.log;

import dev.spool.log.record.BatchBuilder;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Builds small multi-segment logs for the tool tests (verify, repair) and damages them on purpose. */
public final class ToolTestLogs {
    public static final LogConfig SMALL = LogConfig.defaults().withSegmentBytes(1024).withIndexIntervalBytes(100)
            .withHashChain(true);
    public static final LogManagerConfig CONFIG = LogManagerConfig.defaults().withoutBackgroundTasks().withLogConfig(SMALL);

    private ToolTestLogs() {
    }

    /** Appends {@code batches} batches of two records ("v-i-0", "v-i-1") to topic t, partition 0; closes cleanly. */
    public static List<AppendResult> write(Path dataDir, int batches) throws IOException {
        List<AppendResult> results = new ArrayList<>();
        try (LogManager manager = LogManager.open(dataDir, CONFIG)) {
            if (!manager.topicExists("t")) {
                manager.createTopic("t", 1);
            }
            Log log = manager.log("t", 0);
            BatchBuilder builder = new BatchBuilder(SMALL.batchBytesMax());
            for (int i = 0; i < batches; i++) {
                builder.reset();
                builder.tryAppend(1_000L + i, null, ("v-" + i + "-0").getBytes(StandardCharsets.UTF_8));
                builder.tryAppend(1_000L + i, null, ("v-" + i + "-1").getBytes(StandardCharsets.UTF_8));
                results.add(log.append(builder.build()));
            }
        }
        return results;
    }

    public static Path partitionDir(Path dataDir) {
        return dataDir.resolve("t-0");
    }

    public static void flipByte(Path file, long position) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(position);
            int b = raf.read();
            raf.seek(position);
            raf.write(b ^ 0x40);
        }
    }

    /** Every file under {@code dir} with its bytes, to prove a tool changed nothing. */
    public static TreeMap<String, ByteBuffer> snapshot(Path dir) throws IOException {
        TreeMap<String, ByteBuffer> out = new TreeMap<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                out.put(dir.relativize(file).toString(), ByteBuffer.wrap(Files.readAllBytes(file)));
            }
        }
        return out;
    }
}
