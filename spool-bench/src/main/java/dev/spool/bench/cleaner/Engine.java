package dev.spool.bench.cleaner;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One log engine as the cleaner comparison drives it: fill a compacted log, seal it (every record
 * in a closed segment, everything forced to disk), clean it once, read it back. One instance owns
 * one log in its own directory; not thread-safe.
 */
interface Engine extends Closeable {
    /** The engine's name in the report: {@code spool} or {@code kafka}. */
    String name();

    /** Appends one uncompressed batch of {@code count} records with the given keys and values. */
    void append(byte[][] keys, byte[][] values, int count, long timestampMs) throws IOException;

    /** Rolls to a new, empty active segment (which neither cleaner touches) and forces every segment to disk. */
    void seal() throws IOException;

    long logEndOffset();

    /** Bytes of the log's segments (the active one included). */
    long sizeBytes() throws IOException;

    int segmentCount();

    /** One cleaning round over the whole dirty log, on the calling thread. */
    Round clean() throws IOException;

    /** How many batches the log holds (empty ones included), read front to back. */
    long batchCount() throws IOException;

    /** Visits every record from the log start to the log end, in offset order. */
    void readAll(Visitor visitor) throws IOException;

    /** What one round reported, in the engine's own accounting. */
    record Round(long bytesRead, long bytesWritten, long recordsRemoved) {
    }

    /** Receives the records of {@link #readAll}; the buffers are valid during the call only. */
    interface Visitor {
        void record(long offset, ByteBuffer key, ByteBuffer value);
    }

    /**
     * Opens {@code name}'s engine over a new log in {@code dir}, with {@code segmentBytes} segments
     * and a key map of {@code dedupeBufferBytes} ({@code log.cleaner.dedupe.buffer.size}), the same
     * figures for both engines.
     */
    static Engine open(String name, java.nio.file.Path dir, int segmentBytes, int dedupeBufferBytes) throws IOException {
        switch (name) {
            case SpoolEngine.NAME:
                return new SpoolEngine(dir, segmentBytes, dedupeBufferBytes);
            case KafkaEngine.NAME:
                return new KafkaEngine(dir, segmentBytes, dedupeBufferBytes);
            default:
                throw new IllegalArgumentException("Engine " + name + ": expected " + SpoolEngine.NAME + " or "
                        + KafkaEngine.NAME);
        }
    }
}
