package dev.spool.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Random interleavings of enqueue, poll, ack, restart and crash against a model: the list of items
 * enqueued, how many are acknowledged (a prefix, as acks are cumulative) and how many of the rest
 * were delivered in this run. After every step the buffer's size equals the model's; every poll
 * returns the model's next item; a restart resumes at the first unacknowledged item. A crash is a
 * copy of the directory taken while the buffer is open (what a killed process leaves: relaxed
 * writes and acknowledgements are in the page cache), opened in place of the original.
 * Small segments make acknowledgement delete segments along the way. jqwik prints the seed of a failing run.
 */
class DiskBufferPropertyTest {

    private static final int ENQUEUE = 0;
    private static final int POLL = 1;
    private static final int ACK = 2;
    private static final int RESTART = 3;
    private static final int CRASH = 4;
    private static final int KINDS = 5;

    @Property(tries = 60)
    void behavesLikeTheModel(@ForAll @Size(max = 80) List<@IntRange(min = 0, max = 499) Integer> operations)
            throws Exception {
        Path root = Files.createTempDirectory("disk-buffer-property");
        Path dir = root.resolve("0");
        int crashes = 0;
        DiskBufferConfig config = DiskBufferConfig.defaults("property").withSegmentBytes(1024);
        List<byte[]> items = new ArrayList<>();
        List<Integer> storedBytes = new ArrayList<>();
        int acked = 0;
        int delivered = 0;
        DiskBuffer buffer = DiskBuffer.open(dir, config);
        try {
            for (int operation : operations) {
                int parameter = operation / KINDS;
                switch (operation % KINDS) {
                    case ENQUEUE -> {
                        byte[] payload = payload(items.size(), parameter);
                        EnqueueResult result = buffer.enqueue(payload, Map.of("i", Integer.toString(items.size())))
                                .join();
                        assertThat(result.sequence()).isEqualTo(items.size());
                        items.add(payload);
                        storedBytes.add(result.storedBytes());
                    }
                    case POLL -> {
                        Optional<BufferItem> item = buffer.poll();
                        if (acked + delivered < items.size()) {
                            int expected = acked + delivered;
                            assertThat(item).isPresent();
                            assertThat(item.get().sequence()).isEqualTo(expected);
                            assertThat(item.get().payload()).isEqualTo(items.get(expected));
                            assertThat(item.get().metadata()).isEqualTo(Map.of("i", Integer.toString(expected)));
                            delivered++;
                        } else {
                            assertThat(item).isEmpty();
                        }
                    }
                    case ACK -> {
                        if (delivered > 0) {
                            int count = 1 + parameter % delivered;
                            buffer.ack(acked + count - 1);
                            acked += count;
                            delivered -= count;
                        }
                    }
                    case RESTART -> {
                        buffer.close();
                        buffer = DiskBuffer.open(dir, config);
                        delivered = 0;
                        assertThat(buffer.ackedPosition()).isEqualTo(acked);
                    }
                    default -> {
                        Path crashed = root.resolve(Integer.toString(++crashes));
                        DiskBufferTest.copyTree(dir, crashed);
                        buffer.close();
                        deleteRecursively(dir);
                        dir = crashed;
                        buffer = DiskBuffer.open(dir, config);
                        delivered = 0;
                        assertThat(buffer.ackedPosition()).isEqualTo(acked);
                    }
                }
                assertThat(buffer.sizeItems()).isEqualTo(items.size() - acked);
                assertThat(buffer.sizeBytes())
                        .isEqualTo(storedBytes.subList(acked, items.size()).stream().mapToLong(i -> i).sum());
            }
        } finally {
            buffer.close();
            deleteRecursively(root);
        }
    }

    /** Deterministic content that differs per item, of 0 to 99 x 13 bytes. */
    private static byte[] payload(int index, int parameter) {
        byte[] bytes = new byte[parameter * 13 % 700];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (index * 31 + i);
        }
        return bytes;
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
