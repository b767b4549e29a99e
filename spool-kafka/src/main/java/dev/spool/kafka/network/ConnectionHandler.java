package dev.spool.kafka.network;

import dev.spool.kafka.protocol.MalformedRequestException;
import dev.spool.kafka.protocol.Response;
import dev.spool.kafka.protocol.ResponseEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateEvent;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import javax.net.ssl.SSLException;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: requests are answered in the order they arrived, as Kafka does (clients
 * pipeline up to five; ordering is what they rely on).
 *
 * <p>All state is touched only on the connection's event loop. A frame's bytes are handed to the
 * {@link RequestProcessor}. As a rule the next request starts when the previous one is done (its
 * response written, or for a request that gets none, when it is done), so requests take effect in
 * order. The exception is a run of Produce requests: the processor has handed a Produce's batches
 * to the logs by the time {@code process} returns (see {@link RequestProcessor}), which fixes their
 * place in each log, so the next Produce may start while earlier ones wait for their
 * acknowledgement; up to {@link #PIPELINED_PRODUCES_MAX} are in flight, and their appends share
 * the logs' fsyncs. Answers still go out strictly in request order: a finished request waits for
 * the ones before it. Any other request waits until nothing is in flight, and nothing starts while
 * it runs.
 *
 * <p>Frames that arrive meanwhile queue up; past {@link #QUEUED_FRAMES_MAX} the connection stops
 * reading, and it also waits while the socket is not writable, so a client that sends without
 * reading cannot make the server buffer without bound. Each frame keeps its reservation in the
 * {@link RequestMemoryPool} until its request is answered (the processor, and the log writing its
 * batches, hold its bytes until then) or the connection closes. Reading resumes only when neither
 * the queue nor the {@link FrameDecoder}'s wait for the pool holds it back. A malformed request, or
 * any failure, closes this connection only.
 */
final class ConnectionHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionHandler.class);
    static final int QUEUED_FRAMES_MAX = 8;
    /** Produce requests of one connection in flight at once: Kafka clients send at most five. */
    static final int PIPELINED_PRODUCES_MAX = 5;

    private final RequestProcessor processor;
    private final NetworkServer server;
    private final ArrayDeque<RequestFrame> queued = new ArrayDeque<>();
    /**
     * Requests started and not yet answered, in arrival order: either one request of any kind, or
     * up to {@link #PIPELINED_PRODUCES_MAX} Produce requests.
     */
    private final ArrayDeque<InFlight> inFlight = new ArrayDeque<>();
    /** Whether the {@link FrameDecoder} stopped reading to wait for request memory. */
    private boolean waitingForMemory;
    private final Listener listener;
    private Session session;
    /** Set while {@link #advance} runs, so that a request completing inside it does not re-enter it. */
    private boolean advancing;
    private boolean closed;

    /** A started request: its frame (held until it is answered) and, once done, its outcome. */
    private static final class InFlight {
        final RequestFrame frame;
        final boolean produce;
        Optional<Response> response;
        Throwable error;
        /** Written last by the completing thread; the event loop reads the outcome after it. */
        volatile boolean done;

        InFlight(RequestFrame frame, boolean produce) {
            this.frame = frame;
            this.produce = produce;
        }
    }

    ConnectionHandler(RequestProcessor processor, NetworkServer server, Listener listener) {
        this.processor = processor;
        this.server = server;
        this.listener = listener;
        this.session = new Session(listener, "", 0);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        SocketAddress remote = ctx.channel().remoteAddress();
        if (remote instanceof InetSocketAddress inet) {
            session = new Session(listener, inet.getAddress().getHostAddress(), inet.getPort());
        }
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        RequestFrame frame = (RequestFrame) msg;
        if (closed) {
            frame.release();
            return;
        }
        server.metrics().bytesReceived(frame.size() + FrameDecoder.LENGTH_BYTES);
        queued.add(frame);
        if (queued.size() >= QUEUED_FRAMES_MAX) {
            ctx.channel().config().setAutoRead(false);
        }
        advance(ctx);
    }

    /**
     * Answers the finished requests at the head of the line, in order, and starts the queued ones
     * that may start, until neither makes progress.
     */
    private void advance(ChannelHandlerContext ctx) {
        if (advancing) {
            return;
        }
        advancing = true;
        try {
            boolean progress = true;
            while (progress) {
                progress = answerFinished(ctx);
                if (closed) {
                    return;
                }
                resumeReading(ctx);
                while (!closed && mayStartNext(ctx)) {
                    start(ctx, queued.poll());
                    progress = true;
                }
            }
        } finally {
            advancing = false;
        }
    }

    private boolean mayStartNext(ChannelHandlerContext ctx) {
        if (queued.isEmpty() || !ctx.channel().isWritable()) {
            return false;
        }
        if (inFlight.isEmpty()) {
            return true;
        }
        return inFlight.size() < PIPELINED_PRODUCES_MAX && inFlight.peekLast().produce && isProduce(queued.peek());
    }

    private static boolean isProduce(RequestFrame frame) {
        return frame.apiKey() == ApiKeys.PRODUCE.id;
    }

    private void start(ChannelHandlerContext ctx, RequestFrame frame) {
        InFlight request = new InFlight(frame, isProduce(frame));
        inFlight.add(request);
        server.requestStarted();
        CompletableFuture<Optional<Response>> future;
        try {
            future = processor.process(frame.buffer(), session);
        } catch (RuntimeException e) {
            future = CompletableFuture.failedFuture(e);
        }
        future.whenComplete((response, error) -> {
            request.response = response;
            request.error = error;
            request.done = true;
            if (ctx.executor().inEventLoop()) {
                advance(ctx);
                return;
            }
            try {
                ctx.executor().execute(() -> advance(ctx));
            } catch (RejectedExecutionException e) { // the event loop is gone: the server is stopping
                frame.release();
                server.requestFinished();
            }
        });
    }

    /** Writes the answers of the finished requests at the head of the line; whether there were any. */
    private boolean answerFinished(ChannelHandlerContext ctx) {
        boolean answered = false;
        boolean written = false;
        while (!inFlight.isEmpty() && inFlight.peek().done) { // after a close, only counted as finished
            InFlight request = inFlight.poll();
            answered = true;
            server.requestFinished();
            request.frame.release();
            if (!closed) {
                written |= answer(ctx, request);
            }
        }
        if (written && !closed) {
            ctx.flush();
        }
        return answered;
    }

    /** Writes one request's answer (unflushed) or closes the connection; whether anything was written. */
    private boolean answer(ChannelHandlerContext ctx, InFlight request) {
        Throwable error = request.error;
        if (error != null) {
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (cause instanceof MalformedRequestException) {
                LOG.warn("Closing connection from {}: {}", describe(), cause.getMessage());
            } else {
                LOG.error("Closing connection from {}: request failed: {}", describe(), cause.toString(), cause);
            }
            ctx.flush();
            close(ctx);
            return false;
        }
        boolean written = false;
        if (request.response.isPresent()) {
            Optional<List<Object>> encoded = encode(request.response.get(), ctx);
            if (encoded.isEmpty()) {
                ctx.flush();
                close(ctx);
                return false;
            }
            long bytes = 0;
            for (Object part : encoded.get()) {
                bytes += part instanceof ByteBuf buf ? buf.readableBytes()
                        : ((io.netty.channel.FileRegion) part).count();
                ctx.write(part);
            }
            server.metrics().bytesSent(bytes);
            written = true;
        }
        if (session.isClosingAfterResponse()) { // the answer to a failed authentication: sent, then closed
            closed = true;
            releaseUnanswered();
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            return false;
        }
        return written;
    }

    /** Turns reading back on unless the queue is full, the decoder waits for memory, or the server stops. */
    private void resumeReading(ChannelHandlerContext ctx) {
        if (!ctx.channel().config().isAutoRead() && queued.size() < QUEUED_FRAMES_MAX && !waitingForMemory
                && !server.isDraining()) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    /**
     * The frame of {@code response}, or when it cannot be encoded at its version, the frame of the
     * API's own error response to the same request (see {@link EncodingFailures}); empty when
     * neither can be encoded, and the connection is closed.
     */
    private Optional<List<Object>> encode(Response response, ChannelHandlerContext ctx) {
        try {
            return Optional.of(ResponseEncoder.encode(response, ctx.alloc()));
        } catch (RuntimeException e) {
            server.encodingFailures().failed(response, e);
            Optional<Response> fallback = response.asError(Errors.UNKNOWN_SERVER_ERROR);
            if (fallback.isPresent()) {
                try {
                    return Optional.of(ResponseEncoder.encode(fallback.get(), ctx.alloc()));
                } catch (RuntimeException again) {
                    e.addSuppressed(again);
                }
            }
            LOG.error("Closing connection from {}: neither the {} v{} response nor its error response can be encoded: {}",
                    describe(), response.apiKey(), response.version(), e.toString());
            return Optional.empty();
        }
    }

    /**
     * Closes a connection idle for {@link ConnectionLimits#connectionIdleMsMax()}, unless a request of it is in hand;
     * notes the end of a TLS handshake.
     */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof SslHandshakeCompletionEvent handshake) {
            tlsHandshakeDone(ctx, handshake);
        }
        if (event instanceof FrameDecoder.MemoryWait wait) {
            waitingForMemory = wait == FrameDecoder.MemoryWait.STARTED;
            if (!waitingForMemory && !closed) {
                resumeReading(ctx);
            }
            return;
        }
        if (event instanceof IdleStateEvent && inFlight.isEmpty() && queued.isEmpty() && !waitingForMemory && !closed) {
            LOG.debug("Closing connection from {}: idle longer than connections.max.idle.ms", describe());
            server.metrics().connectionIdleClosed();
            close(ctx);
            return;
        }
        super.userEventTriggered(ctx, event);
    }

    /**
     * On an {@code SSL} listener a verified client certificate names the principal (before the
     * first request is read: the TLS handler reports the handshake before passing on data).
     */
    private void tlsHandshakeDone(ChannelHandlerContext ctx, SslHandshakeCompletionEvent handshake) {
        if (!handshake.isSuccess()) {
            LOG.info("TLS handshake with {} failed: {}", describe(), handshake.cause().getMessage() != null
                    ? handshake.cause().getMessage() : handshake.cause().toString());
            return;
        }
        if (listener.protocol() == SecurityProtocol.SSL) {
            TlsContexts.peerPrincipal(ctx.pipeline().get(SslHandler.class).engine().getSession())
                    .ifPresent(session::authenticated);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        advance(ctx);
        super.channelWritabilityChanged(ctx);
    }

    private void close(ChannelHandlerContext ctx) {
        closed = true;
        releaseUnanswered();
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        closed = true;
        releaseUnanswered();
        super.channelInactive(ctx);
    }

    /** Returns the reservations of the queued frames; requests in flight keep theirs until they are done. */
    private void releaseUnanswered() {
        RequestFrame frame;
        while ((frame = queued.poll()) != null) {
            frame.release();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable thrown) {
        // The TLS handler wraps what it cannot decrypt (a plaintext client, a failed handshake).
        Throwable cause = thrown instanceof DecoderException && thrown.getCause() instanceof SSLException
                ? thrown.getCause() : thrown;
        if (cause instanceof IOException) {
            LOG.debug("Connection from {} failed: {}", describe(), cause.getMessage());
        } else {
            LOG.warn("Closing connection from {}: {}", describe(), cause.toString());
        }
        close(ctx);
    }

    private String describe() {
        return session.clientHost() + ":" + session.clientPort() + " (" + listener.name() + ")";
    }
}
