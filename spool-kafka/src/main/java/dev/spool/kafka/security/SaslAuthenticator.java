package dev.spool.kafka.security;

import dev.spool.kafka.network.Session;
import dev.spool.kafka.protocol.ParsedRequest;
import dev.spool.kafka.protocol.Response;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.CallbackHandler;
import javax.security.auth.callback.NameCallback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.sasl.SaslException;
import javax.security.sasl.SaslServer;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.plain.PlainAuthenticateCallback;
import org.apache.kafka.common.security.plain.internals.PlainSaslServer;
import org.apache.kafka.common.security.scram.ScramCredential;
import org.apache.kafka.common.security.scram.ScramCredentialCallback;
import org.apache.kafka.common.security.scram.internals.ScramFormatter;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SaslHandshake and SaslAuthenticate: the SASL exchange that turns a connection on a
 * {@code SASL_*} listener from unauthenticated into a user's. The mechanisms themselves are
 * kafka-clients' server implementations ({@link PlainSaslServer}, {@code ScramSaslServer}); this
 * class drives them, frames their tokens as Kafka does from SaslHandshake v1 on (each token in a
 * SaslAuthenticate request; SaslHandshake v0, whose tokens are bare frames, is refused), and
 * answers their questions from the {@link CredentialStore}.
 *
 * <p>The protocol, as Kafka's broker speaks it: ApiVersions (optional), SaslHandshake naming a
 * mechanism, then SaslAuthenticate until the mechanism completes. A mechanism the server does not
 * offer is answered UNSUPPORTED_SASL_MECHANISM with the offered ones; a failed authentication is
 * answered SASL_AUTHENTICATION_FAILED with a message; either way the connection is then closed
 * ({@link Session#closeAfterResponse()}) and one line is logged with the client's address and the
 * user it claimed. The session never expires (session lifetime 0), so clients do not re-authenticate.
 *
 * <p>PLAIN needs no clear passwords: the password a client sends is salted and hashed with the
 * salt and iteration count of the user's stored SCRAM credential and compared with the stored key
 * in constant time. An unknown user costs as much work as a user with a default credential
 * (SCRAM-SHA-256, 4096 iterations), so the answer's timing does not tell which users exist.
 *
 * <p>Thread-safe: the per-connection state lives in the {@link Session}, whose requests are
 * handled one at a time.
 */
public final class SaslAuthenticator {
    private static final Logger LOG = LoggerFactory.getLogger(SaslAuthenticator.class);
    public static final String PLAIN = PlainSaslServer.PLAIN_MECHANISM;
    /** Checked against when a PLAIN user is unknown, so the answer takes as long as for a known one. */
    private static final ScramCredential UNKNOWN_USER = CredentialStore.credential(ScramMechanism.SCRAM_SHA_256,
            "no such user", CredentialStore.DEFAULT_ITERATIONS);

    private final List<String> enabled;
    private final CredentialStore credentials;

    public SaslAuthenticator(SaslSettings settings, CredentialStore credentials) {
        this.enabled = SaslSettings.SUPPORTED.stream().filter(settings.mechanisms()::contains).toList();
        this.credentials = Objects.requireNonNull(credentials, "credentials");
    }

    /** Whether a request of {@code key} may be served on {@code session} before it authenticated. */
    public static boolean allowedBeforeAuthentication(ApiKeys key) {
        return key == ApiKeys.API_VERSIONS || key == ApiKeys.SASL_HANDSHAKE || key == ApiKeys.SASL_AUTHENTICATE;
    }

    /** The exchange of one connection between SaslHandshake and the end of SaslAuthenticate. */
    private static final class Exchange {
        final String mechanism;
        final SaslServer server;
        /** The user the client claimed, once the mechanism has asked for its credential. */
        volatile String user = "";

        Exchange(String mechanism, SaslAuthenticator authenticator) {
            this.mechanism = mechanism;
            this.server = server(mechanism, authenticator.new Callbacks(this, mechanism));
        }
    }

    public Response handshake(ParsedRequest request, Session session) {
        String mechanism = ((SaslHandshakeRequestData) request.request().data()).mechanism();
        SaslHandshakeResponseData body = new SaslHandshakeResponseData().setMechanisms(enabled);
        if (!session.listener().usesSasl() || session.isAuthenticated()) {
            // As Kafka's broker: the exchange belongs to the start of a SASL connection only.
            return Response.to(request, body.setErrorCode(Errors.ILLEGAL_SASL_STATE.code()));
        }
        if (session.saslExchange() != null) {
            LOG.info("Closing connection from {}:{}: a second SaslHandshake during the SASL exchange",
                    session.clientHost(), session.clientPort());
            session.closeAfterResponse();
            return Response.to(request, body.setErrorCode(Errors.ILLEGAL_SASL_STATE.code()));
        }
        if (request.version() == 0) {
            // Version 0 would have the tokens follow as bare frames, which this server does not read.
            LOG.info("Failed authentication from {}:{}: SaslHandshake v0 (bare SASL tokens) is not supported;"
                    + " the client must send v1 and SaslAuthenticate", session.clientHost(), session.clientPort());
            session.closeAfterResponse();
            return Response.to(request, body.setErrorCode(Errors.UNSUPPORTED_VERSION.code()));
        }
        if (!enabled.contains(mechanism)) {
            LOG.info("Failed authentication from {}:{}: SASL mechanism '{}' is not enabled (enabled: {})",
                    session.clientHost(), session.clientPort(), mechanism, enabled);
            session.closeAfterResponse();
            return Response.to(request, body.setErrorCode(Errors.UNSUPPORTED_SASL_MECHANISM.code()));
        }
        session.saslExchange(new Exchange(mechanism, this));
        return Response.to(request, body.setErrorCode(Errors.NONE.code()));
    }

    public Response authenticate(ParsedRequest request, Session session) {
        byte[] token = ((SaslAuthenticateRequestData) request.request().data()).authBytes();
        SaslAuthenticateResponseData body = new SaslAuthenticateResponseData();
        if (!session.listener().usesSasl() || session.isAuthenticated()) {
            return Response.to(request, body.setErrorCode(Errors.ILLEGAL_SASL_STATE.code())
                    .setErrorMessage("SaslAuthenticate request received after successful authentication"));
        }
        if (!(session.saslExchange() instanceof Exchange exchange)) {
            LOG.info("Failed authentication from {}:{}: SaslAuthenticate before SaslHandshake",
                    session.clientHost(), session.clientPort());
            session.closeAfterResponse();
            return Response.to(request, body.setErrorCode(Errors.ILLEGAL_SASL_STATE.code())
                    .setErrorMessage("SaslAuthenticate request received before SaslHandshake"));
        }
        try {
            byte[] challenge = exchange.server.evaluateResponse(token);
            if (exchange.server.isComplete()) {
                String user = exchange.server.getAuthorizationID();
                session.saslExchange(null);
                session.authenticated(new KafkaPrincipal(KafkaPrincipal.USER_TYPE, user));
                LOG.debug("Authenticated user '{}' with {} from {}:{}", user, exchange.mechanism,
                        session.clientHost(), session.clientPort());
            }
            return Response.to(request, body.setErrorCode(Errors.NONE.code())
                    .setAuthBytes(challenge == null ? new byte[0] : challenge).setSessionLifetimeMs(0));
        } catch (SaslException | AuthenticationException e) {
            // A SaslAuthenticationException's message is meant for the client; a plain SaslException's
            // may tell whether the user exists, so the client gets Kafka's generic message instead.
            String message = e instanceof SaslAuthenticationException ? e.getMessage()
                    : "Authentication failed during authentication due to invalid credentials with SASL mechanism "
                    + exchange.mechanism;
            LOG.info("Failed authentication of user '{}' with {} from {}:{}: {}", exchange.user, exchange.mechanism,
                    session.clientHost(), session.clientPort(), e.getMessage());
            session.saslExchange(null);
            session.closeAfterResponse();
            return Response.to(request, body.setErrorCode(Errors.SASL_AUTHENTICATION_FAILED.code())
                    .setErrorMessage(message));
        }
    }

    private static SaslServer server(String mechanism, CallbackHandler callbacks) {
        if (PLAIN.equals(mechanism)) {
            return new PlainSaslServer(callbacks);
        }
        try {
            return new org.apache.kafka.common.security.scram.internals.ScramSaslServer(
                    ScramMechanism.forMechanismName(mechanism), Map.of(), callbacks);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("The JVM cannot compute " + mechanism, e);
        }
    }

    /**
     * Answers the mechanism's questions: the user's SCRAM credential (SCRAM), whether a password is
     * the user's (PLAIN). Delegation tokens are not supported: their callback is refused.
     */
    private final class Callbacks implements CallbackHandler {
        private final Exchange exchange;
        private final String mechanism;

        Callbacks(Exchange exchange, String mechanism) {
            this.exchange = exchange;
            this.mechanism = mechanism;
        }

        @Override
        public void handle(Callback[] callbacks) throws UnsupportedCallbackException {
            String user = null;
            for (Callback callback : callbacks) {
                if (callback instanceof NameCallback name) {
                    user = name.getDefaultName();
                    exchange.user = user;
                } else if (callback instanceof ScramCredentialCallback scram) {
                    scram.scramCredential(user == null ? null
                            : credentials.find(user, ScramMechanism.forMechanismName(mechanism)).orElse(null));
                } else if (callback instanceof PlainAuthenticateCallback plain) {
                    plain.authenticated(user != null && passwordMatches(user, plain.password()));
                } else {
                    throw new UnsupportedCallbackException(callback);
                }
            }
        }
    }

    /**
     * Whether {@code password} is the one the user's SCRAM credential was made from: salted with
     * its salt and iterations, hashed to the stored key, and compared in constant time. SCRAM-SHA-256
     * is tried first (it is cheaper), then SCRAM-SHA-512: a user made by Kafka's tools may have
     * only one.
     */
    boolean passwordMatches(String user, char[] password) {
        Optional<ScramCredential> stored = credentials.find(user, ScramMechanism.SCRAM_SHA_256);
        ScramMechanism mechanism = ScramMechanism.SCRAM_SHA_256;
        if (stored.isEmpty()) {
            stored = credentials.find(user, ScramMechanism.SCRAM_SHA_512);
            mechanism = ScramMechanism.SCRAM_SHA_512;
        }
        ScramCredential credential = stored.orElse(UNKNOWN_USER);
        if (stored.isEmpty()) {
            mechanism = ScramMechanism.SCRAM_SHA_256;
        }
        try {
            ScramFormatter formatter = CredentialStore.formatter(mechanism);
            byte[] salted = formatter.saltedPassword(new String(password), credential.salt(), credential.iterations());
            byte[] storedKey = formatter.storedKey(formatter.clientKey(salted));
            return MessageDigest.isEqual(storedKey, credential.storedKey()) && stored.isPresent();
        } catch (InvalidKeyException e) {
            throw new IllegalStateException("Cannot compute " + mechanism.macAlgorithm(), e);
        }
    }

    /** The mechanisms offered, for the log line at start. */
    public List<String> enabledMechanisms() {
        return enabled;
    }
}
