package dev.spool.log.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.io.FileIO;
import dev.spool.log.io.ForwardingStorageFile;
import dev.spool.log.io.StorageFile;
import dev.spool.log.io.WriteWindow;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chunk allocated ahead of the write window on another thread: the writer stores into it
 * without writing zeros itself, takes it back when that thread has not begun, waits for it
 * before touching the file's end, and meets the disk's own error when the allocation ahead was
 * refused. Real files and real mappings ({@link AppendSpace} allocates ahead only for windows that
 * map); the executor is the test's, so each step runs when the test says.
 */
class AppendSpaceAheadTest {
    private static final int CHUNK = AppendSpace.CHUNK_BYTES;
    private static final int SEGMENT_MAX = 64 << 20;
    private static final int RECORD = 1_000;

    @TempDir
    Path dir;

    private final Deque<Runnable> queued = new ArrayDeque<>();
    private final Executor held = queued::add;
    /** Positions and sizes of every write of zeros, with the thread that made it. */
    private final List<String> writes = new CopyOnWriteArrayList<>();
    private StorageFile file;
    private Path path;

    private StorageFile open(Gate gate) throws IOException {
        path = dir.resolve("00000000000000000000.log");
        StorageFile real = FileIO.real().open(path, FileIO.OpenMode.CREATE);
        file = new ForwardingStorageFile(real) {
            @Override
            public void write(ByteBuffer src, long position) throws IOException {
                writes.add((Thread.currentThread().getName().equals("ahead") ? "ahead" : "writer") + "@" + position);
                gate.pass(position);
                super.write(src, position);
            }

            @Override
            public WriteWindow mapForWrite(long position, int sizeBytes) throws IOException {
                return delegate.mapForWrite(position, sizeBytes);
            }
        };
        return file;
    }

    @AfterEach
    void close() throws IOException {
        if (file != null) {
            file.close();
        }
    }

    /** Stores {@code count} records' worth of bytes, each a different value, from {@code position}; returns the end. */
    private static long store(AppendSpace space, StorageFile file, long position, int count) throws IOException {
        long at = position;
        for (int i = 0; i < count; i++) {
            ByteBuffer record = ByteBuffer.allocate(RECORD);
            while (record.hasRemaining()) {
                record.put((byte) (at + record.position()));
            }
            space.write(file, record.flip(), at, SEGMENT_MAX);
            at += RECORD;
        }
        return at;
    }

    private void assertStored(long end) throws IOException {
        ByteBuffer all = ByteBuffer.allocate((int) end);
        while (all.hasRemaining()) {
            assertThat(file.read(all, all.position())).isPositive();
        }
        for (int i = 0; i < end; i += RECORD) {
            for (int k = 0; k < RECORD; k++) {
                assertThat(all.get(i + k)).as("byte %d", i + k).isEqualTo((byte) (i + k));
            }
        }
    }

    @Test
    void theNextChunkIsAllocatedOnTheOtherThreadAndTheWriterStoresIntoItWritingNoZeros() throws IOException {
        StorageFile f = open(Gate.OPEN);
        AppendSpace space = new AppendSpace(0, held);
        long end = store(space, f, 0, 1); // the window's first chunk, written by the writer; the next one queued
        assertThat(f.size()).isEqualTo(CHUNK);
        assertThat(queued).hasSize(1);
        Thread ahead = new Thread(queued.poll(), "ahead");
        ahead.start();
        join(ahead);
        assertThat(f.size()).isEqualTo(2L * CHUNK);
        assertThat(writes).containsExactly("writer@0", "ahead@" + CHUNK);

        end = store(space, f, end, (int) ((CHUNK - end) / RECORD) + 10); // past the first chunk
        assertThat(writes).as("no zeros written by the writer for the second chunk").hasSize(2);
        assertThat(queued).as("the third chunk is asked for").hasSize(1);
        space.trim(f, end);
        assertThat(f.size()).isEqualTo(end);
        assertStored(end);
    }

