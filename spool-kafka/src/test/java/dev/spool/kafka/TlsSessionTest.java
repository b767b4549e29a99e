package dev.spool.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.kafka.network.ConnectionLimits;
import dev.spool.kafka.network.Listener;
import dev.spool.kafka.network.NetworkMetrics;
import dev.spool.kafka.network.NetworkServer;
import dev.spool.kafka.network.Session;
import dev.spool.kafka.network.TlsContexts;
import dev.spool.kafka.network.TlsSetupException;
import dev.spool.kafka.security.TlsSettings;
import dev.spool.kafka.security.TlsSettings.ClientAuth;
import dev.spool.kafka.security.TlsSettings.KeystoreFile;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the session of a TLS connection says about its client (seen by a request processor that
 * records it), and the start-up errors for TLS material the server cannot use.
 */
@Timeout(60)
class TlsSessionTest {
    @TempDir
    static Path certDir;
    static TestCertificates certs;

    @TempDir
    Path dir;

    @BeforeAll
    static void certificates() throws Exception {
        certs = TestCertificates.create(certDir);
    }

    @Test
    void aVerifiedClientCertificateMakesThePrincipalItsSubjectDn() throws Exception {
        TlsSettings tls = serverKeystore().withCaCertificates(certs.clientCertificatePem())
                .withClientAuth(ClientAuth.REQUIRED);
        Session session = firstRequestSession(tls, SecurityProtocol.SSL, true);
        assertThat(session.principal()).isEqualTo(new KafkaPrincipal("User", TestCertificates.CLIENT_DN));
        assertThat(session.principal().toString()).isEqualTo("User:CN=alice,OU=ops,O=spool-test");
        assertThat(session.isAuthenticated()).isTrue();
    }

    @Test
    void withRequestedClientAuthAClientWithoutACertificateIsAnonymous() throws Exception {
        TlsSettings tls = serverKeystore().withCaCertificates(certs.clientCertificatePem())
                .withClientAuth(ClientAuth.REQUESTED);
        Session session = firstRequestSession(tls, SecurityProtocol.SSL, false);
        assertThat(session.principal()).isEqualTo(KafkaPrincipal.ANONYMOUS);
        assertThat(firstRequestSession(tls, SecurityProtocol.SSL, true).principal().getName())
                .isEqualTo(TestCertificates.CLIENT_DN);
    }

    @Test
    void aSaslSslListenerAsksNoClientCertificateAndLeavesAuthenticationToSasl() throws Exception {
        TlsSettings tls = serverKeystore().withCaCertificates(certs.clientCertificatePem())
                .withClientAuth(ClientAuth.REQUIRED);
        Session session = firstRequestSession(tls, SecurityProtocol.SASL_SSL, false);
        assertThat(session.isAuthenticated()).isFalse();
        assertThat(session.principal()).isEqualTo(KafkaPrincipal.ANONYMOUS);
    }

    @Test
    void tlsMaterialTheServerCannotUseIsOneErrorNamingTheFile() throws Exception {
        Path missing = dir.resolve("missing.p12");
        Path notAKeystore = Files.writeString(dir.resolve("notes.txt"), "hello");
        Path pkcs1 = Files.writeString(dir.resolve("rsa.pem"), "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");
        assertSetupError(TlsSettings.keystore(missing, "x"), "the TLS keystore " + missing + " does not exist");
        assertSetupError(TlsSettings.keystore(notAKeystore, "x"),
                "the TLS keystore " + notAKeystore + " is not a JKS or PKCS12 keystore");
        assertSetupError(TlsSettings.keystore(certs.serverKeystore(), "wrong"),
                "cannot open the TLS keystore " + certs.serverKeystore() + ": the password is wrong");
        assertSetupError(TlsSettings.keystore(certs.clientTruststore(), TestCertificates.PASSWORD),
                "the keystore " + certs.clientTruststore() + " holds no private key (only certificates): the server"
                        + " needs its own key and certificate");
        assertSetupError(TlsSettings.pem(certs.serverCertificatePem(), certs.clientKeyPem()),
                "the PEM private key " + certs.clientKeyPem() + " does not belong to the first certificate of "
                        + certs.serverCertificatePem());
        assertSetupError(TlsSettings.pem(certs.serverCertificatePem(), pkcs1),
                "the PEM private key " + pkcs1 + " holds a PKCS#1 RSA key; expected an unencrypted PKCS#8 key"
                        + " (-----BEGIN PRIVATE KEY-----; `openssl pkcs8 -topk8 -nocrypt` converts one)");
        assertSetupError(TlsSettings.pem(notAKeystore, certs.serverKeyPem()),
                "the PEM certificate chain " + notAKeystore + " is not PEM X.509 certificates (No certificate data found)");
        assertSetupError(serverKeystore().withCaCertificates(missing).withClientAuth(ClientAuth.REQUIRED),
                "the TLS CA certificate file " + missing + " does not exist");
        assertSetupError(serverKeystore().withTruststore(new KeystoreFile(certs.clientTruststore(), "wrong"))
                .withClientAuth(ClientAuth.REQUIRED),
                "cannot open the TLS truststore " + certs.clientTruststore() + ": the password is wrong");
    }

