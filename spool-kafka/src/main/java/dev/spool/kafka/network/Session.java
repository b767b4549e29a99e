package dev.spool.kafka.network;

import java.util.Objects;
import org.apache.kafka.common.security.auth.KafkaPrincipal;

/**
 * What the server knows about one client connection: the listener it came in on, the client's
 * address, and who it is once authenticated. Handlers read it to authorize a request and to
 * record the client (JoinGroup's client host).
 *
 * <p>A connection on a listener without SASL is authenticated from the start, as
 * {@link KafkaPrincipal#ANONYMOUS} (or the identity its TLS certificate proves); on a SASL listener
 * it starts unauthenticated and the SASL exchange sets its principal. Requests of one connection
 * are handled one at a time, each after the previous one was answered, so the fields are written
 * by one request and read by the next: they are volatile for that hand-over, never contended.
 */
public final class Session {
    private final Listener listener;
    private final String clientHost;
    private final int clientPort;
    private volatile KafkaPrincipal principal;
    private volatile boolean authenticated;
    /** The SASL exchange in progress (the authenticator's own state object), or null. */
    private volatile Object saslExchange;
    /** Set by a handler whose response must be the connection's last (a failed authentication). */
    private volatile boolean closeAfterResponse;

    public Session(Listener listener, String clientHost, int clientPort) {
        this.listener = Objects.requireNonNull(listener, "listener");
        this.clientHost = Objects.requireNonNull(clientHost, "clientHost");
        this.clientPort = clientPort;
        this.principal = KafkaPrincipal.ANONYMOUS;
        this.authenticated = !listener.usesSasl();
    }

    /** A session on a plaintext listener, for tests and in-process callers. */
    public static Session plaintext(String clientHost, int clientPort) {
        return new Session(Listener.plaintext("127.0.0.1", 0), clientHost, clientPort);
    }

    public Listener listener() {
        return listener;
    }

    public String clientHost() {
        return clientHost;
    }

    public int clientPort() {
        return clientPort;
    }

    /** Who the client is: {@link KafkaPrincipal#ANONYMOUS} until it authenticates. */
    public KafkaPrincipal principal() {
        return principal;
    }

    /** Whether requests other than ApiVersions and the SASL exchange may be served on this connection. */
    public boolean isAuthenticated() {
        return authenticated;
    }

    /** Records a successful authentication (SASL, or a verified TLS client certificate). */
    public void authenticated(KafkaPrincipal who) {
        this.principal = Objects.requireNonNull(who, "who");
        this.authenticated = true;
    }

    /** The state of a SASL exchange begun by SaslHandshake, for the next SaslAuthenticate; null if none. */
    public Object saslExchange() {
        return saslExchange;
    }

    public void saslExchange(Object exchange) {
        this.saslExchange = exchange;
    }

    /**
     * Asks the network layer to close the connection once the response to the current request is
     * written, and to handle no further request of it: how a failed SASL exchange ends, as in Kafka.
     */
    public void closeAfterResponse() {
        this.closeAfterResponse = true;
    }

    public boolean isClosingAfterResponse() {
        return closeAfterResponse;
    }

    @Override
    public String toString() {
        return principal + " from " + clientHost + ":" + clientPort + " on " + listener.name();
    }
}
