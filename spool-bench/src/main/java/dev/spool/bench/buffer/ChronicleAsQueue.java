package dev.spool.bench.buffer;

import java.nio.file.Path;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.SyncMode;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * Chronicle Queue used as a durable queue: one excerpt per item, a <em>named</em> tailer as the
 * consumer (Chronicle persists a named tailer's index, so a restart resumes after the last item
 * read: reading is its acknowledgement). "strict" builds the queue with {@link SyncMode#SYNC} and
 * calls {@link ExcerptAppender#sync()} after each item, which {@code msync}s what was written.
 * Chronicle never deletes consumed data (its files go by roll cycle), unlike the other two.
 * Not thread-safe.
 */
public final class ChronicleAsQueue implements AutoCloseable {
    private final ChronicleQueue queue;
    private final ExcerptAppender appender;
    private final ExcerptTailer tailer;
    private final boolean sync;

    public ChronicleAsQueue(Path dir, boolean sync) {
        this.sync = sync;
        this.queue = ChronicleQueue.singleBuilder(dir).syncMode(sync ? SyncMode.SYNC : SyncMode.NONE).build();
        this.appender = queue.createAppender();
        this.tailer = queue.createTailer("consumer");
    }

    public void enqueue(byte[] payload) {
        append(payload);
        sync();
    }

    /** Writes one item without syncing it: {@link #sync()} then covers every item written before. */
    public void append(byte[] payload) {
        try (DocumentContext context = appender.writingDocument()) {
            context.wire().bytes().write(payload);
        }
    }

    /** When strict, syncs what was written (one msync covers a run of items: Chronicle's group commit). */
    public void sync() {
        if (sync) {
            appender.sync();
        }
    }

    /** Copies the next item into {@code into} and returns its length, or -1 when none is written. */
    public int dequeue(byte[] into) {
        try (DocumentContext context = tailer.readingDocument()) {
            if (!context.isPresent()) {
                return -1;
            }
            Bytes<?> bytes = context.wire().bytes();
            int length = (int) bytes.readRemaining();
            if (length > into.length) {
                throw new IllegalStateException("Item of " + length + " bytes does not fit " + into.length);
            }
            bytes.read(into, 0, length);
            return length;
        }
    }

    @Override
    public void close() {
        tailer.close();
        appender.close();
        queue.close();
    }
}
