package dev.spool.kafka.network;

import dev.spool.kafka.protocol.Response;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** What the network layer hands each request frame to. */
public interface RequestProcessor {

    /**
     * Handles one request frame (the bytes after the length prefix; the processor owns the buffer).
     * Completes with the response to send, or empty when the request gets none (Produce with
     * acks=0); completes exceptionally with a
     * {@link dev.spool.kafka.protocol.MalformedRequestException} (or any error) to close the
     * connection, which then affects nothing else. {@code session} is the connection's: who sent
     * the request, from where, on which listener.
     *
     * <p>Called on the connection's event loop. For a Produce request the processor must have
     * handed every batch to its log (or refused it) before it returns, so that the request's place
     * in each log is fixed: the connection then starts its next Produce while this one waits for
     * its acknowledgement (see {@link ConnectionHandler}). Anything that may block for long belongs
     * on another thread.
     */
    CompletableFuture<Optional<Response>> process(ByteBuffer frame, Session session);
}
