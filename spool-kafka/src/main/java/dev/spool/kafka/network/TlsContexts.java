package dev.spool.kafka.network;

import dev.spool.kafka.security.TlsSettings;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.security.Principal;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManagerFactory;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;

/**
 * The TLS side of the server's listeners: one Netty {@link SslContext} per TLS protocol
 * ({@code SSL}, {@code SASL_SSL}), built once when the server starts from {@link TlsSettings}, and
 * the handler each connection of such a listener starts its pipeline with.
 *
 * <p>Client certificates are asked for on the {@code SSL} listener only, as Kafka applies
 * {@code ssl.client.auth} there: a {@code SASL_SSL} client authenticates with SASL. A verified
 * client certificate makes the connection's principal {@code User:} followed by the certificate's
 * subject distinguished name as RFC 2253 writes it ({@code User:CN=alice,OU=ops,O=example}), which
 * is Kafka's default principal for an SSL client. Immutable and thread-safe (an {@link SslContext}
 * is shared by every connection of its listener).
 */
public final class TlsContexts {
    /** How long a client has to complete the TLS handshake before the connection is closed. */
    public static final long HANDSHAKE_TIMEOUT_MS = 10_000;

    private final Map<SecurityProtocol, SslContext> contexts;

    private TlsContexts(Map<SecurityProtocol, SslContext> contexts) {
        this.contexts = contexts;
    }

    /** For servers without a TLS listener. */
    public static TlsContexts none() {
        return new TlsContexts(Map.of());
    }

    /**
     * Loads the TLS material for the TLS listeners among {@code listeners}; without one, reads
     * nothing.
     *
     * @throws TlsSetupException naming the file that cannot be used and why, or saying that a TLS
     *                           listener has no certificate
     */
    public static TlsContexts create(TlsSettings settings, List<Listener> listeners) throws TlsSetupException {
        List<Listener> tls = listeners.stream().filter(Listener::usesTls).toList();
        if (tls.isEmpty()) {
            return none();
        }
        if (!settings.hasIdentity()) {
            throw new TlsSetupException("listener " + tls.get(0) + " uses TLS but the server has no certificate:"
                    + " give a keystore, or a PEM certificate chain and private key");
        }
        KeyManagerFactory keys = TlsMaterial.keyManagers(settings);
        Optional<TrustManagerFactory> trust = TlsMaterial.trustManagers(settings);
        Map<SecurityProtocol, SslContext> contexts = new EnumMap<>(SecurityProtocol.class);
        for (Listener listener : tls) {
            ClientAuth clientAuth = listener.protocol() == SecurityProtocol.SSL ? netty(settings.clientAuth())
                    : ClientAuth.NONE;
            SslContextBuilder builder = SslContextBuilder.forServer(keys).sslProvider(SslProvider.JDK)
                    .clientAuth(clientAuth);
            trust.ifPresent(builder::trustManager);
            try {
                contexts.put(listener.protocol(), builder.build());
            } catch (SSLException e) {
                throw new TlsSetupException("cannot set up TLS for listener " + listener + ": " + e.getMessage(), e);
            }
        }
        return new TlsContexts(contexts);
    }

    private static ClientAuth netty(TlsSettings.ClientAuth clientAuth) {
        return switch (clientAuth) {
            case NONE -> ClientAuth.NONE;
            case REQUESTED -> ClientAuth.OPTIONAL;
            case REQUIRED -> ClientAuth.REQUIRE;
        };
    }

    /** Checks, before a listener binds, that its connections will find their TLS context. */
    void requireContextFor(Listener listener) {
        if (listener.usesTls() && !contexts.containsKey(listener.protocol())) {
            throw new IllegalArgumentException("listener " + listener + " uses TLS but no TLS context was set up for"
                    + " it (no TLS settings given)");
        }
    }

    /**
     * Starts the pipeline of a new connection on {@code listener} with the TLS handler (and the
     * copier that turns zero-copy file regions into buffers it can encrypt); nothing for a
     * listener without TLS.
     */
    void addFirst(ChannelPipeline pipeline, Listener listener) {
        if (!listener.usesTls()) {
            return;
        }
        SslContext context = contexts.get(listener.protocol());
        if (context == null) {
            throw new IllegalStateException("no TLS context for listener " + listener);
        }
        SslHandler handler = context.newHandler(pipeline.channel().alloc());
        handler.setHandshakeTimeoutMillis(HANDSHAKE_TIMEOUT_MS);
        pipeline.addFirst("tls-regions", new TlsRegionCopier());
        pipeline.addFirst("tls", handler);
    }

    /**
     * The principal a verified client certificate proves, {@code User:<subject DN>}; empty when
     * the client presented none (client auth not required).
     */
    static Optional<KafkaPrincipal> peerPrincipal(SSLSession session) {
        try {
            Principal peer = session.getPeerPrincipal();
            return Optional.of(new KafkaPrincipal(KafkaPrincipal.USER_TYPE, peer.getName()));
        } catch (SSLPeerUnverifiedException e) {
            return Optional.empty();
        }
    }
}
