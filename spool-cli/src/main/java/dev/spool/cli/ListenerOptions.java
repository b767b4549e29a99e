package dev.spool.cli;

import dev.spool.kafka.KafkaServerConfig;
import dev.spool.kafka.network.Listener;
import dev.spool.kafka.network.TlsContexts;
import dev.spool.kafka.security.TlsSettings;
import dev.spool.kafka.security.TlsSettings.ClientAuth;
import dev.spool.kafka.security.TlsSettings.KeystoreFile;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The options of {@code spool serve} that say where it listens and how each listener is secured:
 * {@code --listen} (one plaintext listener) or {@code --listeners} (Kafka's {@code listeners}),
 * what is advertised, and the TLS material. Passwords are read from files, never taken on the
 * command line, where {@code ps} would show them to every user of the machine.
 *
 * <p>The safe default: a listener on an address other than loopback must authenticate its clients
 * (SASL_PLAINTEXT, SASL_SSL, or SSL with client certificates required); anything else needs
 * {@code --allow-remote-unauthenticated}.
 */
final class ListenerOptions {
    @Option(names = "--listen", paramLabel = "HOST:PORT",
            description = "One PLAINTEXT listener on this address (default: 127.0.0.1:9092; port 0 picks a free one).")
    String listen;
    @Option(names = "--listeners", paramLabel = "LISTENERS", description = "Listeners as Kafka's listeners setting "
            + "writes them, e.g. PLAINTEXT://127.0.0.1:9092,SSL://0.0.0.0:9093; one per protocol (PLAINTEXT, SSL, "
            + "SASL_PLAINTEXT, SASL_SSL). Not with --listen.")
    String listeners;
    @Option(names = "--advertise", paramLabel = "HOST:PORT",
            description = "Address clients of the first listener are told to connect to (default: its listen address).")
    String advertise;
    @Option(names = "--advertised-listeners", paramLabel = "LISTENERS", description = "Address clients of each "
            + "listener are told to connect to, e.g. SSL://kafka.example.com:9093 (Kafka's advertised.listeners; a "
            + "listener not named advertises its listen address). Not with --advertise.")
    String advertisedListeners;
    @Option(names = "--ssl-keystore", paramLabel = "FILE",
            description = "JKS or PKCS12 keystore with the server's key and certificate chain (SSL, SASL_SSL listeners).")
    Path keystore;
    @Option(names = "--ssl-keystore-password-file", paramLabel = "FILE",
            description = "File whose first line is the password of --ssl-keystore (and of its key).")
    Path keystorePasswordFile;
    @Option(names = "--ssl-certificate", paramLabel = "FILE",
            description = "PEM certificate chain of the server, its own certificate first (with --ssl-key).")
    Path certificate;
    @Option(names = "--ssl-key", paramLabel = "FILE",
            description = "PEM private key of --ssl-certificate: PKCS#8 (BEGIN PRIVATE KEY), not encrypted.")
    Path key;
    @Option(names = "--ssl-truststore", paramLabel = "FILE",
            description = "JKS or PKCS12 truststore of the certificates client certificates must chain to.")
    Path truststore;
    @Option(names = "--ssl-truststore-password-file", paramLabel = "FILE",
            description = "File whose first line is the password of --ssl-truststore.")
    Path truststorePasswordFile;
    @Option(names = "--ssl-ca", paramLabel = "FILE",
            description = "PEM file of the CA certificates client certificates must chain to (instead of --ssl-truststore).")
    Path caCertificates;
    @Option(names = "--ssl-client-auth", paramLabel = "none|requested|required", defaultValue = "none",
            description = "Whether SSL-listener clients present certificates (Kafka's ssl.client.auth; default: "
                    + "${DEFAULT-VALUE}). With required, a client's principal is User:<its certificate's subject DN>.")
    String clientAuth;

    /**
     * Applies the listeners, advertised listeners and TLS settings to {@code config}, after the
     * usage checks and the safe-default check, and loads the TLS material once so that a file the
     * server cannot use is reported before anything else happens.
     *
     * @throws ParameterException for a usage error or an unauthenticated remote listener not allowed
     * @throws IOException        naming a password file or TLS file that cannot be used
     */
    KafkaServerConfig applyTo(KafkaServerConfig config, CommandLine command, boolean allowRemoteUnauthenticated)
            throws IOException {
        List<Listener> parsed = listeners(command);
        ClientAuth auth = clientAuth(command);
        for (Listener listener : parsed) { // before any file is read
            requireAuthenticatingUnlessAllowed(command, listener, auth, allowRemoteUnauthenticated);
        }
        TlsSettings tls = tlsSettings(command, parsed, auth);
        KafkaServerConfig next = config.withListeners(parsed)
                .withSecurity(config.security().withTls(tls));
        if (advertise != null && advertisedListeners != null) {
            throw new ParameterException(command, "give --advertise or --advertised-listeners, not both");
        }
        try {
            if (advertise != null) {
                ServeCommand.HostPort at = ServeCommand.HostPort.parse(command, "--advertise", advertise);
                next = next.withAdvertised(at.host(), at.port());
            } else if (advertisedListeners != null) {
                next = next.withAdvertisedListeners(Listener.parseList(advertisedListeners));
            }
        } catch (IllegalArgumentException e) {
            throw new ParameterException(command, "--advertised-listeners: " + e.getMessage());
        }
        TlsContexts.create(tls, parsed);
        return next;
    }

    private List<Listener> listeners(CommandLine command) {
        if (listen != null && listeners != null) {
            throw new ParameterException(command, "give --listen or --listeners, not both");
        }
        if (listeners == null) {
            ServeCommand.HostPort at = ServeCommand.HostPort.parse(command, "--listen",
                    listen == null ? KafkaServerConfig.DEFAULT_HOST + ":" + KafkaServerConfig.DEFAULT_PORT : listen);
            return List.of(Listener.plaintext(at.host(), at.port()));
        }
        try {
            return Listener.parseList(listeners);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(command, "--listeners: " + e.getMessage());
        }
    }

    private ClientAuth clientAuth(CommandLine command) {
        try {
            return ClientAuth.parse(clientAuth);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(command, "--ssl-client-auth: " + e.getMessage());
        }
    }

    private TlsSettings tlsSettings(CommandLine command, List<Listener> listeners, ClientAuth auth) throws IOException {
        boolean anyTls = listeners.stream().anyMatch(Listener::usesTls);
        boolean tlsOptions = keystore != null || certificate != null || key != null || truststore != null
                || caCertificates != null || auth != ClientAuth.NONE;
        if (!anyTls) {
            if (tlsOptions) {
                throw new ParameterException(command, "--ssl-* options need an SSL or SASL_SSL listener (--listeners "
                        + "SSL://HOST:PORT); the listeners are " + listeners);
            }
            return TlsSettings.none();
        }
        if (keystore != null && (certificate != null || key != null)) {
            throw new ParameterException(command, "give --ssl-keystore or --ssl-certificate with --ssl-key, not both");
        }
        if ((certificate == null) != (key == null)) {
            throw new ParameterException(command, "--ssl-certificate and --ssl-key go together");
        }
        if (keystore == null && certificate == null) {
            throw new ParameterException(command, "listener " + listeners.stream().filter(Listener::usesTls)
                    .findFirst().orElseThrow() + " uses TLS: give --ssl-keystore (with --ssl-keystore-password-file)"
                    + " or --ssl-certificate and --ssl-key");
        }
        if (truststore != null && caCertificates != null) {
            throw new ParameterException(command, "give --ssl-truststore or --ssl-ca, not both");
        }
        if (auth != ClientAuth.NONE && truststore == null && caCertificates == null) {
            throw new ParameterException(command, "--ssl-client-auth " + auth.configName() + " needs --ssl-ca or "
                    + "--ssl-truststore: the certificates client certificates must chain to");
        }
        TlsSettings tls = TlsSettings.none();
        tls = keystore != null
                ? tls.withKeystore(new KeystoreFile(keystore, password(command, "--ssl-keystore", keystorePasswordFile)))
                : tls.withPem(new TlsSettings.PemIdentity(certificate, key));
        if (truststore != null) {
            tls = tls.withTruststore(new KeystoreFile(truststore,
                    password(command, "--ssl-truststore", truststorePasswordFile)));
        } else if (caCertificates != null) {
            tls = tls.withCaCertificates(caCertificates);
        }
        return tls.withClientAuth(auth);
    }

    /** The first line of a password file (without its line ending). */
    private static String password(CommandLine command, String option, Path file) throws IOException {
        if (file == null) {
            throw new ParameterException(command, option + " needs " + option + "-password-file FILE (the password"
                    + " in a file, since a command line is visible to every user of the machine)");
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IOException("cannot read " + option + "-password-file " + file + ": "
                    + SpoolCommand.describe(e), e);
        }
        int end = text.indexOf('\n');
        String line = end < 0 ? text : text.substring(0, end);
        return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
    }

    /**
     * A listener reachable from other machines must authenticate its clients, or anyone who reaches
     * it could read, write and delete every topic: that takes the user's explicit word.
     */
    private static void requireAuthenticatingUnlessAllowed(CommandLine command, Listener listener, ClientAuth auth,
                                                           boolean allowed) {
        boolean authenticates = listener.usesSasl()
                || listener.protocol() == SecurityProtocol.SSL && auth == ClientAuth.REQUIRED;
        if (allowed || authenticates || isLoopback(listener.host())) {
            return;
        }
        String why = listener.usesTls() ? "it does not authenticate clients (SSL without --ssl-client-auth required)"
                : "it does not authenticate clients (PLAINTEXT)";
        throw new ParameterException(command, "refusing listener " + listener + ": " + why + ", so any client that"
                + " reaches it could read, write and delete every topic; listen on 127.0.0.1, use SASL_SSL or SSL"
                + " with --ssl-client-auth required, or pass --allow-remote-unauthenticated to accept that");
    }

    static boolean isLoopback(String host) {
        try {
            for (InetAddress address : InetAddress.getAllByName(host)) {
                if (!address.isLoopbackAddress()) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException e) {
            return false; // the bind will say the host is unknown
        }
    }
}
