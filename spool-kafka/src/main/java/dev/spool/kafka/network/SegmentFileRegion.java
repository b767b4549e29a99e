package dev.spool.kafka.network;

import dev.spool.log.io.StorageFile;
import io.netty.channel.FileRegion;
import io.netty.util.AbstractReferenceCounted;
import java.io.EOFException;
import java.io.IOException;
import java.nio.channels.WritableByteChannel;

/**
 * A run of stored batches sent straight from a segment file: Netty's NIO transport hands the
 * socket to {@link #transferTo}, which calls {@link StorageFile#transferTo} (sendfile for the
 * production file), so the bytes never pass through the heap. The file belongs to its segment and
 * is not closed here; if the segment is deleted or cut meanwhile, the transfer fails and the
 * connection is closed rather than sending other bytes.
 */
public final class SegmentFileRegion extends AbstractReferenceCounted implements FileRegion {
    private final StorageFile file;
    private final long position;
    private final long count;
    private long transferred;

    public SegmentFileRegion(StorageFile file, long position, long count) {
        this.file = file;
        this.position = position;
        this.count = count;
    }

    @Override
    public long position() {
        return position;
    }

    @Override
    @Deprecated
    public long transfered() {
        return transferred;
    }

    @Override
    public long transferred() {
        return transferred;
    }

    @Override
    public long count() {
        return count;
    }

    @Override
    public long transferTo(WritableByteChannel target, long at) throws IOException {
        long remaining = count - at;
        if (remaining <= 0) {
            return 0;
        }
        long written = file.transferTo(position + at, remaining, target);
        if (written == 0 && file.size() < position + count) {
            throw new EOFException("Segment file " + file.path() + " ends at " + file.size() + ", before the "
                    + count + " bytes at position " + position + " were sent");
        }
        transferred += written;
        return written;
    }

    @Override
    public FileRegion retain() {
        super.retain();
        return this;
    }

    @Override
    public FileRegion retain(int increment) {
        super.retain(increment);
        return this;
    }

    @Override
    public FileRegion touch() {
        return this;
    }

    @Override
    public FileRegion touch(Object hint) {
        return this;
    }

    @Override
    protected void deallocate() {
        // The file is the segment's; nothing of ours to free.
    }
}
