package dev.spool.kafka.network;

/** What the network layer reports; {@link dev.spool.kafka.metrics.ServerMetrics} records it. */
public interface NetworkMetrics {
    void connectionOpened();

    void connectionClosed();

    void connectionRefused();

    /** A connection closed for being idle longer than {@link ConnectionLimits#connectionIdleMsMax()}. */
    default void connectionIdleClosed() {
    }

    void bytesReceived(long bytes);

    void bytesSent(long bytes);

    /** Records nothing. */
    NetworkMetrics NONE = new NetworkMetrics() {
        @Override
        public void connectionOpened() {
        }

        @Override
        public void connectionClosed() {
        }

        @Override
        public void connectionRefused() {
        }

        @Override
        public void bytesReceived(long bytes) {
        }

        @Override
        public void bytesSent(long bytes) {
        }
    };
}
