package dev.spool.kafka.api;

import dev.spool.kafka.KafkaServerConfig;
import dev.spool.kafka.network.Listener;
import dev.spool.kafka.network.Session;
import java.net.InetSocketAddress;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.security.auth.SecurityProtocol;

/**
 * Where clients are told to connect (Metadata's broker, FindCoordinator's coordinator,
 * DescribeCluster's broker), per listener as Kafka's {@code advertised.listeners}: a client is
 * always told the endpoint of the listener its request came in on, so a TLS client stays on TLS
 * and a plaintext one on plaintext. Each listener advertises its configured advertised host and
 * port, falling back to its listen host and the port actually bound, which is known only once the
 * socket listens (port 0 picks one). Thread-safe.
 */
public final class AdvertisedAddress {
    private final Listener first;
    /** The advertised listener of each protocol, or its listen listener when none is configured. */
    private final Map<SecurityProtocol, Listener> configured = new EnumMap<>(SecurityProtocol.class);
    private final Map<SecurityProtocol, Integer> boundPorts = new ConcurrentHashMap<>();

    public AdvertisedAddress(KafkaServerConfig config) {
        this.first = config.listeners().get(0);
        for (Listener listener : config.listeners()) {
            configured.put(listener.protocol(), listener);
            boundPorts.put(listener.protocol(), listener.port());
        }
        for (Listener advertised : config.advertisedListeners()) {
            configured.put(advertised.protocol(), advertised);
        }
    }

    /** Records the ports the listeners bound. */
    public void bound(Map<Listener, InetSocketAddress> addresses) {
        addresses.forEach((listener, address) -> boundPorts.put(listener.protocol(), address.getPort()));
    }

    /** The host clients of {@code session}'s listener are told. */
    public String host(Session session) {
        return endpoint(session.listener().protocol()).host();
    }

    /** The port clients of {@code session}'s listener are told. */
    public int port(Session session) {
        return endpoint(session.listener().protocol()).port();
    }

    /** What each listener advertises, for the startup log. */
    public String describe() {
        StringBuilder text = new StringBuilder();
        for (SecurityProtocol protocol : configured.keySet()) {
            text.append(text.isEmpty() ? "" : ", ").append(endpoint(protocol));
        }
        return text.toString();
    }

    /** The advertised endpoint of a protocol's listener; the first listener's for a protocol the server lacks. */
    private Listener endpoint(SecurityProtocol protocol) {
        Listener listener = configured.getOrDefault(protocol, configured.get(first.protocol()));
        if (listener.port() != 0) {
            return listener;
        }
        return new Listener(listener.protocol(), listener.host(), boundPorts.getOrDefault(listener.protocol(), 0));
    }
}