    @Test
    void settingsThatContradictThemselvesAreRefused() {
        assertThatThrownBy(() -> TlsSettings.keystore(certs.serverKeystore(), "x")
                .withPem(new TlsSettings.PemIdentity(certs.serverCertificatePem(), certs.serverKeyPem())))
                .hasMessageContaining("not both");
        assertThatThrownBy(() -> serverKeystore().withClientAuth(ClientAuth.REQUIRED))
                .hasMessage("client auth required needs a truststore or CA certificates to verify client certificates with");
        assertThatThrownBy(() -> ClientAuth.parse("maybe"))
                .hasMessage("client auth 'maybe' is not one of none, requested, required");
        assertThat(ClientAuth.parse("Required")).isEqualTo(ClientAuth.REQUIRED);
        assertThat(new KeystoreFile(certs.serverKeystore(), "secret").toString()).doesNotContain("secret");
    }

    @Test
    void aTlsListenerWithoutATlsContextIsRefusedBeforeItBinds() {
        List<Listener> listeners = List.of(new Listener(SecurityProtocol.SSL, "127.0.0.1", 0));
        assertThatThrownBy(() -> NetworkServer.start(listeners, 1 << 20, 16, ConnectionLimits.defaults(), 1,
                (frame, session) -> CompletableFuture.completedFuture(Optional.empty()), NetworkMetrics.NONE).close())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("listener SSL://127.0.0.1:0 uses TLS but no TLS context was set up for it (no TLS settings given)");
    }

    private static TlsSettings serverKeystore() {
        return TlsSettings.keystore(certs.serverKeystore(), TestCertificates.PASSWORD);
    }

    private static void assertSetupError(TlsSettings settings, String message) {
        assertThatThrownBy(() -> TlsContexts.create(settings, List.of(new Listener(SecurityProtocol.SSL, "127.0.0.1", 0))))
                .isInstanceOf(TlsSetupException.class).hasMessage(message);
    }

    /**
     * Connects over TLS to a listener of {@code protocol} (presenting the client certificate if
     * asked), sends one frame, and returns the session the processor saw it with.
     */
    private static Session firstRequestSession(TlsSettings tls, SecurityProtocol protocol, boolean presentCertificate)
            throws Exception {
        CompletableFuture<Session> seen = new CompletableFuture<>();
        List<Listener> listeners = List.of(new Listener(protocol, "127.0.0.1", 0));
        try (NetworkServer server = NetworkServer.start(listeners, TlsContexts.create(tls, listeners), 1 << 20, 16,
                ConnectionLimits.defaults(), 1, (frame, session) -> {
                    seen.complete(session);
                    return CompletableFuture.completedFuture(Optional.empty());
                }, NetworkMetrics.NONE)) {
            SSLContext context = SSLContext.getInstance("TLS");
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(TestCertificates.load(certs.serverKeystore()));
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(TestCertificates.load(certs.clientKeystore()), TestCertificates.PASSWORD.toCharArray());
            context.init(presentCertificate ? keys.getKeyManagers() : null, trust.getTrustManagers(), null);
            try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1",
                    server.localAddress().getPort())) {
                OutputStream out = socket.getOutputStream();
                out.write(new byte[] {0, 0, 0, 10, 0, 18, 0, 0, 0, 0, 0, 1, 0, 0});
                out.flush();
                return seen.get(30, TimeUnit.SECONDS);
            }
        }
    }
}
