package dev.spool.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.Durability;
import dev.spool.log.record.BatchBuilder;
import dev.spool.log.record.Header;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Items whose payload is written straight into the record batch ({@link PayloadWriter}) and read
 * where it lies ({@link PayloadReader}): the same bytes come back as were written, in the same
 * on-disk form as a whole-array item, and a writer or reader that fails leaves the buffer as it was.
 */
class DiskBufferStreamingTest {
    /** Varint boundaries of the value's length and of the record's, and sizes past the initial estimate. */
    private static final int[] SIZES = {0, 1, 55, 56, 63, 64, 8_180, 8_191, 8_192, 16_383, 16_384, 300_000};

    @TempDir
    Path dir;

    private static byte[] random(SplittableRandom random, int size) {
        byte[] bytes = new byte[size];
        random.nextBytes(bytes);
        return bytes;
    }

    /** Writes {@code payload} in chunks of seeded random sizes, through heap and direct buffers alike. */
    private static PayloadWriter inChunks(byte[] payload, long seed) {
        return out -> {
            SplittableRandom random = new SplittableRandom(seed);
            int at = 0;
            while (at < payload.length) {
                int chunk = Math.min(payload.length - at, 1 + random.nextInt(70_000));
                ByteBuffer source = random.nextBoolean() ? ByteBuffer.wrap(payload, at, chunk)
                        : ByteBuffer.allocateDirect(chunk).put(payload, at, chunk).flip();
                while (source.hasRemaining()) {
                    out.write(source);
                }
                at += chunk;
            }
        };
    }

    @Test
    void aStreamedPayloadReadsBackIdenticalAfterARestartAndIsStoredAsAWholeArrayItemIs() throws Exception {
        SplittableRandom random = new SplittableRandom(15);
        List<byte[]> payloads = new ArrayList<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("source", "sensor-7");
        metadata.put("ünïcode", "välue");
        DiskBufferConfig strict = DiskBufferConfig.defaults("s").withDurability(Durability.STRICT);
        try (DiskBuffer buffer = DiskBuffer.open(dir, strict)) {
            for (int size : SIZES) {
                byte[] payload = random(random, size);
                payloads.add(payload);
                // Half the estimates too small (the batch grows), half too large.
                int estimate = random.nextBoolean() ? size / 3 : size * 2 + 10;
                EnqueueResult streamed = size % 2 == 0 ? buffer.put(inChunks(payload, size), estimate, metadata)
                        : buffer.enqueue(inChunks(payload, size), estimate, metadata).join();
                EnqueueResult whole = buffer.put(payload, metadata);
                assertThat(streamed.storedBytes()).as("stored size of %d bytes", size).isEqualTo(whole.storedBytes());
                assertThat(streamed.durability()).isEqualTo(Durability.STRICT);
            }
        }
        try (DiskBuffer buffer = DiskBuffer.open(dir, DiskBufferConfig.defaults("s"))) {
            for (byte[] payload : payloads) {
                for (int copy = 0; copy < 2; copy++) {
                    BufferItem item = buffer.poll().orElseThrow();
                    assertThat(item.payload()).isEqualTo(payload);
                    assertThat(item.metadata()).containsExactlyEntriesOf(metadata);
                }
            }
            assertThat(buffer.poll()).isEmpty();
        }
    }

    /** {@code writer}, lending its buffers ({@link PayloadWriter#lendsBuffers()}). */
    private static PayloadWriter lending(PayloadWriter writer) {
        return new PayloadWriter() {
            @Override
            public void writeTo(java.nio.channels.WritableByteChannel out) throws IOException {
                writer.writeTo(out);
            }

            @Override
            public boolean lendsBuffers() {
                return true;
            }
        };
    }

    /**
     * Writes {@code payload} as a small heap part, a large direct buffer, and a small heap part,
     * then overwrites the direct buffer's bytes with {@code later} before returning: a put that took
     * the buffer from where it lies stores {@code later}'s bytes there, one that copied it does not.
     */
    private static PayloadWriter changingAfterWrite(byte[] payload, byte later) {
        return out -> {
            int large = payload.length - 200;
            out.write(ByteBuffer.wrap(payload, 0, 100));
            ByteBuffer direct = ByteBuffer.allocateDirect(large).put(payload, 100, large).flip();
            out.write(direct);
            out.write(ByteBuffer.wrap(payload, 100 + large, 100));
            for (int i = 0; i < large; i++) {
                direct.put(i, later);
            }
        };
    }

