package dev.spool.kafka.network;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Splits a connection's bytes into request frames: a 4-byte big-endian length, then that many
 * bytes. The length is checked before anything is allocated for the frame: below the fixed header
 * or above {@code requestBytesMax}, the connection is closed with a log line and every later byte
 * is dropped. A frame is emitted only when all of it has arrived (a truncated one never is).
 */
final class FrameDecoder extends ByteToMessageDecoder {
    private static final Logger LOG = LoggerFactory.getLogger(FrameDecoder.class);
    static final int LENGTH_BYTES = 4;

    private final int requestBytesMin;
    private final int requestBytesMax;
    private boolean refused;

    FrameDecoder(int requestBytesMin, int requestBytesMax) {
        this.requestBytesMin = requestBytesMin;
        this.requestBytesMax = requestBytesMax;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (refused) {
            in.skipBytes(in.readableBytes());
            return;
        }
        while (in.readableBytes() >= LENGTH_BYTES) {
            int length = in.getInt(in.readerIndex());
            if (length < requestBytesMin || length > requestBytesMax) {
                refused = true;
                LOG.warn("Closing connection from {}: request length {} is outside [{}, {}] bytes",
                        ctx.channel().remoteAddress(), length, requestBytesMin, requestBytesMax);
                in.skipBytes(in.readableBytes());
                ctx.close();
                return;
            }
            if (in.readableBytes() < LENGTH_BYTES + length) {
                return;
            }
            in.skipBytes(LENGTH_BYTES);
            out.add(in.readRetainedSlice(length));
        }
    }
}
