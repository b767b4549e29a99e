package dev.spool.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A disk that runs out of space ({@link DiskFullFileIO}: the write that does not fit writes what
 * fits, then fails with "No space left on device"), under each full-policy: the refused item is
 * reported and not stored, everything written before is delivered after a restart, nothing takes
 * a sequence it does not keep, and writing resumes once space frees.
 */
class DiskBufferDiskFullTest {
    /** Several items to a 16 KiB segment. */
    private static final int PAYLOAD_BYTES = 5000;

    @TempDir
    Path dir;

    private final DiskFullFileIO disk = new DiskFullFileIO();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private DiskBufferConfig config(WhenFull policy, long timeoutMs) {
        return DiskBufferConfig.defaults("full").withIo(disk).withWhenFull(policy, timeoutMs)
                .withSegmentBytes(16 << 10).withMeterRegistry(registry);
    }

    private static byte[] payload(int i) {
        byte[] bytes = new byte[PAYLOAD_BYTES];
        Arrays.fill(bytes, (byte) i);
        return bytes;
    }

    private static Map<String, String> metadata(int i) {
        return Map.of("i", Integer.toString(i));
    }

    /** Reopens the directory on the real file system and checks it holds exactly {@code expected} from {@code first} on. */
    private void assertDelivers(long first, List<Integer> expected) throws Exception {
        try (DiskBuffer buffer = DiskBuffer.open(dir, DiskBufferConfig.defaults("check"))) {
            assertThat(buffer.sizeItems()).isEqualTo(expected.size());
            for (int k = 0; k < expected.size(); k++) {
                BufferItem item = buffer.poll().orElseThrow();
                assertThat(item.sequence()).isEqualTo(first + k);
                assertThat(item.payload()).isEqualTo(payload(expected.get(k)));
                assertThat(item.metadata()).isEqualTo(metadata(expected.get(k)));
            }
            assertThat(buffer.poll()).isEmpty();
        }
    }

    /**
     * Puts the items after the last one {@code stored} (each one it stores is added) until a put is
     * refused, at most {@code tries} puts; returns the refusal, or null when every put was stored.
     */
    private static BufferWriteException putUntilRefused(DiskBuffer buffer, List<Integer> stored, int tries)
            throws Exception {
        for (int t = 0; t < tries; t++) {
            int item = stored.get(stored.size() - 1) + 1;
            try {
                buffer.put(payload(item), metadata(item));
                stored.add(item);
            } catch (BufferWriteException e) {
                return e;
            }
        }
        return null;
    }

    @Test
    void underFailAFullDiskRefusesTheItemClearlyLosesNothingAndWritesAgainWhenSpaceFrees() throws Exception {
        List<Integer> stored = new ArrayList<>();
        try (DiskBuffer buffer = DiskBuffer.open(dir, config(WhenFull.FAIL, 0))) {
            for (int item = 0; item < 3; item++) {
                buffer.put(payload(item), metadata(item));
                stored.add(item);
            }
            buffer.poll();
            buffer.ack(0); // acknowledged by the consumer: must stay gone
            stored.remove(0);

            disk.setFreeBytes(27_500); // room for about five more items
            BufferWriteException refused = putUntilRefused(buffer, stored, 1000);
            assertThat(refused).isNotNull();
            assertThat(stored).hasSizeGreaterThan(4);
            assertThat(refused.getMessage()).contains("could not write an item of")
                    .contains("No space left on device").contains("The item was not stored");
            assertThat(buffer.sizeItems()).isEqualTo(stored.size());
            assertThat(registry.get(BufferMetrics.WRITE_ERRORS).counter().count()).isGreaterThanOrEqualTo(1.0);

            // Still full. The refused put failed the log; the next put reopens it, and the reopen cuts
            // the space the log had allocated ahead, which a full disk gets back: an item or two may fit
            // again (how many depends on whether the background flush wrote the rolled segments' indexes
            // first), then a put is refused again.
            disk.setFreeBytes(0);
            assertThat(putUntilRefused(buffer, stored, 10)).as("still full").isNotNull();

            disk.setFreeBytes(Long.MAX_VALUE);
            int next = stored.get(stored.size() - 1) + 1; // the item refused, put again
            EnqueueResult again = buffer.put(payload(next), metadata(next));
            assertThat(again.sequence()).as("refused items took no sequence").isEqualTo(1 + stored.size());
            stored.add(next);
            assertThat(buffer.poll().orElseThrow().sequence()).isEqualTo(1);
        }
        assertDelivers(1, stored);
    }

