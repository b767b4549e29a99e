package dev.spool.kafka.api;

import dev.spool.kafka.KafkaServerConfig;

/**
 * Where clients are told to connect (Metadata's broker, FindCoordinator's coordinator): the
 * configured advertised host and port, falling back to the listen host and the port actually
 * bound, which is known only once the socket listens (port 0 picks one). Thread-safe.
 */
public final class AdvertisedAddress {
    private final String host;
    private final int configuredPort;
    private volatile int boundPort;

    public AdvertisedAddress(KafkaServerConfig config) {
        this.host = config.advertisedHost().isEmpty() ? config.listenHost() : config.advertisedHost();
        this.configuredPort = config.advertisedPort();
        this.boundPort = config.listenPort();
    }

    /** Records the port the listener bound. */
    public void bound(int port) {
        this.boundPort = port;
    }

    public String host() {
        return host;
    }

    public int port() {
        return configuredPort != 0 ? configuredPort : boundPort;
    }
}