    @Test
    void aPutWritesALendingWritersLargeBuffersFromWhereTheyLieAndStoresTheSameItem() throws Exception {
        SplittableRandom random = new SplittableRandom(18);
        Map<String, String> metadata = Map.of("format", "columns");
        byte[] payload = random(random, 3 * ItemSink.LENT_BYTES_MIN);
        byte[] lentThenChanged = payload.clone();
        java.util.Arrays.fill(lentThenChanged, 100, payload.length - 100, (byte) 9);
        List<byte[]> expected = new ArrayList<>();
        for (WhenFull whenFull : new WhenFull[] {WhenFull.BLOCK, WhenFull.FAIL}) {
            for (Durability durability : Durability.values()) {
                Path at = dir.resolve(whenFull + "-" + durability);
                DiskBufferConfig config = DiskBufferConfig.defaults("s").withDurability(durability)
                        .withWhenFull(whenFull, 1_000);
                long sizeBytes;
                try (DiskBuffer buffer = DiskBuffer.open(at, config)) {
                    List<EnqueueResult> results = new ArrayList<>();
                    EnqueueResult lent = buffer.put(lending(changingAfterWrite(payload, (byte) 9)), 10, metadata);
                    results.add(lent);
                    results.add(buffer.put(changingAfterWrite(payload, (byte) 9), 10, metadata)); // copies: not lent
                    // a relaxed enqueue writes before it returns: lent; a strict one returns before the write: copied
                    results.add(buffer.enqueue(lending(changingAfterWrite(payload, (byte) 9)), 10, metadata).join());
                    for (int size : SIZES) { // lent and copied chunks mixed, every size of the value's varints
                        byte[] mixed = random(random, size);
                        results.add(buffer.put(lending(inChunks(mixed, size)), size / 2, metadata));
                        expected.add(mixed);
                    }
                    EnqueueResult whole = buffer.put(payload, metadata);
                    results.add(whole);
                    assertThat(lent.storedBytes()).isEqualTo(whole.storedBytes());
                    assertThat(lent.durability()).isEqualTo(durability);
                    sizeBytes = results.stream().mapToLong(EnqueueResult::storedBytes).sum();
                    assertThat(buffer.sizeBytes()).as("the room taken: every item's whole size").isEqualTo(sizeBytes);
                }
                try (DiskBuffer buffer = DiskBuffer.open(at, DiskBufferConfig.defaults("s"))) { // after a restart
                    assertThat(buffer.sizeBytes()).isEqualTo(sizeBytes);
                    assertThat(buffer.poll().orElseThrow().payload()).isEqualTo(lentThenChanged);
                    assertThat(buffer.poll().orElseThrow().payload()).isEqualTo(payload);
                    assertThat(buffer.poll().orElseThrow().payload())
                            .isEqualTo(durability == Durability.STRICT ? payload : lentThenChanged);
                    for (byte[] mixed : expected) {
                        BufferItem item = buffer.poll().orElseThrow();
                        assertThat(item.payload()).isEqualTo(mixed);
                        assertThat(item.metadata()).containsExactlyEntriesOf(metadata);
                    }
                    assertThat(buffer.poll().orElseThrow().payload()).isEqualTo(payload);
                    assertThat(buffer.poll()).isEmpty();
                }
                expected.clear();
            }
        }
    }

