package dev.spool.log.real;

import dev.spool.log.AppendResult;
import dev.spool.log.Durability;
import dev.spool.log.Log;
import dev.spool.log.LogConfig;
import dev.spool.log.LogManager;
import dev.spool.log.LogManagerConfig;
import dev.spool.log.TopicConfig;
import dev.spool.log.io.FileIO;
import dev.spool.log.record.CompressionType;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * The child JVM of {@link KillNineTest}: opens a data directory, appends with
 * {@link Durability#STRICT} from several threads until it is killed, and prints one line per
 * acknowledgement, after the append returned durable:
 * <pre>
 *  READY &lt;log end offset after recovery&gt;
 *  ACK &lt;offset&gt; &lt;run&gt; &lt;writer&gt; &lt;sequence&gt; &lt;value length&gt; &lt;value CRC-32C&gt;
 * </pre>
 * The parent recomputes each value from its name ({@link Payloads}), so it checks the log against
 * what it can derive itself, and the child's word is only which offset an append got.
 *
 * <p>Arguments: data directory, seed, run number, writer threads.
 */
public final class StrictAppender {
    static final String TOPIC = "acks";

    private StrictAppender() {
    }

    /** Small segments so that kills land in rolls, and a checkpoint every 20 ms so that they land in those too. */
    static LogManagerConfig config(long checkpointIntervalMs) {
        LogConfig log = LogConfig.defaults().withSegmentBytes(48 << 10).withBatchBytesMax(8 << 10)
                .withDurability(Durability.STRICT);
        return new LogManagerConfig(log, FileIO.real(), System::currentTimeMillis, checkpointIntervalMs, 0L, 16,
                new CompositeMeterRegistry());
    }

    public static void main(String[] args) throws Exception {
        Path dataDir = Path.of(args[0]);
        long seed = Long.parseLong(args[1]);
        int run = Integer.parseInt(args[2]);
        int writers = Integer.parseInt(args[3]);
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.US_ASCII);
        try (LogManager manager = LogManager.open(dataDir, config(20))) {
            if (!manager.topicExists(TOPIC)) {
                manager.createTopic(TOPIC, 1, new TopicConfig(Durability.STRICT, CompressionType.NONE, false));
            }
            Log log = manager.log(TOPIC, 0);
            synchronized (out) {
                out.print("READY " + log.logEndOffset() + "\n");
                out.flush();
            }
            Thread[] threads = new Thread[writers];
            for (int w = 0; w < writers; w++) {
                int writer = w;
                threads[w] = new Thread(() -> append(log, out, seed, run, writer), "writer-" + w);
                threads[w].start();
            }
            for (Thread thread : threads) {
                thread.join(); // never: the parent kills this process
            }
        }
    }

    private static void append(Log log, PrintStream out, long seed, int run, int writer) {
        try {
            for (long sequence = 0; ; sequence++) {
                byte[] value = Payloads.value(seed, run, writer, sequence);
                AppendResult result = log.append(Payloads.batch(value, System.currentTimeMillis()), Durability.STRICT);
                if (!result.durable()) {
                    throw new IllegalStateException("A strict append was acknowledged without an fsync: " + result);
                }
                CRC32C crc = new CRC32C();
                crc.update(value);
                synchronized (out) {
                    out.print("ACK " + result.firstOffset() + " " + run + " " + writer + " " + sequence + " "
                            + value.length + " " + crc.getValue() + "\n");
                    out.flush();
                }
            }
        } catch (Exception e) {
            e.printStackTrace();
            System.exit(3);
        }
    }
}
