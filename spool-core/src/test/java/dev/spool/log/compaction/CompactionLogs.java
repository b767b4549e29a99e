package dev.spool.log.compaction;

import dev.spool.log.Log;
import dev.spool.log.ReadResult;
import dev.spool.log.record.BatchBuilder;
import dev.spool.log.record.Record;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Test helpers: keyed appends and a whole-log read reduced to plain values. */
final class CompactionLogs {
    private CompactionLogs() {
    }

    /** A record as read back: offset, key, value (null for a tombstone). */
    record Kv(long offset, String key, String value) {
    }

    /** Appends one batch of {@code keyValues} pairs (a null value is a tombstone); returns its base offset. */
    static long append(Log log, long timestamp, String... keyValues) throws IOException {
        BatchBuilder builder = new BatchBuilder(1 << 20);
        for (int i = 0; i < keyValues.length; i += 2) {
            builder.append(timestamp, bytes(keyValues[i]), bytes(keyValues[i + 1]), null);
        }
        ByteBuffer built = builder.build();
        return log.append(ByteBuffer.allocate(built.remaining()).put(built).flip()).firstOffset();
    }

    /**
     * Polls {@code condition} (each millisecond) until it holds or {@code seconds} passed; returns
     * whether it held. For state a background thread changes that no latch reports.
     */
    static boolean within(long seconds, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        return true;
    }

    private static ByteBuffer bytes(String s) {
        return s == null ? null : ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    static List<Kv> readAll(Log log) throws IOException {
        List<Kv> out = new ArrayList<>();
        long offset = log.logStartOffset();
        while (offset < log.logEndOffset()) {
            ReadResult result = log.read(offset, 1 << 20);
            for (Record record : result.records()) {
                if (record.offset() < offset) {
                    continue;
                }
                out.add(new Kv(record.offset(), text(record.key().orElse(null)), text(record.value().orElse(null))));
            }
            long next = result.nextOffset(offset);
            if (next <= offset) {
                throw new IllegalStateException("Read at " + offset + " did not advance");
            }
            offset = next;
        }
        return out;
    }

    private static String text(ByteBuffer b) {
        return b == null ? null : StandardCharsets.UTF_8.decode(b.duplicate()).toString();
    }
}
