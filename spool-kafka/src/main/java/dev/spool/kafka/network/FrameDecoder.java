package dev.spool.kafka.network;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Splits a connection's bytes into request frames: a 4-byte big-endian length, then that many
 * bytes, passed on as a {@link RequestFrame}. The length is checked before anything is allocated
 * for the frame: below the fixed header or above {@code requestBytesMax}, the connection is closed
 * with a log line and every later byte is dropped. A frame is passed on only when all of it has
 * arrived (a truncated one never is).
 *
 * <p>Memory: a frame's whole length is reserved in the server's {@link RequestMemoryPool} once its
 * length prefix is read, and only then is a buffer of exactly that length taken from Netty's
 * pooled direct allocator and filled (so nothing grows past the frame, no buffer is copied as it
 * grows, no garbage is left per request, and a Produce's batches are written to the log from it
 * without another copy). The {@link RequestFrame} owns it from then on. When the pool has no
 * room, the connection stops reading ({@code autoRead} off) and waits; a release wakes it to ask
 * again. While it waits it holds at most what the socket read that brought the prefix carried
 * beyond it. The next handler is told with {@link MemoryWait} events, so that it does not turn
 * reading back on meanwhile.
 *
 * <p>Once a frame's first byte has arrived, all of it must within {@code requestReadMsMax}, or the
 * connection is closed: a client that sends part of a large frame and stops, or trickles it a
 * byte at a time, cannot hold its reservation for long. Time spent waiting for the pool is not
 * counted (the server, not the client, is what stops the frame then): the deadline starts again
 * when the reservation is granted. Deadline, state and waits are handled on the connection's
 * event loop; only the pool's wake-up call comes from another thread, and it just schedules work
 * onto that loop.
 */
final class FrameDecoder extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(FrameDecoder.class);
    static final int LENGTH_BYTES = 4;

    /** Told to the next handler: reading stopped to wait for the pool, and the wait is over. */
    enum MemoryWait { STARTED, ENDED }

    private final int requestBytesMin;
    private final int requestBytesMax;
    private final long requestReadMsMax;
    private final RequestMemoryPool pool;
    /** Registered with the pool while waiting; one instance, so that it can be cancelled. */
    private final Runnable waiter = this::wake;
    private ChannelHandlerContext context;
    /** Bytes read but not yet in a frame; only ever non-empty between calls while waiting. */
    private ByteBuf pending;
    /** Bytes of the current frame's length prefix that have arrived (4 once it is whole). */
    private int prefixBytes;
    private int length;
    /** The frame being filled (a pooled buffer of exactly its length), reserved in the pool; null until then. */
    private ByteBuf frame;
    private boolean waiting;
    private boolean refused;
    private boolean closed;
    /** The deadline of the frame being read; null between frames and while waiting. */
    private ScheduledFuture<?> deadline;

    FrameDecoder(int requestBytesMin, int requestBytesMax, long requestReadMsMax, RequestMemoryPool pool) {
        this.requestBytesMin = requestBytesMin;
        this.requestBytesMax = requestBytesMax;
        this.requestReadMsMax = requestReadMsMax;
        this.pool = pool;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        context = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        if (refused || closed) {
            in.release();
            return;
        }
        pending = pending == null ? in : merge(ctx, pending, in);
        drain(ctx);
    }

    /** Moves pending bytes into frames, passing each on when whole, until the bytes run out or the pool does. */
    private void drain(ChannelHandlerContext ctx) {
        while (!refused && !closed && !waiting && pending != null && pending.isReadable()) {
            if (frame == null) {
                while (prefixBytes < LENGTH_BYTES && pending.isReadable()) {
                    length = (length << 8) | pending.readUnsignedByte();
                    prefixBytes++;
                }
                if (prefixBytes < LENGTH_BYTES) {
                    break;
                }
                if (length < requestBytesMin || length > requestBytesMax) {
                    refuse(ctx);
                    return;
                }
                if (!pool.reserveOrWait(length, waiter)) {
                    startWaiting(ctx);
                    break;
                }
                frame = ctx.alloc().directBuffer(length, length);
            }
            pending.readBytes(frame, Math.min(pending.readableBytes(), frame.writableBytes()));
            if (!frame.isWritable()) {
                RequestFrame whole = new RequestFrame(frame, pool);
                frame = null;
                prefixBytes = 0;
                length = 0;
                cancelDeadline();
                ctx.fireChannelRead(whole);
            }
        }
        if (pending != null && !pending.isReadable()) {
            pending.release();
            pending = null;
        }
        if (!refused && !closed && !waiting && prefixBytes > 0 && deadline == null) {
            deadline = ctx.executor().schedule(() -> expire(ctx), requestReadMsMax, TimeUnit.MILLISECONDS);
        }
    }

    private void refuse(ChannelHandlerContext ctx) {
        refused = true;
        LOG.warn("Closing connection from {}: request length {} is outside [{}, {}] bytes",
                ctx.channel().remoteAddress(), length, requestBytesMin, requestBytesMax);
        discard();
        ctx.close();
    }

    private void startWaiting(ChannelHandlerContext ctx) {
        waiting = true;
        cancelDeadline();
        ctx.channel().config().setAutoRead(false);
        LOG.debug("Connection from {} waits for room for a request of {} bytes ({} of {} reserved)",
                ctx.channel().remoteAddress(), length, pool.reservedBytes(), pool.bytesMax());
        ctx.fireUserEventTriggered(MemoryWait.STARTED);
    }

    /** Run by the pool after a release, on the releasing thread. */
    private void wake() {
        try {
            context.executor().execute(this::retry);
        } catch (RejectedExecutionException e) {
            // the event loop is gone: the server is stopping and the connection with it
        }
    }

    private void retry() {
        if (!waiting || closed) {
            return;
        }
        waiting = false;
        drain(context);
        if (!waiting && !closed && !refused) {
            context.fireUserEventTriggered(MemoryWait.ENDED);
        }
    }

    private void expire(ChannelHandlerContext ctx) {
        deadline = null;
        if (refused || closed || !ctx.channel().isActive()) {
            return;
        }
        refused = true;
        LOG.warn("Closing connection from {}: a request was not sent whole within {} ms ({} of its bytes came)",
                ctx.channel().remoteAddress(), requestReadMsMax, prefixBytes + (frame == null ? 0 : frame.readableBytes()));
        discard();
        ctx.close();
    }

    private void cancelDeadline() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }

    /** Gives back everything this connection holds: the wait, the frame's reservation, the pending bytes. */
    private void discard() {
        cancelDeadline();
        if (waiting) {
            pool.cancel(waiter);
            waiting = false;
        }
        if (frame != null) {
            pool.release(frame.capacity());
            frame.release();
            frame = null;
        }
        if (pending != null) {
            pending.release();
            pending = null;
        }
    }

    private static ByteBuf merge(ChannelHandlerContext ctx, ByteBuf first, ByteBuf second) {
        ByteBuf merged = ctx.alloc().buffer(first.readableBytes() + second.readableBytes());
        merged.writeBytes(first).writeBytes(second);
        first.release();
        second.release();
        return merged;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        closed = true;
        discard();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        closed = true;
        discard();
    }
}
