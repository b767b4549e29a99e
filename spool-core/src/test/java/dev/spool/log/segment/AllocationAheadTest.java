package dev.spool.log.segment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.io.FileIO;
import dev.spool.log.io.ForwardingFileIO;
import dev.spool.log.io.ForwardingStorageFile;
import dev.spool.log.record.BatchBuilder;
import dev.spool.log.record.RecordBatch;
import dev.spool.log.record.RecordCursor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The zeros ahead of a segment's write window are written on the log's I/O executor while appends
 * fill the window ({@link AppendSpace}): not by the appender, never past a cut, and a refused or
 * failed allocation ahead leaves the appends to allocate for themselves.
 */
class AllocationAheadTest {
    private static final long BASE = 0;
    private static final String ALLOCATOR = "allocator";
    /** 8 KiB values: each append goes through the window (at most 16 KiB). */
    private static final int VALUE_BYTES = 8 << 10;

    @TempDir
    Path dir;
    private final List<Segment> opened = new ArrayList<>();
    private final List<Long> firstOffsets = new ArrayList<>();
    private final BatchBuilder builder = new BatchBuilder(1 << 20);

    @AfterEach
    void closeAll() throws IOException {
        for (Segment s : opened) {
            s.close();
        }
    }

    /**
     * A segment whose file {@code wrapper} wraps. The window of a wrapped file stores through its
     * {@code write} ({@link dev.spool.log.io.WriteWindow.ThroughWrites}), in appends of 8 KiB here;
     * zeros are written in chunks of up to 2 MiB.
     */
    private Segment create(UnaryOperator<dev.spool.log.io.StorageFile> wrapper) throws IOException {
        FileIO io = ForwardingFileIO.wrappingFiles(name -> name.endsWith(".log"), wrapper);
        Segment s = Segment.create(io, dir, BASE, 4096, 1 << 16, 0);
        opened.add(s);
        return s;
    }

    private void append(Segment s, Executor allocator) throws IOException {
        builder.reset();
        builder.tryAppend(1_000, null, new byte[VALUE_BYTES]);
        ByteBuffer batch = builder.build();
        long first = s.nextOffset();
        RecordBatch.setBaseOffset(batch, batch.position(), first);
        s.append(batch, first, 0, Integer.MAX_VALUE, allocator);
        firstOffsets.add(first);
    }

    /** Appends until the segment holds more than {@code bytes}. */
    private void appendPast(Segment s, long bytes, Executor allocator) throws IOException {
        while (s.sizeBytes() <= bytes) {
            append(s, allocator);
        }
    }

