package dev.spool.kafka.network;

/** What the network layer reports; {@link dev.spool.kafka.metrics.ServerMetrics} records it. */
public interface NetworkMetrics {
    void connectionOpened();

    void connectionClosed();

    void connectionRefused();

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
