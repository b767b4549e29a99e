package dev.spool.kafka.network;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import org.apache.kafka.common.security.auth.SecurityProtocol;

/**
 * One address the server listens on and the security protocol spoken there, written as Kafka's
 * {@code listeners} setting writes it: {@code PLAINTEXT://127.0.0.1:9092},
 * {@code SASL_SSL://0.0.0.0:9094}. The listener's name is its protocol's name, so a server has
 * at most one listener per protocol (Kafka's {@code listener.security.protocol.map}, which lets
 * names differ from protocols, is not supported).
 *
 * @param protocol how connections on this listener are secured and authenticated
 * @param host     interface to bind (an empty host is not allowed; {@code 0.0.0.0} binds every interface)
 * @param port     port to bind; 0 picks a free one
 */
public record Listener(SecurityProtocol protocol, String host, int port) {

    public Listener {
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(host, "host");
        if (host.isEmpty()) {
            throw new IllegalArgumentException("the host of a " + protocol + " listener is empty");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("the port of a " + protocol + " listener must be 0 to 65535, was " + port);
        }
    }

    /** A listener without encryption or authentication. */
    public static Listener plaintext(String host, int port) {
        return new Listener(SecurityProtocol.PLAINTEXT, host, port);
    }

    /** The listener's name, as clients and Kafka's settings call it: its protocol's name. */
    public String name() {
        return protocol.name;
    }

    /** Whether connections must authenticate with SASL before any request but ApiVersions and the SASL ones. */
    public boolean usesSasl() {
        return protocol == SecurityProtocol.SASL_PLAINTEXT || protocol == SecurityProtocol.SASL_SSL;
    }

    /** Whether connections are wrapped in TLS. */
    public boolean usesTls() {
        return protocol == SecurityProtocol.SSL || protocol == SecurityProtocol.SASL_SSL;
    }

    /**
     * Parses {@code PROTOCOL://host:port}; an IPv6 host is written in brackets
     * ({@code PLAINTEXT://[::1]:9092}).
     *
     * @throws IllegalArgumentException naming the text and what was expected
     */
    public static Listener parse(String text) {
        Objects.requireNonNull(text, "text");
        int scheme = text.indexOf("://");
        if (scheme <= 0) {
            throw new IllegalArgumentException("listener '" + text + "' is not PROTOCOL://host:port"
                    + " (PROTOCOL one of " + protocolNames() + ")");
        }
        String protocolName = text.substring(0, scheme).toUpperCase(Locale.ROOT);
        SecurityProtocol protocol;
        try {
            protocol = SecurityProtocol.forName(protocolName);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("listener '" + text + "' names an unknown protocol '"
                    + text.substring(0, scheme) + "' (expected one of " + protocolNames() + ")");
        }
        String address = text.substring(scheme + 3);
        int colon = address.lastIndexOf(':');
        if (colon <= 0 || colon == address.length() - 1) {
            throw new IllegalArgumentException("listener '" + text + "' has no host:port after '://'");
        }
        String host = address.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(address.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("listener '" + text + "' has a port that is not a number: '"
                    + address.substring(colon + 1) + "'");
        }
        try {
            return new Listener(protocol, host, port);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("listener '" + text + "': " + e.getMessage());
        }
    }

    /**
     * Parses a comma-separated list such as Kafka's {@code listeners} setting; each protocol may
     * appear once.
     */
    public static List<Listener> parseList(String text) {
        List<Listener> listeners = new ArrayList<>();
        Set<SecurityProtocol> seen = new HashSet<>();
        for (String part : text.split(",")) {
            if (part.isBlank()) {
                continue;
            }
            Listener listener = parse(part.trim());
            if (!seen.add(listener.protocol())) {
                throw new IllegalArgumentException("listeners '" + text + "' name " + listener.name()
                        + " twice; each protocol may have one listener");
            }
            listeners.add(listener);
        }
        if (listeners.isEmpty()) {
            throw new IllegalArgumentException("listeners '" + text + "' name no listener");
        }
        return List.copyOf(listeners);
    }

    private static String protocolNames() {
        return String.join(", ", SecurityProtocol.names());
    }

    @Override
    public String toString() {
        return name() + "://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