    @Test
    void anAllocationAheadNotYetBegunIsWithdrawnAndTheWriterAllocatesItself() throws IOException {
        StorageFile f = open(Gate.OPEN);
        AppendSpace space = new AppendSpace(0, held);
        long end = store(space, f, 0, 1);
        Runnable withdrawn = queued.poll();
        end = store(space, f, end, (int) ((CHUNK - end) / RECORD) + 10);
        assertThat(f.size()).isEqualTo(2L * CHUNK);
        assertThat(writes).containsExactly("writer@0", "writer@" + CHUNK);
        withdrawn.run(); // too late: it writes nothing
        assertThat(writes).hasSize(2);
        space.trim(f, end);
        assertThat(f.size()).isEqualTo(end);
        assertStored(end);
    }

    /**
     * Only a segment appended to quickly gets the chunk ahead: one whose last window filled within
     * a second (the first window counts from the segment's creation).
     */
    @Test
    void onlyAWindowFilledWithinASecondHasTheNextChunkAllocatedAhead() throws IOException {
        StorageFile f = open(Gate.OPEN);
        AtomicLong nanos = new AtomicLong();
        AppendSpace space = new AppendSpace(0, held, nanos::get);
        nanos.addAndGet(TimeUnit.SECONDS.toNanos(2)); // the first append two seconds after the segment began
        long end = store(space, f, 0, 1);
        assertThat(queued).as("a slow segment: nothing ahead").isEmpty();
        nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(500));
        end = store(space, f, end, (int) ((CHUNK - end) / RECORD) + 10);
        assertThat(queued).as("its first window filled in half a second").hasSize(1);
        Thread ahead = new Thread(queued.poll(), "ahead");
        ahead.start();
        join(ahead);
        nanos.addAndGet(TimeUnit.SECONDS.toNanos(5));
        end = store(space, f, end, (int) ((2L * CHUNK - end) / RECORD) + 10);
        assertThat(queued).as("the next window took five seconds").isEmpty();
        assertThat(writes).containsExactly("writer@0", "writer@" + CHUNK, "ahead@" + 2 * CHUNK);
        space.trim(f, end);
        assertThat(f.size()).isEqualTo(end);
        assertStored(end);
    }

    /** An executor that refuses the allocation ahead leaves the writer to allocate, as without one. */
    @Test
    void anExecutorThatRefusesTheAllocationAheadLeavesTheWriterToAllocate() throws IOException {
        StorageFile f = open(Gate.OPEN);
        AppendSpace space = new AppendSpace(0, task -> {
            throw new RejectedExecutionException("shut down");
        });
        long end = store(space, f, 0, 1);
        end = store(space, f, end, (int) ((CHUNK - end) / RECORD) + 10);
        assertThat(writes).containsExactly("writer@0", "writer@" + CHUNK);
        space.trim(f, end);
        assertThat(f.size()).isEqualTo(end);
        assertStored(end);
    }

    /** A trim that did not wait would cut the file, then the zeros ahead would grow it again. */
    @Test
    void aTrimWaitsForTheAllocationAheadBeingWrittenSoTheFileEndsWhereTheSegmentDoes() throws Exception {
        Held h = storeThreeAndHoldTheAhead();
        StorageFile f = h.file;
        AppendSpace space = h.space;
        long end = h.end;
        Future<Void> trim = start(() -> space.trim(f, 3L * RECORD));
        assertThatThrownBy(() -> trim.get(200, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
        h.gate.open.countDown();
        trim.get(10, TimeUnit.SECONDS);
        join(h.ahead);
        assertThat(f.size()).isEqualTo(end);
        assertStored(end);
        assertThat(Files.size(path)).isEqualTo(end);
    }

    /** A cut (a truncation) waits the same way: the zeros must not land after it either. */
    @Test
    void aCutWaitsForTheAllocationAheadBeingWritten() throws Exception {
        Held h = storeThreeAndHoldTheAhead();
        StorageFile f = h.file;
        AppendSpace space = h.space;
        Future<Void> cut = start(() -> space.cut(RECORD));
        assertThatThrownBy(() -> cut.get(200, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
        h.gate.open.countDown();
        cut.get(10, TimeUnit.SECONDS);
        join(h.ahead);
        f.truncate(RECORD); // as the segment does right after the cut
        assertThat(f.size()).isEqualTo(RECORD);
    }

    /**
     * The disk refuses the allocation ahead: the appends that fit in what was allocated are
     * stored, and the first that needs more fails with the disk's error, the writer's own.
     */
    @Test
    void anAllocationAheadTheDiskRefusesLeavesTheWriterToMeetTheErrorItself() throws IOException {
        StorageFile f = open(position -> {
            if (position >= CHUNK) {
                throw new IOException("No space left on device (injected) at " + position);
            }
        });
        AppendSpace space = new AppendSpace(0, held);
        long end = store(space, f, 0, 1);
        queued.poll().run(); // refused: logged, nothing else
        assertThat(f.size()).isEqualTo(CHUNK);
        int fit = (int) ((CHUNK - end) / RECORD);
        end = store(space, f, end, fit);
        long before = end;
        assertThatThrownBy(() -> store(space, f, before, 1))
                .isInstanceOf(IOException.class).hasMessageContaining("No space left");
        space.trim(f, end);
        assertThat(f.size()).isEqualTo(end);
        assertStored(end);
    }

    /** A written append (larger than a window's) takes the allocation ahead first: its bytes are never overwritten by zeros. */
    @Test
    void aWrittenAppendTakesTheAllocationAheadBeforeWriting() throws Exception {
        Held h = storeThreeAndHoldTheAhead();
        StorageFile f = h.file;
        AppendSpace space = h.space;
        long end = h.end;
        ByteBuffer large = ByteBuffer.allocate(3 * CHUNK);
        for (int i = 0; i < large.capacity(); i++) {
            large.put(i, (byte) (end + i));
        }
        long at = end;
        Future<Void> write = start(() -> space.write(f, large, at, SEGMENT_MAX));
        assertThatThrownBy(() -> write.get(200, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
        h.gate.open.countDown();
        write.get(10, TimeUnit.SECONDS);
        join(h.ahead);
        ByteBuffer read = ByteBuffer.allocate(large.capacity());
        while (read.hasRemaining()) {
            f.read(read, at + read.position());
        }
        assertThat(read.flip()).isEqualTo(large.rewind());
    }

    /** What {@link #storeThreeAndHoldTheAhead} leaves: the allocation ahead held at its first write. */
    private record Held(StorageFile file, AppendSpace space, long end, Holding gate, Thread ahead) {
    }

    /** Stores three records, then runs the allocation ahead on its own thread and holds it in its write. */
    private Held storeThreeAndHoldTheAhead() throws Exception {
        Holding gate = new Holding(CHUNK);
        StorageFile f = open(gate);
        AppendSpace space = new AppendSpace(0, held);
        long end = store(space, f, 0, 3);
        Thread ahead = new Thread(queued.poll(), "ahead");
        ahead.start();
        assertThat(gate.reached.await(10, TimeUnit.SECONDS)).isTrue();
        return new Held(f, space, end, gate, ahead);
    }

    private interface Step {
        void run() throws IOException;
    }

    private static Future<Void> start(Step step) {
        FutureTask<Void> task = new FutureTask<>(() -> {
            step.run();
            return null;
        });
        new Thread(task, "writer").start();
        return task;
    }

    private static void join(Thread thread) {
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        assertThat(thread.isAlive()).isFalse();
    }

    /** Sees each write of the file; may hold it or fail it. */
    private interface Gate {
        Gate OPEN = position -> { };

        void pass(long position) throws IOException;
    }

    /** Holds the writes at or past {@code from} until {@link #open} counts down. */
    private static final class Holding implements Gate {
        final long from;
        final CountDownLatch reached = new CountDownLatch(1);
        final CountDownLatch open = new CountDownLatch(1);

        Holding(long from) {
            this.from = from;
        }

        @Override
        public void pass(long position) throws IOException {
            if (position < from) {
                return;
            }
            reached.countDown();
            try {
                open.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                throw new java.io.InterruptedIOException();
            }
        }
    }
}
