package dev.spool.kafka.network;

/**
 * What one client, or many, may hold of the server: connections, time, request and response bytes.
 * Each is named after the Kafka broker setting it follows, and defaults to Kafka's value where Kafka
 * has one and that value is bounded.
 *
 * @param connectionsPerIpMax most connections open at once from one IP address (Kafka's
 *                            {@code max.connections.per.ip}; no limit by default, as in Kafka); more
 *                            are closed on accept, so one host cannot take every slot
 * @param connectionIdleMsMax a connection with no request in flight and no bytes read or written for
 *                            this long is closed (Kafka's {@code connections.max.idle.ms}, 10 minutes)
 * @param requestReadMsMax    once the first byte of a request frame has arrived, all of it must arrive
 *                            within this time, or the connection is closed: a client that sends most of a
 *                            large frame and stops, or one byte a second, holds its buffer no longer
 *                            (Kafka has no such setting; 60 s, twice a client's default request timeout)
 * @param fetchBytesMax       most record bytes one Fetch response carries, whatever the request asks
 *                            (Kafka's broker {@code fetch.max.bytes}, 55 MiB); a first batch larger than
 *                            this is still sent whole, as Kafka does, so a consumer always makes progress
 * @param queuedRequestBytesMax most bytes of request frames held at once by all connections together,
 *                            being read, queued or handled (Kafka's {@code queued.max.request.bytes}, which
 *                            is unbounded by default there; 256 MiB here, room for two requests of the
 *                            largest default size and many small ones); a connection whose next frame
 *                            does not fit stops reading until it does ({@link RequestMemoryPool}). It must
 *                            be at least the largest request accepted, or such a request could never be read
 */
public record ConnectionLimits(int connectionsPerIpMax, long connectionIdleMsMax, long requestReadMsMax,
                               int fetchBytesMax, long queuedRequestBytesMax) {
    public static final long DEFAULT_CONNECTION_IDLE_MS_MAX = 600_000L;
    public static final long DEFAULT_REQUEST_READ_MS_MAX = 60_000L;
    public static final int DEFAULT_FETCH_BYTES_MAX = 55 << 20;
    public static final long DEFAULT_QUEUED_REQUEST_BYTES_MAX = 256L << 20;

    public ConnectionLimits {
        if (connectionsPerIpMax < 1) {
            throw new IllegalArgumentException("connectionsPerIpMax must be at least 1, was " + connectionsPerIpMax);
        }
        if (connectionIdleMsMax < 1 || requestReadMsMax < 1) {
            throw new IllegalArgumentException("connectionIdleMsMax (" + connectionIdleMsMax + ") and requestReadMsMax ("
                    + requestReadMsMax + ") must be at least 1 ms");
        }
        if (fetchBytesMax < 1) {
            throw new IllegalArgumentException("fetchBytesMax must be at least 1, was " + fetchBytesMax);
        }
        if (queuedRequestBytesMax < 1) {
            throw new IllegalArgumentException("queuedRequestBytesMax must be at least 1, was " + queuedRequestBytesMax);
        }
    }

    /**
     * Kafka's defaults: no per-address limit, 10 minutes idle, 55 MiB per fetch; a minute to read a
     * request and 256 MiB of requests held at once.
     */
    public static ConnectionLimits defaults() {
        return new ConnectionLimits(Integer.MAX_VALUE, DEFAULT_CONNECTION_IDLE_MS_MAX, DEFAULT_REQUEST_READ_MS_MAX,
                DEFAULT_FETCH_BYTES_MAX, DEFAULT_QUEUED_REQUEST_BYTES_MAX);
    }

    public ConnectionLimits withConnectionsPerIpMax(int connections) {
        return new ConnectionLimits(connections, connectionIdleMsMax, requestReadMsMax, fetchBytesMax,
                queuedRequestBytesMax);
    }

    public ConnectionLimits withConnectionIdleMsMax(long ms) {
        return new ConnectionLimits(connectionsPerIpMax, ms, requestReadMsMax, fetchBytesMax, queuedRequestBytesMax);
    }

    public ConnectionLimits withRequestReadMsMax(long ms) {
        return new ConnectionLimits(connectionsPerIpMax, connectionIdleMsMax, ms, fetchBytesMax, queuedRequestBytesMax);
    }

    public ConnectionLimits withFetchBytesMax(int bytes) {
        return new ConnectionLimits(connectionsPerIpMax, connectionIdleMsMax, requestReadMsMax, bytes,
                queuedRequestBytesMax);
    }

    public ConnectionLimits withQueuedRequestBytesMax(long bytes) {
        return new ConnectionLimits(connectionsPerIpMax, connectionIdleMsMax, requestReadMsMax, fetchBytesMax, bytes);
    }
}