    @Test
    void underBlockAProducerWaitsForTheDiskAndWritesWhenSpaceFrees() throws Exception {
        int[] last = new int[1];
        try (DiskBuffer buffer = DiskBuffer.open(dir, config(WhenFull.BLOCK, 600_000))) {
            buffer.put(payload(0), metadata(0));
            buffer.put(payload(1), metadata(1));
            disk.setFreeBytes(300); // less than one item

            // The log allocates file space ahead of its appends, so the first items after the disk
            // filled may still land in space it holds: the producer puts until one needs the disk.
            AtomicInteger next = new AtomicInteger(2);
            AtomicBoolean stop = new AtomicBoolean();
            CompletableFuture<Void> producing = new CompletableFuture<>();
            Thread producer = new Thread(() -> {
                try {
                    while (!stop.get()) {
                        int item = next.get();
                        buffer.put(payload(item), metadata(item));
                        next.incrementAndGet();
                    }
                    producing.complete(null);
                } catch (Throwable t) {
                    producing.completeExceptionally(t);
                }
            }, "producer-on-full-disk");
            producer.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (disk.refusedWrites() == 0) {
                assertThat(System.nanoTime()).as("no put reached the full disk").isLessThan(deadline);
                assertThat(producing).as("the producer stopped").isNotDone();
                Thread.onSpinWait();
            }
            DiskBufferTest.awaitParked(producer);
            int blocked = next.get();
            assertThat(producing).isNotDone();
            stop.set(true); // the put waiting for the disk is the producer's last

            disk.setFreeBytes(Long.MAX_VALUE);
            producing.get(30, TimeUnit.SECONDS);
            assertThat(next.get()).as("the waiting put wrote its item").isEqualTo(blocked + 1);
            assertThat(registry.get(BufferMetrics.BLOCKED).timer().count()).isEqualTo(1);
            assertThat(registry.get(BufferMetrics.RECEIVED_EVENTS).counter().count()).isEqualTo(blocked + 1.0);
            // and asynchronous enqueues write on as before
            assertThat(buffer.enqueue(payload(blocked + 1), metadata(blocked + 1)).get(30, TimeUnit.SECONDS)
                    .sequence()).isEqualTo(blocked + 1);
            last[0] = blocked + 1;
        }
        assertDelivers(0, IntStream.rangeClosed(0, last[0]).boxed().toList());
    }

    /** The buffer itself filled the disk: acknowledging deletes segments, and that space lets the producer on. */
    @Test
    void underBlockAcknowledgementsFreeTheDiskForABlockedProducer() throws Exception {
        DiskBufferConfig config = config(WhenFull.BLOCK, 600_000).withSegmentBytes(12_288); // two items a segment
        try (DiskBuffer buffer = DiskBuffer.open(dir, config)) {
            // Ten items fill five segments: the next one needs a new segment, so new disk space (an
            // item into a segment's space allocated ahead needs none).
            for (int i = 0; i < 10; i++) {
                buffer.put(payload(i), metadata(i));
            }
            assertThat(buffer.log().segmentCount()).isGreaterThanOrEqualTo(3);
            disk.setFreeBytes(200);
            CompletableFuture<EnqueueResult> blocked = new CompletableFuture<>();
            Thread producer = new Thread(() -> {
                try {
                    blocked.complete(buffer.put(payload(10), metadata(10)));
                } catch (Throwable t) {
                    blocked.completeExceptionally(t);
                }
            }, "producer-on-full-disk");
            producer.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (disk.refusedWrites() == 0) {
                assertThat(blocked).as("the put waits for the disk").isNotDone();
                assertThat(System.nanoTime()).as("a write was refused within 30 s").isLessThan(deadline);
                Thread.onSpinWait();
            }
            assertThat(blocked).isNotDone();

            for (int i = 0; i < 6; i++) {
                assertThat(buffer.poll().orElseThrow().payload()).isEqualTo(payload(i));
            }
            disk.setFreeBytes(0); // acknowledging needs no space: the position is written in place
            buffer.ack(5); // deletes the segments below sequence 6: the space the producer needs
            assertThat(blocked.get(30, TimeUnit.SECONDS).sequence()).isEqualTo(10);
        }
        assertDelivers(6, List.of(6, 7, 8, 9, 10));
    }

    @Test
    void underBlockTheWaitForTheDiskEndsAtTheTimeoutWithTheDiskError() throws Exception {
        // One item a segment: the next item needs a new segment, so new disk space (an item into a
        // segment's space allocated ahead needs none).
        try (DiskBuffer buffer = DiskBuffer.open(dir, config(WhenFull.BLOCK, 50).withSegmentBytes(6 << 10))) {
            buffer.put(payload(0), metadata(0));
            disk.setFreeBytes(0);
            assertThatThrownBy(() -> buffer.put(payload(1), metadata(1))).isInstanceOf(BufferWriteException.class)
                    .hasMessageContaining("in 50 ms of waiting for the disk to take writes again")
                    .hasMessageContaining("No space left on device");
            assertThat(buffer.sizeItems()).isEqualTo(1);
            disk.setFreeBytes(Long.MAX_VALUE);
        }
        assertDelivers(0, List.of(0));
    }

