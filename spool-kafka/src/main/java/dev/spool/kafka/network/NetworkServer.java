package dev.spool.kafka.network;

import dev.spool.kafka.protocol.RequestDecoder;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listening socket and its connections, on Netty's NIO transport (NIO because it sends a
 * {@link io.netty.channel.FileRegion} of any kind with {@code transferTo}, which keeps Fetch zero-copy
 * through Spool's file interface).
 *
 * <p>Listens on one socket per {@link Listener}; each connection's {@link Session} knows which. A
 * connection of a TLS listener starts its pipeline with the TLS handler ({@link TlsContexts}), so
 * framing and everything after see plain bytes; a TLS listener sends Fetch data through the heap.
 * Owns one acceptor thread and a few I/O threads; request handling itself happens wherever
 * the {@link RequestProcessor} puts it. Connections beyond {@code connectionsMax}, or beyond
 * {@link ConnectionLimits#connectionsPerIpMax()} from one address, are closed as soon as they are
 * accepted; a connection idle for {@link ConnectionLimits#connectionIdleMsMax()} is closed
 * ({@link ConnectionHandler}), and so is one that starts a request and does not finish sending it
 * within {@link ConnectionLimits#requestReadMsMax()} ({@link FrameDecoder}). Shutdown is in two steps so that the owner can wake waiting requests
 * in between: {@link #stopAccepting()} closes the listening socket and stops every connection from
 * reading more requests; {@link #close(long)} waits (bounded) for the requests in flight to be
 * answered, then closes the connections and the threads. Thread-safe.
 */
public final class NetworkServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NetworkServer.class);

    private final EventLoopGroup acceptor;
    private final EventLoopGroup workers;
    /** The listening sockets, one per listener, in the order the listeners were given. */
    private final Map<Listener, Channel> listening = new java.util.LinkedHashMap<>();
    private final NetworkMetrics metrics;
    private final int connectionsMax;
    private final ConnectionLimits limits;
    private final TlsContexts tls;
    /** Open connections per client address, for {@link ConnectionLimits#connectionsPerIpMax()}. */
    private final Map<InetAddress, Integer> perAddress = new ConcurrentHashMap<>();
    private final Set<Channel> connections = ConcurrentHashMap.newKeySet();
    private final AtomicInteger connectionCount = new AtomicInteger();
    private final EncodingFailures encodingFailures = new EncodingFailures();
    /** Request frames held by all connections, bounded by {@link ConnectionLimits#queuedRequestBytesMax()}. */
    private final RequestMemoryPool requestMemory;
    private final Object idleMonitor = new Object();
    private int inFlight;
    private volatile boolean draining;
    private volatile boolean closed;

    private NetworkServer(EventLoopGroup acceptor, EventLoopGroup workers, NetworkMetrics metrics, int connectionsMax,
                          ConnectionLimits limits, TlsContexts tls, RequestMemoryPool requestMemory) {
        this.acceptor = acceptor;
        this.requestMemory = requestMemory;
        this.workers = workers;
        this.metrics = metrics;
        this.connectionsMax = connectionsMax;
        this.limits = limits;
        this.tls = tls;
    }

    /**
     * Binds every listener (port 0 picks a free one) and starts serving; nothing listens if one
     * cannot be bound.
     *
     * @param ioThreads how many event-loop threads serve the connections
     */
    public static NetworkServer start(List<Listener> listeners, int requestBytesMax, int connectionsMax,
                                      ConnectionLimits limits, int ioThreads, RequestProcessor processor,
                                      NetworkMetrics metrics) throws IOException {
        return start(listeners, TlsContexts.none(), requestBytesMax, connectionsMax, limits, ioThreads, processor,
                metrics);
    }

    /**
     * Binds every listener as above; connections of the TLS listeners start with a handshake in
     * {@code tls}'s context.
     */
    public static NetworkServer start(List<Listener> listeners, TlsContexts tls, int requestBytesMax,
                                      int connectionsMax, ConnectionLimits limits, int ioThreads,
                                      RequestProcessor processor, NetworkMetrics metrics) throws IOException {
        RequestMemoryPool requestMemory = new RequestMemoryPool(limits.queuedRequestBytesMax(), requestBytesMax);
        EventLoopGroup acceptor = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("spool-kafka-accept", true),
                NioIoHandler.newFactory());
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(ioThreads,
                new DefaultThreadFactory("spool-kafka-io", true), NioIoHandler.newFactory());
        NetworkServer server = new NetworkServer(acceptor, workers, metrics, connectionsMax, limits, tls,
                requestMemory);
        try {
            for (Listener listener : listeners) {
                tls.requireContextFor(listener);
                ServerBootstrap bootstrap = server.bootstrap(listener, requestBytesMax, processor);
                try {
                    server.listening.put(listener,
                            bootstrap.bind(new InetSocketAddress(listener.host(), listener.port())).sync().channel());
                } catch (Exception e) {
                    if (e instanceof InterruptedException) {
                        Thread.currentThread().interrupt();
                    }
                    throw new IOException("Cannot listen on " + listener + ": " + e.getMessage(), e);
                }
            }
            return server;
        } catch (IOException | RuntimeException e) {
            server.listening.values().forEach(channel -> channel.close().syncUninterruptibly());
            acceptor.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            workers.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw e;
        }
    }

    private ServerBootstrap bootstrap(Listener listener, int requestBytesMax, RequestProcessor processor) {
        return new ServerBootstrap()
                .group(acceptor, workers)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 256)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        register(channel, listener, requestBytesMax, processor);
                    }
                });
    }

    private void register(SocketChannel channel, Listener listener, int requestBytesMax, RequestProcessor processor) {
        if (draining || connectionCount.incrementAndGet() > connectionsMax) {
            if (!draining) {
                connectionCount.decrementAndGet();
                LOG.warn("Refusing connection from {}: {} connections already open (the maximum)",
                        channel.remoteAddress(), connectionsMax);
            }
            metrics.connectionRefused();
            channel.close();
            return;
        }
        if (channel.remoteAddress() == null) { // gone before it was registered
            connectionCount.decrementAndGet();
            channel.close();
            return;
        }
        InetAddress address = channel.remoteAddress().getAddress();
        int fromAddress = perAddress.merge(address, 1, Integer::sum);
        if (fromAddress > limits.connectionsPerIpMax()) {
            perAddress.merge(address, -1, (a, b) -> a + b == 0 ? null : a + b);
            connectionCount.decrementAndGet();
            LOG.warn("Refusing connection from {}: {} connections from {} already open (max.connections.per.ip)",
                    channel.remoteAddress(), limits.connectionsPerIpMax(), address.getHostAddress());
            metrics.connectionRefused();
            channel.close();
            return;
        }
        connections.add(channel);
        metrics.connectionOpened();
        channel.closeFuture().addListener(done -> {
            connections.remove(channel);
            perAddress.merge(address, -1, (a, b) -> a + b == 0 ? null : a + b);
            connectionCount.decrementAndGet();
            metrics.connectionClosed();
        });
        channel.pipeline()
                .addLast("idle", new IdleStateHandler(0, 0, limits.connectionIdleMsMax(), TimeUnit.MILLISECONDS))
                .addLast("frames", new FrameDecoder(RequestDecoder.HEADER_FIXED_BYTES, requestBytesMax,
                        limits.requestReadMsMax(), requestMemory))
                .addLast("requests", new ConnectionHandler(processor, this, listener));
        tls.addFirst(channel.pipeline(), listener);
    }

    /** The address the first listener listens on (with the real port when 0 was asked). */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) listening.values().iterator().next().localAddress();
    }

    /** Where each listener listens (with the real port when 0 was asked), in the order they were given. */
    public Map<Listener, InetSocketAddress> boundAddresses() {
        Map<Listener, InetSocketAddress> bound = new java.util.LinkedHashMap<>();
        listening.forEach((listener, channel) -> bound.put(listener, (InetSocketAddress) channel.localAddress()));
        return bound;
    }

    public int connectionCount() {
        return connections.size();
    }

    /**
     * Bytes of request frames held now by all connections (being read, queued or handled), at most
     * {@link ConnectionLimits#queuedRequestBytesMax()}.
     */
    public long queuedRequestBytes() {
        return requestMemory.reservedBytes();
    }

    /** The pool behind {@link #queuedRequestBytes()}, for tests. */
    RequestMemoryPool requestMemory() {
        return requestMemory;
    }

    EncodingFailures encodingFailures() {
        return encodingFailures;
    }

    /** How many responses could not be encoded at their version and were answered with an error instead. */
    public long encodingFailureCount() {
        return encodingFailures.count();
    }

    NetworkMetrics metrics() {
        return metrics;
    }

    boolean isDraining() {
        return draining;
    }

    void requestStarted() {
        synchronized (idleMonitor) {
            inFlight++;
        }
    }

    void requestFinished() {
        synchronized (idleMonitor) {
            inFlight--;
            if (inFlight == 0) {
                idleMonitor.notifyAll();
            }
        }
    }

    /** Closes the listening socket and stops every connection from reading further requests. */
    public void stopAccepting() {
        if (draining) {
            return;
        }
        draining = true;
        listening.values().forEach(channel -> channel.close().syncUninterruptibly());
        for (Channel channel : connections) {
            channel.eventLoop().execute(() -> channel.config().setAutoRead(false));
        }
    }

    /**
     * Waits up to {@code timeoutMs} for requests in flight to be answered, then closes every
     * connection and stops the threads.
     */
    @Override
    public void close() {
        close(0);
    }

    public void close(long timeoutMs) {
        if (closed) {
            return;
        }
        closed = true;
        stopAccepting();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        synchronized (idleMonitor) {
            while (inFlight > 0) {
                long leftMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (leftMs <= 0) {
                    LOG.warn("Closing with {} request(s) still in flight after {} ms", inFlight, timeoutMs);
                    break;
                }
                try {
                    idleMonitor.wait(leftMs);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        for (Channel channel : connections) {
            channel.close();
        }
        // Responses already handed to a channel are flushed before it closes; then the loops stop.
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        acceptor.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