    /** Runs each task on a thread of its own named {@value #ALLOCATOR}, and waits for it: deterministic. */
    private static final Executor ON_ANOTHER_THREAD_AND_WAIT = task -> {
        Thread thread = new Thread(task, ALLOCATOR);
        thread.start();
        try {
            thread.join();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    };

    private void assertEveryBatchReadsBack(Segment s) throws IOException {
        RecordCursor cursor = new RecordCursor();
        cursor.reset(s.read(BASE, Integer.MAX_VALUE));
        List<Long> read = new ArrayList<>();
        while (cursor.next()) {
            read.add(cursor.offset());
            assertThat(cursor.value().remaining()).isEqualTo(VALUE_BYTES);
        }
        assertThat(read).isEqualTo(firstOffsets);
    }

    @Test
    void theZerosPastTheFirstChunkAreWrittenOnTheExecutorNotByTheAppender() throws IOException {
        List<String> zeroWriters = Collections.synchronizedList(new ArrayList<>());
        List<Long> zeroPositions = Collections.synchronizedList(new ArrayList<>());
        Segment s = create(file -> new ForwardingStorageFile(file) {
            @Override
            public void write(ByteBuffer src, long position) throws IOException {
                if (src.remaining() > AppendSpace.MAPPED_APPEND_BYTES_MAX) { // zeros; appends are 8 KiB
                    zeroWriters.add(Thread.currentThread().getName());
                    zeroPositions.add(position);
                }
                super.write(src, position);
            }
        });
        appendPast(s, 3L * AppendSpace.CHUNK_BYTES + 1000, ON_ANOTHER_THREAD_AND_WAIT);

        // the first chunk the appender allocates itself (nothing ran ahead of it yet); the rest ran ahead
        assertThat(zeroPositions).startsWith(0L, (long) AppendSpace.CHUNK_BYTES, 2L * AppendSpace.CHUNK_BYTES);
        assertThat(zeroWriters.get(0)).isEqualTo(Thread.currentThread().getName());
        assertThat(zeroWriters.subList(1, zeroWriters.size())).hasSizeGreaterThanOrEqualTo(3).containsOnly(ALLOCATOR);
        Path log = SegmentFiles.logFile(dir, BASE);
        assertThat(Files.size(log)).isGreaterThan(s.sizeBytes());

        s.seal();
        assertThat(Files.size(log)).isEqualTo(s.sizeBytes());
        assertEveryBatchReadsBack(s);
    }

    @Test
    void sealingWaitsForTheAllocationAheadSoNoZerosOutliveTheTrim() throws Exception {
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Segment s = create(file -> new ForwardingStorageFile(file) {
            @Override
            public void write(ByteBuffer src, long position) throws IOException {
                if (Thread.currentThread().getName().equals(ALLOCATOR)) {
                    writing.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        throw new IOException(e);
                    }
                }
                super.write(src, position);
            }
        });
        append(s, task -> new Thread(task, ALLOCATOR).start());
        assertThat(writing.await(30, TimeUnit.SECONDS)).isTrue();

        Thread sealer = new Thread(() -> {
            try {
                s.seal();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        sealer.start();
        sealer.join(300);
        assertThat(sealer.isAlive()).as("the seal waits for the zeros being written").isTrue();
        release.countDown();
        sealer.join(30_000);
        assertThat(sealer.isAlive()).isFalse();

        assertThat(Files.size(SegmentFiles.logFile(dir, BASE))).isEqualTo(s.sizeBytes());
        assertEveryBatchReadsBack(s);
    }

    @Test
    void anExecutorThatRefusesLeavesTheAllocationToTheAppender() throws IOException {
        Segment s = create(UnaryOperator.identity());
        appendPast(s, 2L * AppendSpace.CHUNK_BYTES + 1000, task -> {
            throw new RejectedExecutionException("shutting down");
        });
        assertEveryBatchReadsBack(s);
        s.seal();
        assertThat(Files.size(SegmentFiles.logFile(dir, BASE))).isEqualTo(s.sizeBytes());
    }

    @Test
    void aFailedAllocationAheadFailsOnlyTheAppendThatFindsNoRoom() throws IOException {
        Segment s = create(file -> new ForwardingStorageFile(file) {
            @Override
            public void write(ByteBuffer src, long position) throws IOException {
                if (position >= AppendSpace.CHUNK_BYTES) { // the disk fills up after the first chunk
                    throw new IOException("No space left on device");
                }
                super.write(src, position);
            }
        });
        Executor allocator = ON_ANOTHER_THREAD_AND_WAIT;
        // the appends that fit in the first chunk succeed, though the allocation ahead of them failed
        int before;
        while (true) {
            before = s.sizeBytes();
            try {
                append(s, allocator);
            } catch (IOException full) {
                assertThat(full).hasMessageContaining("No space left");
                break;
            }
        }
        assertThat(before).isGreaterThan(AppendSpace.CHUNK_BYTES - 2 * VALUE_BYTES).isLessThanOrEqualTo(AppendSpace.CHUNK_BYTES);
        assertThat(s.sizeBytes()).isEqualTo(before);
        assertEveryBatchReadsBack(s); // the one that failed was never stored
    }
}
