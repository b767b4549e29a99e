package dev.spool.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.Durability;
import dev.spool.log.io.RecordingFileIO;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskBufferTest {
    @TempDir
    Path dir;
    @TempDir
    Path probeRoot;

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private DiskBuffer open(DiskBufferConfig config) throws IOException {
        return DiskBuffer.open(dir, config);
    }

    @Test
    void deliversInFifoOrderWithMetadataAndSequences() throws Exception {
        try (DiskBuffer buffer = open(DiskBufferConfig.defaults("t"))) {
            for (int i = 0; i < 3; i++) {
                EnqueueResult result = buffer.enqueue(bytes("item-" + i), Map.of("n", Integer.toString(i))).join();
                assertThat(result.sequence()).isEqualTo(i);
                assertThat(result.dropped()).isFalse();
            }
            for (int i = 0; i < 3; i++) {
                BufferItem item = buffer.poll().orElseThrow();
                assertThat(item.sequence()).isEqualTo(i);
                assertThat(new String(item.payload(), StandardCharsets.UTF_8)).isEqualTo("item-" + i);
                assertThat(item.metadata()).isEqualTo(Map.of("n", Integer.toString(i)));
            }
            assertThat(buffer.poll()).isEmpty();
        }
    }

    @Test
    void restartRedeliversExactlyTheUnacknowledgedItemsAndKnowsTheirSize() throws Exception {
        long[] stored = new long[5];
        try (DiskBuffer buffer = open(DiskBufferConfig.defaults("t"))) {
            for (int i = 0; i < 5; i++) {
                stored[i] = buffer.enqueue(new byte[10 + i * 7], Map.of()).join().storedBytes();
            }
            buffer.poll();
            buffer.poll();
            buffer.poll();
            buffer.ack(1); // 0 and 1 acknowledged; 2 delivered, not acknowledged
        }
        try (DiskBuffer buffer = open(DiskBufferConfig.defaults("t"))) {
            assertThat(buffer.sizeItems()).isEqualTo(3);
            assertThat(buffer.sizeBytes()).isEqualTo(stored[2] + stored[3] + stored[4]);
            assertThat(buffer.ackedPosition()).isEqualTo(2);
            assertThat(buffer.poll().orElseThrow().sequence()).isEqualTo(2);
            assertThat(buffer.poll().orElseThrow().payload()).hasSize(10 + 3 * 7);
            assertThat(buffer.poll().orElseThrow().sequence()).isEqualTo(4);
            assertThat(buffer.poll()).isEmpty();
        }
    }

    @Test
    void enqueueReportsTheDurabilityItWasAcknowledgedUnder() throws Exception {
        try (DiskBuffer buffer = open(DiskBufferConfig.defaults("t").withDurability(Durability.STRICT))) {
            assertThat(buffer.enqueue(bytes("x"), Map.of()).join().durability()).isEqualTo(Durability.STRICT);
        }
        try (DiskBuffer buffer = open(DiskBufferConfig.defaults("t").withDurability(Durability.NONE))) {
            assertThat(buffer.enqueue(bytes("y"), Map.of()).join().durability()).isEqualTo(Durability.NONE);
        }
    }

    /** Room for exactly two items of 100-byte payloads. */
    private long twoItems(String policyProbe) throws Exception {
        Path probeDir = probeRoot.resolve("probe-" + policyProbe);
        try (DiskBuffer probe = DiskBuffer.open(probeDir, DiskBufferConfig.defaults("probe"))) {
            return 2L * probe.enqueue(new byte[100], Map.of()).join().storedBytes();
        }
    }

    @Test
    void failPolicyRefusesWithAClearErrorAndWritesNothing() throws Exception {
        long max = twoItems("fail");
        try (DiskBuffer buffer = open(DiskBufferConfig.defaults("t").withSizeBytesMax(max)
                .withWhenFull(WhenFull.FAIL, 0))) {
            buffer.enqueue(new byte[100], Map.of()).join();
            buffer.enqueue(new byte[100], Map.of()).join();
            assertThatThrownBy(() -> buffer.enqueue(new byte[100], Map.of()))
                    .isInstanceOf(BufferFullException.class)
                    .hasMessageContaining("is full: " + max + " of " + max + " bytes");
            assertThat(buffer.sizeItems()).isEqualTo(2);
            assertThat(buffer.log().logEndOffset()).isEqualTo(2);
        }
    }

    @Test
    void dropNewestDiscardsAndCountsTheItem() throws Exception {
        long max = twoItems("drop");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (DiskBuffer buffer = open(DiskBufferConfig.defaults("t").withSizeBytesMax(max)
                .withWhenFull(WhenFull.DROP_NEWEST, 0).withMeterRegistry(registry))) {
            buffer.enqueue(new byte[100], Map.of()).join();
            buffer.enqueue(new byte[100], Map.of()).join();
            EnqueueResult dropped = buffer.enqueue(new byte[100], Map.of()).join();
            assertThat(dropped.dropped()).isTrue();
            assertThat(dropped.sequence()).isEqualTo(-1);
            assertThat(registry.get(BufferMetrics.DROPPED_EVENTS).counter().count()).isEqualTo(1.0);
            assertThat(buffer.log().logEndOffset()).isEqualTo(2);
        }
    }

    @Test
    void itemLimitBoundsTheCountIndependentlyOfBytes() throws Exception {
        try (DiskBuffer buffer = open(DiskBufferConfig.defaults("t").withSizeItemsMax(2)
                .withWhenFull(WhenFull.FAIL, 0))) {
            buffer.enqueue(bytes("a"), Map.of()).join();
            buffer.enqueue(bytes("b"), Map.of()).join();
            assertThatThrownBy(() -> buffer.enqueue(bytes("c"), Map.of())).isInstanceOf(BufferFullException.class)
                    .hasMessageContaining("2 item(s) of 2");
            buffer.poll();
            buffer.ack(0);
            assertThat(buffer.enqueue(bytes("c"), Map.of()).join().sequence()).isEqualTo(2);
        }
    }

    @Test
    void anItemLargerThanTheWholeBufferIsRefusedWhateverThePolicy() throws Exception {
        try (DiskBuffer buffer = open(DiskBufferConfig.defaults("t").withSizeBytesMax(200))) {
            assertThatThrownBy(() -> buffer.enqueue(new byte[500], Map.of()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("can never fit");
        }
    }

    /** Waits (spinning on the thread's state, not sleeping) until {@code thread} is parked in a wait. */
    static void awaitParked(Thread thread) {
        while (thread.getState() != Thread.State.TIMED_WAITING && thread.getState() != Thread.State.WAITING) {
            if (!thread.isAlive()) {
                throw new AssertionError("thread ended before it blocked");
            }
            Thread.onSpinWait();
        }
    }

    private static CompletableFuture<EnqueueResult> enqueueOnThread(DiskBuffer buffer, Thread[] holder) {
        CompletableFuture<EnqueueResult> outcome = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                outcome.complete(buffer.enqueue(new byte[100], Map.of()).join());
            } catch (Throwable t) {
                outcome.completeExceptionally(t);
            }
        }, "blocked-producer");
        holder[0] = thread;
        thread.start();
        return outcome;
    }

    @Test
    void blockPolicyWaitsForAnAckAndThenWrites() throws Exception {
        long max = twoItems("block");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (DiskBuffer buffer = open(DiskBufferConfig.defaults("t").withSizeBytesMax(max)
                .withWhenFull(WhenFull.BLOCK, 60_000).withMeterRegistry(registry))) {
            buffer.enqueue(new byte[100], Map.of()).join();
            buffer.enqueue(new byte[100], Map.of()).join();
            Thread[] producer = new Thread[1];
            CompletableFuture<EnqueueResult> third = enqueueOnThread(buffer, producer);
            awaitParked(producer[0]);
            assertThat(third).isNotDone();
            assertThat(buffer.log().logEndOffset()).isEqualTo(2);

            buffer.poll();
            buffer.ack(0);
            assertThat(third.get(30, TimeUnit.SECONDS).sequence()).isEqualTo(2);
            assertThat(registry.get(BufferMetrics.BLOCKED).timer().count()).isEqualTo(1);
            assertThat(registry.get(BufferMetrics.BLOCKED).timer().totalTime(TimeUnit.NANOSECONDS)).isPositive();
        }
    }

    @Test
    void blockPolicyGivesUpAfterItsTimeout() throws Exception {
        long max = twoItems("timeout");
        try (DiskBuffer buffer = open(DiskBufferConfig.defaults("t").withSizeBytesMax(max)
                .withWhenFull(WhenFull.BLOCK, 20))) {
            buffer.enqueue(new byte[100], Map.of()).join();
            buffer.enqueue(new byte[100], Map.of()).join();
            assertThatThrownBy(() -> buffer.enqueue(new byte[100], Map.of()))
                    .isInstanceOf(BufferFullException.class).hasMessageContaining("after waiting 20 ms for room");
            assertThat(buffer.sizeItems()).isEqualTo(2);
        }
    }

    @Test
    void closingWakesABlockedProducerWithAClearError() throws Exception {
        long max = twoItems("close");
        DiskBuffer buffer = open(DiskBufferConfig.defaults("t").withSizeBytesMax(max)
                .withWhenFull(WhenFull.BLOCK, 600_000));
        buffer.enqueue(new byte[100], Map.of()).join();
        buffer.enqueue(new byte[100], Map.of()).join();
        Thread[] producer = new Thread[1];
        CompletableFuture<EnqueueResult> third = enqueueOnThread(buffer, producer);
        awaitParked(producer[0]);
        buffer.close();
        assertThatThrownBy(() -> third.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(BufferClosedException.class)
                .hasMessageContaining("is closed");
        try (DiskBuffer reopened = open(DiskBufferConfig.defaults("t"))) {
            assertThat(reopened.sizeItems()).isEqualTo(2);
        }
    }

    @Test
    void closingWakesAWaitingConsumer() throws Exception {
        DiskBuffer buffer = open(DiskBufferConfig.defaults("t"));
        CompletableFuture<Optional<BufferItem>> polled = new CompletableFuture<>();
        Thread consumer = new Thread(() -> {
            try {
                polled.complete(buffer.poll(10, TimeUnit.MINUTES));
            } catch (Throwable t) {
                polled.completeExceptionally(t);
            }
        });
        consumer.start();
        awaitParked(consumer);
        buffer.close();
        assertThatThrownBy(() -> polled.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(BufferClosedException.class);
    }

    @Test
    void aWaitingConsumerReceivesTheNextItem() throws Exception {
        try (DiskBuffer buffer = open(DiskBufferConfig.defaults("t"))) {
            CompletableFuture<Optional<BufferItem>> polled = new CompletableFuture<>();
            Thread consumer = new Thread(() -> {
                try {
                    polled.complete(buffer.poll(10, TimeUnit.MINUTES));
                } catch (Throwable t) {
                    polled.completeExceptionally(t);
                }
            });
            consumer.start();
            awaitParked(consumer);
            buffer.enqueue(bytes("late"), Map.of()).join();
            assertThat(polled.get(30, TimeUnit.SECONDS).orElseThrow().payload()).isEqualTo(bytes("late"));
        }
    }

    @Test
    void metricsAfterAKnownSequence() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        long[] stored = new long[3];
        try (DiskBuffer buffer = open(DiskBufferConfig.defaults("orders-sink").withSizeBytesMax(10_000)
                .withMeterRegistry(registry))) {
            for (int i = 0; i < 3; i++) {
                stored[i] = buffer.enqueue(new byte[50 * (i + 1)], Map.of("k", "v")).join().storedBytes();
            }
            buffer.poll();
            buffer.poll();
            buffer.ack(1);
            assertThat(counter(registry, BufferMetrics.RECEIVED_EVENTS)).isEqualTo(3);
            assertThat(counter(registry, BufferMetrics.RECEIVED_BYTES)).isEqualTo(stored[0] + stored[1] + stored[2]);
            assertThat(counter(registry, BufferMetrics.SENT_EVENTS)).isEqualTo(2);
            assertThat(counter(registry, BufferMetrics.SENT_BYTES)).isEqualTo(stored[0] + stored[1]);
            assertThat(counter(registry, BufferMetrics.DROPPED_EVENTS)).isZero();
            assertThat(gauge(registry, BufferMetrics.SIZE_EVENTS)).isEqualTo(1);
            assertThat(gauge(registry, BufferMetrics.SIZE_BYTES)).isEqualTo(stored[2]);
            assertThat(gauge(registry, BufferMetrics.MAX_SIZE_BYTES)).isEqualTo(10_000);
            assertThat(registry.get(BufferMetrics.BLOCKED).timer().count()).isZero();
        }
        assertThat(registry.find(BufferMetrics.SIZE_EVENTS).gauge()).as("removed on close").isNull();
    }

    private static double counter(SimpleMeterRegistry registry, String name) {
        return registry.get(name).tag("component_id", "orders-sink").tag("buffer_type", "disk").counter().count();
    }

    private static double gauge(SimpleMeterRegistry registry, String name) {
        return registry.get(name).tag("component_id", "orders-sink").gauge().value();
    }

    @Test
    void acknowledgingDeletesConsumedSegmentsSoDiskUseFalls() throws Exception {
        try (DiskBuffer buffer = open(DiskBufferConfig.defaults("t").withSegmentBytes(4096))) {
            for (int i = 0; i < 100; i++) {
                buffer.enqueue(new byte[200], Map.of()).join();
            }
            int segmentsBefore = buffer.log().segmentCount();
            long bytesBefore = buffer.log().sizeBytes();
            assertThat(segmentsBefore).isGreaterThan(4);
            long last = -1;
            for (Optional<BufferItem> item = buffer.poll(); item.isPresent(); item = buffer.poll()) {
                last = item.get().sequence();
            }
            buffer.ack(last);
            assertThat(buffer.log().segmentCount()).isEqualTo(1);
            assertThat(buffer.log().sizeBytes()).isLessThan(bytesBefore / 4);
            assertThat(buffer.sizeBytes()).isZero();
            assertThat(buffer.sizeItems()).isZero();
        }
    }

    /**
     * Relaxed, a segment is not forced when it rolls: one the consumer acknowledges soon after is
     * deleted without ever being written to the disk. A process crash (the directory copied while
     * open) still loses nothing: recovery scans the unforced segments.
     */
    @Test
    void relaxedSegmentsAreNotForcedWhenTheyRollAndACrashStillLosesNothing() throws Exception {
        RecordingFileIO io = new RecordingFileIO();
        Path crashed = probeRoot.resolve("crashed");
        try (DiskBuffer buffer = open(DiskBufferConfig.defaults("t").withSegmentBytes(4096).withIo(io))) {
            for (int i = 0; i < 100; i++) {
                buffer.put(bytes("item-" + i + "-" + "x".repeat(200)), Map.of());
            }
            assertThat(buffer.log().segmentCount()).isGreaterThan(4);
            for (int i = 0; i < 60; i++) {
                buffer.poll().orElseThrow();
            }
            buffer.ack(59);
            copyTree(dir, crashed);
            assertThat(io.operations()).as("nothing forced but the directory").noneMatch(
                    op -> op.startsWith("force") && op.endsWith(".log"));
        }
        try (DiskBuffer buffer = DiskBuffer.open(crashed, DiskBufferConfig.defaults("t").withSegmentBytes(4096))) {
            assertThat(buffer.sizeItems()).isEqualTo(40);
            for (int i = 60; i < 100; i++) {
                assertThat(buffer.poll().orElseThrow().payload()).isEqualTo(bytes("item-" + i + "-" + "x".repeat(200)));
            }
            assertThat(buffer.poll()).isEmpty();
        }
        RecordingFileIO strictIo = new RecordingFileIO();
        try (DiskBuffer buffer = DiskBuffer.open(probeRoot.resolve("strict"), DiskBufferConfig.defaults("t")
                .withSegmentBytes(4096).withDurability(Durability.STRICT).withIo(strictIo))) {
            for (int i = 0; i < 40; i++) {
                buffer.put(bytes("x".repeat(200)), Map.of());
            }
            assertThat(strictIo.operations()).anyMatch(op -> op.startsWith("force") && op.endsWith(".log"));
        }
    }

    @Test
    void ackingAnUndeliveredSequenceIsRefused() throws Exception {
        try (DiskBuffer buffer = open(DiskBufferConfig.defaults("t"))) {
            buffer.enqueue(bytes("a"), Map.of()).join();
            assertThatThrownBy(() -> buffer.ack(0)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("only sequences below 0 have been delivered");
        }
    }

    @Test
    void aCorruptItemStopsTheConsumerAndNamesItsSequence() throws Exception {
        long[] stored = new long[3];
        try (DiskBuffer buffer = open(DiskBufferConfig.defaults("t"))) {
            for (int i = 0; i < 3; i++) {
                stored[i] = buffer.enqueue(bytes("payload-" + i), Map.of()).join().storedBytes();
            }
        }
        Path segment = dir.resolve("buffer-0").resolve("00000000000000000000.log");
        try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long inItem1Payload = stored[0] + stored[1] - 3; // just before item 1's header count
            ByteBuffer one = ByteBuffer.allocate(1);
            channel.read(one, inItem1Payload);
            one.put(0, (byte) (one.get(0) ^ 0x40)).rewind();
            channel.write(one, inItem1Payload);
        }
        try (DiskBuffer buffer = open(DiskBufferConfig.defaults("t"))) {
            assertThat(buffer.poll().orElseThrow().sequence()).isEqualTo(0);
            for (int attempt = 0; attempt < 2; attempt++) {
                assertThatThrownBy(buffer::poll).isInstanceOfSatisfying(CorruptItemException.class, e -> {
                    assertThat(e.sequence()).isEqualTo(1);
                    assertThat(e.getMessage()).contains("buffer-0").contains("sequence (offset) 1");
                });
            }
        }
    }

    @Test
    void enqueueAfterCloseIsRefused() throws Exception {
        DiskBuffer buffer = open(DiskBufferConfig.defaults("t"));
        buffer.close();
        assertThatThrownBy(() -> buffer.enqueue(bytes("a"), Map.of())).isInstanceOf(BufferClosedException.class);
    }
    /**
     * A copy of the directory taken while the buffer is open is what a process crash leaves
     * (no clean close, no final checkpoint): the acknowledgement must already be in it.
     */
    @Test
    void anAcknowledgementIsDurableWithoutAClose() throws Exception {
        Path crashed = probeRoot.resolve("crashed");
        try (DiskBuffer buffer = open(DiskBufferConfig.defaults("t"))) {
            for (int i = 0; i < 3; i++) {
                buffer.enqueue(bytes("item-" + i), Map.of()).join();
            }
            buffer.poll();
            buffer.poll();
            buffer.ack(1);
            copyTree(dir, crashed);
        }
        try (DiskBuffer buffer = DiskBuffer.open(crashed, DiskBufferConfig.defaults("t"))) {
            assertThat(buffer.ackedPosition()).isEqualTo(2);
            assertThat(buffer.sizeItems()).isEqualTo(1);
            assertThat(buffer.poll().orElseThrow().payload()).isEqualTo(bytes("item-2"));
        }
    }

    /**
     * What a process killed now leaves on disk, copied: a deleted segment's file that the log's I/O
     * pool removes while the copy runs is left out, as the kill would have found it gone.
     */
    static void copyTree(Path from, Path to) throws IOException {
        java.nio.file.Files.createDirectories(to);
        // Listed by hand, not with Files.walk: the walk reads each entry's attributes and fails on
        // a file that vanished between the listing and that read.
        try (java.util.stream.Stream<Path> entries = java.nio.file.Files.list(from)) {
            for (Path path : entries.toList()) {
                String name = path.getFileName().toString();
                if (name.equals(".lock")) {
                    continue;
                }
                Path target = to.resolve(name);
                if (java.nio.file.Files.isDirectory(path)) {
                    copyTree(path, target);
                    continue;
                }
                try {
                    java.nio.file.Files.copy(path, target);
                } catch (java.nio.file.NoSuchFileException removed) {
                    if (!name.endsWith(".deleted")) {
                        throw removed;
                    }
                }
            }
        }
    }
}
