package dev.spool.queue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * A sender/receiver pair around one {@link DiskBuffer}, as the seed's {@code channel} bridge: a
 * pipeline stage puts the buffer between a producer and a consumer. Both ends have a blocking and
 * a {@link CompletableFuture} form. Closing the channel closes the buffer, which wakes both ends
 * with {@link BufferClosedException}. Thread-safe as the buffer is.
 */
public final class BufferChannel implements AutoCloseable {
    private final DiskBuffer buffer;
    private final Sender sender;
    private final Receiver receiver;

    private BufferChannel(DiskBuffer buffer, Executor waiters) {
        this.buffer = buffer;
        this.sender = new Sender();
        this.receiver = new Receiver(waiters);
    }

    /** Opens the buffer in {@code dir}; the receiver's futures wait on {@code waiters}' threads. */
    public static BufferChannel open(Path dir, DiskBufferConfig config, Executor waiters) throws IOException {
        return new BufferChannel(DiskBuffer.open(dir, config), waiters);
    }

    public Sender sender() {
        return sender;
    }

    public Receiver receiver() {
        return receiver;
    }

    public DiskBuffer buffer() {
        return buffer;
    }

    @Override
    public void close() throws IOException {
        buffer.close();
    }

    /** The producing end. */
    public final class Sender {
        private Sender() {
        }

        /**
         * Enqueues and waits until the item is on disk (or dropped), as {@link DiskBuffer#put}: under
         * {@link WhenFull#BLOCK} it blocks while the buffer is full or the disk refuses writes.
         */
        public EnqueueResult send(byte[] payload, Map<String, String> metadata) throws IOException, InterruptedException {
            return buffer.put(payload, metadata);
        }

        /** As {@link DiskBuffer#enqueue}: may block for room, then returns the write's future. */
        public CompletableFuture<EnqueueResult> sendAsync(byte[] payload, Map<String, String> metadata)
                throws IOException, InterruptedException {
            return buffer.enqueue(payload, metadata);
        }
    }

    /** The consuming end; acknowledgements are cumulative as in {@link DiskBuffer#ack}. */
    public final class Receiver {
        private final Executor waiters;

        private Receiver(Executor waiters) {
            this.waiters = waiters;
        }

        /** The next item, waiting up to {@code timeout}; empty if none arrived in time. */
        public Optional<BufferItem> receive(long timeout, TimeUnit unit) throws IOException, InterruptedException {
            return buffer.poll(timeout, unit);
        }

        /**
         * A future of the next item, completed on a waiter thread when one is written; completes
         * exceptionally with {@link BufferClosedException} if the channel closes first.
         */
        public CompletableFuture<BufferItem> receiveAsync() {
            return CompletableFuture.supplyAsync(() -> {
                try {
                    Optional<BufferItem> item;
                    do {
                        item = buffer.poll(1, TimeUnit.MINUTES);
                    } while (item.isEmpty());
                    return item.get();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new CompletionException(e);
                }
            }, waiters);
        }

        public void ack(long sequence) throws IOException {
            buffer.ack(sequence);
        }
    }
}