    @Test
    void underBlockWithNoTimeoutAPutTheDiskRefusesFailsAtOnceAndIsNotCountedAsBlocked() throws Exception {
        try (DiskBuffer buffer = DiskBuffer.open(dir, config(WhenFull.BLOCK, 0).withSegmentBytes(6 << 10))) {
            buffer.put(payload(0), metadata(0)); // one item a segment, as above
            disk.setFreeBytes(0);
            assertThatThrownBy(() -> buffer.put(payload(1), metadata(1))).isInstanceOf(BufferWriteException.class)
                    .hasMessageContaining("in 0 ms of waiting for the disk to take writes again");
            assertThat(registry.get(BufferMetrics.BLOCKED).timer().count()).isZero();
            assertThat(registry.get(BufferMetrics.WRITE_ERRORS).counter().count()).isEqualTo(1.0);
            disk.setFreeBytes(Long.MAX_VALUE);
        }
        assertDelivers(0, List.of(0));
    }

    @Test
    void anAsynchronousWriteTheDiskRefusesFailsItsFutureAndTheNextEnqueueWritesAgain() throws Exception {
        try (DiskBuffer buffer = DiskBuffer.open(dir, config(WhenFull.DROP_NEWEST, 0).withSegmentBytes(6 << 10))) {
            buffer.enqueue(payload(0), metadata(0)).get(30, TimeUnit.SECONDS); // one item a segment, as above
            disk.setFreeBytes(100);
            CompletableFuture<EnqueueResult> refused = buffer.enqueue(payload(1), metadata(1));
            assertThatThrownBy(() -> refused.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(BufferWriteException.class).hasMessageContaining("No space left on device");
            assertThat(buffer.sizeItems()).as("its room is given back").isEqualTo(1);
            assertThat(registry.get(BufferMetrics.DROPPED_EVENTS).counter().count())
                    .as("a refused write is an error, not a drop").isZero();

            disk.setFreeBytes(Long.MAX_VALUE);
            assertThat(buffer.enqueue(payload(2), metadata(2)).get(30, TimeUnit.SECONDS).sequence()).isEqualTo(1);
        }
        assertDelivers(0, List.of(0, 2));
    }

    /** A payload of {@code bytes} in a direct buffer, written by a writer that lends it: a put writes it where it lies. */
    private static PayloadWriter lent(int item, int bytes) {
        return new PayloadWriter() {
            @Override
            public void writeTo(java.nio.channels.WritableByteChannel out) throws java.io.IOException {
                java.nio.ByteBuffer direct = java.nio.ByteBuffer.allocateDirect(bytes);
                while (direct.hasRemaining()) {
                    direct.put((byte) item);
                }
                out.write(direct.flip());
            }

            @Override
            public boolean lendsBuffers() {
                return true;
            }
        };
    }

    @Test
    void aPutOfLentBuffersTheDiskRefusesIsNotStoredAndThePutAfterSpaceFreesIs() throws Exception {
        int bytes = 3 * ItemSink.LENT_BYTES_MIN;
        List<Integer> stored = new ArrayList<>();
        try (DiskBuffer buffer = DiskBuffer.open(dir, DiskBufferConfig.defaults("full").withIo(disk)
                .withWhenFull(WhenFull.FAIL, 0).withSegmentBytes(1 << 20).withMeterRegistry(registry))) {
            for (int item = 0; item < 2; item++) {
                buffer.put(lent(item, bytes), bytes, metadata(item));
                stored.add(item);
            }
            disk.setFreeBytes(bytes + bytes / 2); // room for one more
            BufferWriteException refused = null;
            for (int item = 2; item < 10 && refused == null; item++) {
                try {
                    buffer.put(lent(item, bytes), bytes, metadata(item));
                    stored.add(item);
                } catch (BufferWriteException e) {
                    refused = e;
                }
            }
            assertThat(refused).isNotNull();
            assertThat(refused.getMessage()).contains("No space left on device").contains("The item was not stored");
            assertThat(buffer.sizeItems()).isEqualTo(stored.size());
            disk.setFreeBytes(Long.MAX_VALUE);
            int next = stored.get(stored.size() - 1) + 1;
            assertThat(buffer.put(lent(next, bytes), bytes, metadata(next)).sequence()).isEqualTo(stored.size());
            stored.add(next);
        }
        try (DiskBuffer buffer = DiskBuffer.open(dir, DiskBufferConfig.defaults("check"))) {
            for (int item : stored) {
                BufferItem read = buffer.poll().orElseThrow();
                byte[] expected = new byte[bytes];
                Arrays.fill(expected, (byte) item);
                assertThat(read.payload()).isEqualTo(expected);
                assertThat(read.metadata()).isEqualTo(metadata(item));
            }
            assertThat(buffer.poll()).isEmpty();
        }
    }
}
