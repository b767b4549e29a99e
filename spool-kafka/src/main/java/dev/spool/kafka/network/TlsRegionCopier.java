package dev.spool.kafka.network;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.FileRegion;
import io.netty.handler.codec.MessageToMessageEncoder;
import java.io.EOFException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.List;

/**
 * Reads the file regions of a zero-copy Fetch response into buffers on a TLS connection: the bytes
 * must be encrypted, so they pass through the heap whatever happens, and Netty's TLS handler takes
 * buffers only. Sits between the TLS handler and the rest of the pipeline; the region is released
 * once copied. Stateless, but one instance per connection like the other handlers.
 */
final class TlsRegionCopier extends MessageToMessageEncoder<FileRegion> {

    TlsRegionCopier() {
        super(FileRegion.class);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, FileRegion region, List<Object> out) throws Exception {
        long count = region.count() - region.transferred();
        ByteBuf copy = ctx.alloc().buffer(Math.toIntExact(count));
        try {
            WritableByteChannel sink = new BufferSink(copy);
            while (region.transferred() < region.count()) {
                if (region.transferTo(sink, region.transferred()) == 0) {
                    throw new EOFException("the file region ended after " + region.transferred() + " of its "
                            + region.count() + " bytes");
                }
            }
            out.add(copy);
        } catch (Exception e) {
            copy.release();
            throw e;
        }
    }

    /** A channel that appends what is written to a buffer (the region's {@code transferTo} target). */
    private record BufferSink(ByteBuf into) implements WritableByteChannel {
        @Override
        public int write(ByteBuffer source) {
            int bytes = source.remaining();
            into.writeBytes(source);
            return bytes;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }
}
