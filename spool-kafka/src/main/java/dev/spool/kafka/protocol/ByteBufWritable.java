package dev.spool.kafka.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.protocol.Writable;
import org.apache.kafka.common.record.internal.BaseRecords;

/**
 * kafka-clients' {@link Writable} over Netty buffers: what lets the generated {@code *Data}
 * classes encode a response straight into pooled memory. Records that live in a segment file
 * ({@link FileRecordsSlice}) are not copied: the buffer written so far is closed as one part, the
 * file region becomes the next, and writing continues in a fresh buffer, so the channel sends the
 * stored batches with {@code transferTo} (zero copy).
 *
 * <p>Not thread-safe; one per response. {@link #finish()} hands over the parts, in order: each a
 * {@link ByteBuf} or a {@link io.netty.channel.FileRegion}, every one of them owned by the caller.
 */
final class ByteBufWritable implements Writable {
    private static final int CHUNK_BYTES_MIN = 256;

    private final ByteBufAllocator allocator;
    private final List<Object> parts = new ArrayList<>();
    private ByteBuf current;
    private int remainingHint;

    /** {@code sizeHint}: the bytes the whole response will take, to size the first buffer. */
    ByteBufWritable(ByteBufAllocator allocator, int sizeHint) {
        this.allocator = allocator;
        this.remainingHint = sizeHint;
        this.current = allocator.buffer(Math.max(CHUNK_BYTES_MIN, sizeHint));
    }

    ByteBuf current() {
        return current;
    }

    @Override
    public void writeByte(byte value) {
        current.writeByte(value);
    }

    @Override
    public void writeShort(short value) {
        current.writeShort(value);
    }

    @Override
    public void writeInt(int value) {
        current.writeInt(value);
    }

    @Override
    public void writeLong(long value) {
        current.writeLong(value);
    }

    @Override
    public void writeDouble(double value) {
        current.writeDouble(value);
    }

    @Override
    public void writeByteArray(byte[] bytes) {
        current.writeBytes(bytes);
    }

    @Override
    public void writeUnsignedVarint(int value) {
        int v = value;
        while ((v & 0xFFFFFF80) != 0) {
            current.writeByte((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        current.writeByte(v);
    }

    @Override
    public void writeByteBuffer(ByteBuffer buffer) {
        current.writeBytes(buffer.duplicate());
    }

    @Override
    public void writeVarint(int value) {
        writeUnsignedVarint((value << 1) ^ (value >> 31));
    }

    @Override
    public void writeVarlong(long value) {
        long v = (value << 1) ^ (value >> 63);
        while ((v & 0xFFFFFFFFFFFFFF80L) != 0L) {
            current.writeByte(((int) v & 0x7F) | 0x80);
            v >>>= 7;
        }
        current.writeByte((int) v);
    }

    @Override
    public void writeRecords(BaseRecords records) {
        if (records instanceof FileRecordsSlice slice) {
            remainingHint -= current.readableBytes() + slice.sizeInBytes();
            parts.add(current);
            parts.add(slice.takeRegion());
            current = allocator.buffer(Math.min(64 << 10, Math.max(CHUNK_BYTES_MIN, remainingHint)));
        } else {
            Writable.super.writeRecords(records);
        }
    }

    /** The parts written, in order; the writable must not be used afterwards. */
    List<Object> finish() {
        if (current.isReadable() || parts.isEmpty()) {
            parts.add(current);
        } else {
            current.release();
        }
        current = null;
        return parts;
    }

    /** Releases everything written (when encoding failed half-way). */
    void discard() {
        for (Object part : parts) {
            io.netty.util.ReferenceCountUtil.release(part);
        }
        parts.clear();
        if (current != null) {
            current.release();
            current = null;
        }
    }
}
