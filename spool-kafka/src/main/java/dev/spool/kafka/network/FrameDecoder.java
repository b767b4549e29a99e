package dev.spool.kafka.network;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Splits a connection's bytes into request frames: a 4-byte big-endian length, then that many
 * bytes. The length is checked before anything is allocated for the frame: below the fixed header
 * or above {@code requestBytesMax}, the connection is closed with a log line and every later byte
 * is dropped. A frame is emitted only when all of it has arrived (a truncated one never is).
 *
 * <p>Once a frame's first byte has arrived, all of it must within {@code requestReadMsMax}, or the
 * connection is closed: a client that sends part of a large frame and stops, or trickles it a
 * byte at a time, cannot hold a buffer of up to {@code requestBytesMax} for long. The deadline is
 * per frame, on the connection's event loop; a complete frame cancels it.
 */
final class FrameDecoder extends ByteToMessageDecoder {
    private static final Logger LOG = LoggerFactory.getLogger(FrameDecoder.class);
    static final int LENGTH_BYTES = 4;

    private final int requestBytesMin;
    private final int requestBytesMax;
    private final long requestReadMsMax;
    private boolean refused;
    /** The deadline of the frame being read; null between frames. */
    private ScheduledFuture<?> deadline;

    FrameDecoder(int requestBytesMin, int requestBytesMax, long requestReadMsMax) {
        this.requestBytesMin = requestBytesMin;
        this.requestBytesMax = requestBytesMax;
        this.requestReadMsMax = requestReadMsMax;
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
                break;
            }
            in.skipBytes(LENGTH_BYTES);
            out.add(in.readRetainedSlice(length));
            cancelDeadline();
        }
        if (in.isReadable() && deadline == null) {
            deadline = ctx.executor().schedule(() -> expire(ctx), requestReadMsMax, TimeUnit.MILLISECONDS);
        }
    }

    private void expire(ChannelHandlerContext ctx) {
        deadline = null;
        if (refused || !ctx.channel().isActive()) {
            return;
        }
        refused = true;
        LOG.warn("Closing connection from {}: a request was not sent whole within {} ms ({} of its bytes came)",
                ctx.channel().remoteAddress(), requestReadMsMax, actualReadableBytes());
        ctx.close();
    }

    private void cancelDeadline() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        cancelDeadline();
    }
}