    @Test
    void lentBytesCountTowardItemBytesMax() throws Exception {
        DiskBufferConfig config = DiskBufferConfig.defaults("s");
        config = new DiskBufferConfig(config.componentId(), config.sizeBytesMax(), 0, config.whenFull(),
                config.blockTimeoutMs(), config.durability(), config.segmentBytes(), 100_000, config.meterRegistry(),
                config.whenCorrupt(), config.io());
        try (DiskBuffer buffer = DiskBuffer.open(dir, config)) {
            PayloadWriter twoLarge = lending(out -> {
                out.write(ByteBuffer.allocateDirect(60_000));
                out.write(ByteBuffer.allocateDirect(60_000));
            });
            assertThatThrownBy(() -> buffer.put(twoLarge, 10, Map.of()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("itemBytesMax of 100000");
            assertThat(buffer.sizeItems()).isZero();
            byte[] fits = random(new SplittableRandom(19), 99_000);
            assertThat(buffer.put(lending(inChunks(fits, 4)), 10, Map.of()).sequence()).isZero();
            assertThat(buffer.poll().orElseThrow().payload()).isEqualTo(fits);
        }
        try (DiskBuffer small = DiskBuffer.open(dir.resolve("small"), DiskBufferConfig.defaults("s")
                .withSizeBytesMax(50_000))) {
            PayloadWriter oneLarge = lending(out -> out.write(ByteBuffer.allocateDirect(60_000)));
            assertThatThrownBy(() -> small.put(oneLarge, 10, Map.of()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("can never fit");
            assertThat(small.sizeItems()).isZero();
        }
    }

    @Test
    void theCodecWritesTheBytesTheLogsBatchBuilderWrites() {
        SplittableRandom random = new SplittableRandom(16);
        for (int size : SIZES) {
            byte[] payload = random(random, size);
            Map<String, String> metadata = new LinkedHashMap<>();
            metadata.put("k", "v".repeat(size % 300));
            ByteBuffer ours = ItemCodec.encode(payload, metadata, 1_764_000_000_000L, Integer.MAX_VALUE);
            BatchBuilder builder = new BatchBuilder(ours.remaining());
            assertThat(builder.tryAppend(1_764_000_000_000L, null, payload,
                    new Header[] {Header.of("k", metadata.get("k").getBytes(StandardCharsets.UTF_8))})).isTrue();
            assertThat(ours).as("batch of a %d-byte payload", size).isEqualTo(builder.build());
        }
    }

    @Test
    void aStreamedItemOverItemBytesMaxIsRefusedAndTheBufferStaysUsable() throws Exception {
        DiskBufferConfig config = DiskBufferConfig.defaults("s").withSegmentBytes(1 << 20).withSizeBytesMax(4 << 20);
        config = new DiskBufferConfig(config.componentId(), config.sizeBytesMax(), 0, config.whenFull(),
                config.blockTimeoutMs(), config.durability(), config.segmentBytes(), 100_000, config.meterRegistry(),
                config.whenCorrupt(), config.io());
        byte[] tooLarge = new byte[100_000];
        try (DiskBuffer buffer = DiskBuffer.open(dir, config)) {
            assertThatThrownBy(() -> buffer.put(inChunks(tooLarge, 1), 10, Map.of()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("itemBytesMax of 100000");
            assertThatThrownBy(() -> buffer.enqueue(inChunks(tooLarge, 2), 200_000, Map.of()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("itemBytesMax of 100000");
            byte[] fits = new byte[99_000];
            assertThat(buffer.put(inChunks(fits, 3), 10, Map.of()).sequence()).isZero();
            assertThat(buffer.sizeItems()).isEqualTo(1);
            assertThat(buffer.poll().orElseThrow().payload()).isEqualTo(fits);
        }
    }

    @Test
    void aWriterThatFailsStoresNothing() throws Exception {
        try (DiskBuffer buffer = DiskBuffer.open(dir, DiskBufferConfig.defaults("s"))) {
            PayloadWriter failing = out -> {
                out.write(ByteBuffer.wrap(new byte[5_000]));
                throw new IOException("source went away");
            };
            assertThatThrownBy(() -> buffer.put(failing, 100, Map.of())).hasMessage("source went away");
            assertThatThrownBy(() -> buffer.enqueue(failing, 100, Map.of())).hasMessage("source went away");
            assertThat(buffer.sizeItems()).isZero();
            assertThat(buffer.sizeBytes()).isZero();
            assertThat(buffer.put(new byte[] {7}, Map.of()).sequence()).isZero();
        }
    }

    @Test
    void aReaderSeesThePayloadInPlaceAndAnItemItFailsOnCountsAsDelivered() throws Exception {
        try (DiskBuffer buffer = DiskBuffer.open(dir, DiskBufferConfig.defaults("s"))) {
            for (int i = 0; i < 3; i++) {
                buffer.put(("item-" + i).getBytes(StandardCharsets.UTF_8), Map.of("i", Integer.toString(i)));
            }
            PayloadReader<String> failing = (sequence, payload, metadata, storedBytes) -> {
                throw new IOException("cannot parse item " + sequence);
            };
            assertThatThrownBy(() -> buffer.poll(failing)).hasMessage("cannot parse item 0");
            PayloadReader<String> reading = (sequence, payload, metadata, storedBytes) -> {
                assertThat(payload.isReadOnly()).isTrue();
                assertThat(storedBytes).isGreaterThan(payload.remaining());
                byte[] bytes = new byte[payload.remaining()];
                payload.get(bytes);
                return sequence + ":" + new String(bytes, StandardCharsets.UTF_8) + ":" + metadata.get("i");
            };
            assertThat(buffer.poll(reading)).contains("1:item-1:1");
            buffer.ack(1); // item 0, on which the reader failed, was delivered: acknowledging drops it
            assertThat(buffer.sizeItems()).isEqualTo(1);
            assertThat(buffer.poll(reading, 1, java.util.concurrent.TimeUnit.MILLISECONDS)).contains("2:item-2:2");
            assertThat(buffer.poll(reading)).isEmpty();
        }
    }

    @Test
    void streamedItemsInFlightTogetherAreAllStoredInOrder() throws Exception {
        SplittableRandom random = new SplittableRandom(17);
        List<byte[]> payloads = new ArrayList<>();
        List<CompletableFuture<EnqueueResult>> futures = new ArrayList<>();
        try (DiskBuffer buffer = DiskBuffer.open(dir, DiskBufferConfig.defaults("s"))) {
            for (int i = 0; i < 3 * BatchBuffers.KEPT_MAX; i++) { // more in flight than the buffers kept for reuse
                byte[] payload = random(random, 70_000 + random.nextInt(70_000));
                payloads.add(payload);
                futures.add(buffer.enqueue(inChunks(payload, i), payload.length, Map.of()));
            }
            for (int i = 0; i < futures.size(); i++) {
                assertThat(futures.get(i).join().sequence()).isEqualTo(i);
            }
            for (byte[] payload : payloads) {
                assertThat(buffer.poll().orElseThrow().payload()).isEqualTo(payload);
            }
        }
    }

    @Test
    void batchBuffersKeepAFewForReuse() {
        BatchBuffers buffers = new BatchBuffers();
        ByteBuffer first = buffers.take(100_000);
        assertThat(first.isDirect()).isTrue();
        assertThat(first.capacity()).isGreaterThanOrEqualTo(100_000);
        buffers.give(first);
        assertThat(buffers.take(50_000)).isSameAs(first);
        assertThat(buffers.take(50_000)).isNotSameAs(first);
        for (int i = 0; i < BatchBuffers.KEPT_MAX + 2; i++) {
            buffers.give(ByteBuffer.allocateDirect(70_000 + i));
        }
        assertThat(buffers.keptCount()).isEqualTo(BatchBuffers.KEPT_MAX);
        assertThat(buffers.take(70_000 + BatchBuffers.KEPT_MAX + 1).capacity())
                .as("the largest are kept").isEqualTo(70_000 + BatchBuffers.KEPT_MAX + 1);
    }

    @Test
    void smallItemsTakeAReusedBufferOnlyWhileFewAreOut() {
        BatchBuffers buffers = new BatchBuffers();
        List<ByteBuffer> out = new ArrayList<>();
        for (int i = 0; i < BatchBuffers.KEPT_MAX; i++) {
            out.add(buffers.tryTake(1_100));
        }
        assertThat(out).doesNotContainNull();
        assertThat(buffers.tryTake(1_100)).as("all out: the caller uses a heap buffer").isNull();
        buffers.give(out.get(0));
        assertThat(buffers.tryTake(1_100)).isSameAs(out.get(0));
    }

    @Test
    void putsFromManyThreadsAllArriveWhetherOrNotTheyGetAReusedBuffer() throws Exception {
        int threads = 2 * BatchBuffers.KEPT_MAX;
        try (DiskBuffer buffer = DiskBuffer.open(dir, DiskBufferConfig.defaults("s"))) {
            List<Thread> producers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int producer = t;
                producers.add(new Thread(() -> {
                    for (int i = 0; i < 50; i++) {
                        try {
                            buffer.put(new byte[] {(byte) producer, (byte) i}, Map.of());
                        } catch (IOException | InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                    }
                }));
            }
            producers.forEach(Thread::start);
            for (Thread producer : producers) {
                producer.join();
            }
            int[] next = new int[threads];
            for (int n = 0; n < threads * 50; n++) {
                byte[] item = buffer.poll().orElseThrow().payload();
                assertThat(item[1]).as("producer %d's items in its order", item[0]).isEqualTo((byte) next[item[0]]++);
            }
            assertThat(buffer.poll()).isEmpty();
        }
    }
}
