package dev.spool.log.tool;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.io.FileIO;
import dev.spool.log.io.ForwardingFileIO;
import dev.spool.log.io.ForwardingStorageFile;
import dev.spool.log.io.StorageFile;
import dev.spool.log.record.BatchBuilder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A live segment read by a tool that does not own it: the zeros its writer allocated ahead of the
 * appends read as a write in progress, and the writer trimming them (at a seal or a close) while a
 * read is under way is not an error.
 */
class SegmentFileReaderTest {
    private static final int ALLOCATED_AHEAD = 200 << 10; // several of the zero check's 64 KiB reads

    @TempDir
    Path dir;

    @Test
    void zerosAllocatedAheadOfTheAppendsAreAWriteInProgress() throws IOException {
        ByteBuffer batch = batch("a");
        Path file = segmentWithZerosAhead(batch);
        try (SegmentFileReader reader = SegmentFileReader.open(FileIO.real(), file, 1 << 20)) {
            assertThat(reader.read(0).kind()).isEqualTo(SegmentFileReader.BatchRead.Kind.BATCH);
            SegmentFileReader.BatchRead after = reader.read(batch.remaining());
            assertThat(after.kind()).isEqualTo(SegmentFileReader.BatchRead.Kind.INCOMPLETE);
            assertThat(after.sizeBytes()).isEqualTo(ALLOCATED_AHEAD);
        }
    }

    @Test
    void theWriterTrimmingTheZerosDuringAReadEndsTheFileInsteadOfFailingTheRead() throws IOException {
        ByteBuffer batch = batch("a");
        Path file = segmentWithZerosAhead(batch);
        long end = batch.remaining();
        TrimAfterSize io = new TrimAfterSize(end);
        try (SegmentFileReader reader = SegmentFileReader.open(io, file, 1 << 20)) {
            io.armed = true; // the size the reader takes next still counts the zeros; then they are gone
            SegmentFileReader.BatchRead read = reader.read(end);
            assertThat(io.trimmed).as("the file was trimmed between the size and the read").isTrue();
            assertThat(read.kind()).isEqualTo(SegmentFileReader.BatchRead.Kind.END);
            assertThat(reader.sizeBytes()).isEqualTo(end);
            assertThat(reader.records(reader.read(0))).singleElement()
                    .satisfies(r -> assertThat(r.valueBytes()).isEqualTo("a".getBytes(StandardCharsets.UTF_8)));
        }
    }

    /** One batch followed by the zeros a writer allocates ahead of its next appends. */
    private Path segmentWithZerosAhead(ByteBuffer batch) throws IOException {
        Path file = SegmentFileNames.logFile(dir, 0);
        try (StorageFile out = FileIO.real().open(file, FileIO.OpenMode.CREATE)) {
            out.write(batch.duplicate(), 0);
            out.write(ByteBuffer.allocate(ALLOCATED_AHEAD), batch.remaining());
        }
        return file;
    }

    private static ByteBuffer batch(String value) {
        BatchBuilder builder = new BatchBuilder(1 << 20);
        builder.tryAppend(1_000L, null, value.getBytes(StandardCharsets.UTF_8));
        return builder.build();
    }

    /** Once armed, reports the file's size and then truncates it to {@code trimTo}, as a writer closing it would. */
    private static final class TrimAfterSize extends ForwardingFileIO {
        private final long trimTo;
        volatile boolean armed;
        volatile boolean trimmed;

        TrimAfterSize(long trimTo) {
            super(FileIO.real());
            this.trimTo = trimTo;
        }

        @Override
        protected StorageFile wrap(StorageFile file, Path path, OpenMode mode) {
            return new ForwardingStorageFile(file) {
                @Override
                public long size() throws IOException {
                    long size = delegate.size();
                    if (armed) {
                        armed = false;
                        try (StorageFile writer = FileIO.real().open(path, FileIO.OpenMode.READ_WRITE)) {
                            writer.truncate(trimTo);
                        }
                        trimmed = true;
                    }
                    return size;
                }
            };
        }
    }
}
