package dev.spool.kafka.security;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The certificate and key a server presents on its {@code SSL} and {@code SASL_SSL} listeners, and
 * which client certificates it trusts. Immutable; nothing is read here: the files are loaded once
 * when the server starts, which names any file it cannot use.
 *
 * <p>The server's identity is a keystore (JKS or PKCS12, Kafka's {@code ssl.keystore.location}) or
 * a pair of PEM files (certificate chain, and an unencrypted PKCS#8 private key), never both. The
 * trusted certificates, needed only to verify client certificates, are a truststore or a PEM file
 * of CA certificates, never both.
 *
 * @param keystore       the server's key and certificate chain in a keystore file
 * @param pem            the server's key and certificate chain in PEM files
 * @param truststore     certificates that client certificates must chain to, in a keystore file
 * @param caCertificates certificates that client certificates must chain to, in a PEM file
 * @param clientAuth     whether clients of the {@code SSL} listener present certificates (Kafka's
 *                       {@code ssl.client.auth}); {@code SASL_SSL} listeners authenticate with SASL instead
 */
public record TlsSettings(Optional<KeystoreFile> keystore, Optional<PemIdentity> pem,
                          Optional<KeystoreFile> truststore, Optional<Path> caCertificates, ClientAuth clientAuth) {

    public TlsSettings {
        Objects.requireNonNull(keystore, "keystore");
        Objects.requireNonNull(pem, "pem");
        Objects.requireNonNull(truststore, "truststore");
        Objects.requireNonNull(caCertificates, "caCertificates");
        Objects.requireNonNull(clientAuth, "clientAuth");
        if (keystore.isPresent() && pem.isPresent()) {
            throw new IllegalArgumentException("the TLS identity is a keystore (" + keystore.get().path()
                    + ") or PEM files (" + pem.get().certificateChain() + "), not both");
        }
        if (truststore.isPresent() && caCertificates.isPresent()) {
            throw new IllegalArgumentException("trusted client certificates come from a truststore ("
                    + truststore.get().path() + ") or a CA PEM file (" + caCertificates.get() + "), not both");
        }
        if (clientAuth != ClientAuth.NONE && truststore.isEmpty() && caCertificates.isEmpty()) {
            throw new IllegalArgumentException("client auth " + clientAuth.configName()
                    + " needs a truststore or CA certificates to verify client certificates with");
        }
    }

    /** No TLS material: a server with a TLS listener refuses to start. */
    public static TlsSettings none() {
        return new TlsSettings(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), ClientAuth.NONE);
    }

    /** Presents the key and certificate chain of a JKS or PKCS12 keystore (the key has the store's password). */
    public static TlsSettings keystore(Path path, String password) {
        return none().withKeystore(new KeystoreFile(path, password));
    }

    /** Presents the certificate chain of one PEM file and the PKCS#8 private key of another. */
    public static TlsSettings pem(Path certificateChain, Path privateKey) {
        return none().withPem(new PemIdentity(certificateChain, privateKey));
    }

    /** Whether a keystore or PEM files give the server something to present. */
    public boolean hasIdentity() {
        return keystore.isPresent() || pem.isPresent();
    }

    public TlsSettings withKeystore(KeystoreFile next) {
        return new TlsSettings(Optional.of(next), pem, truststore, caCertificates, clientAuth);
    }

    public TlsSettings withPem(PemIdentity next) {
        return new TlsSettings(keystore, Optional.of(next), truststore, caCertificates, clientAuth);
    }

    public TlsSettings withTruststore(KeystoreFile next) {
        return new TlsSettings(keystore, pem, Optional.of(next), caCertificates, clientAuth);
    }

    public TlsSettings withCaCertificates(Path next) {
        return new TlsSettings(keystore, pem, truststore, Optional.of(next), clientAuth);
    }

    public TlsSettings withClientAuth(ClientAuth next) {
        return new TlsSettings(keystore, pem, truststore, caCertificates, next);
    }

    /** A JKS or PKCS12 file and its password; {@link #toString()} does not show the password. */
    public record KeystoreFile(Path path, String password) {
        public KeystoreFile {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(password, "password");
        }

        @Override
        public String toString() {
            return "KeystoreFile[" + path + "]";
        }
    }

    /**
     * PEM files: the certificate chain (the server's certificate first) and its private key, PKCS#8
     * ({@code -----BEGIN PRIVATE KEY-----}) and not encrypted.
     */
    public record PemIdentity(Path certificateChain, Path privateKey) {
        public PemIdentity {
            Objects.requireNonNull(certificateChain, "certificateChain");
            Objects.requireNonNull(privateKey, "privateKey");
        }
    }

    /** Kafka's {@code ssl.client.auth}. */
    public enum ClientAuth {
        /** Clients present no certificate. */
        NONE,
        /** Clients may present one; a client without one is anonymous. */
        REQUESTED,
        /** Clients must present one that the server trusts, or the handshake fails. */
        REQUIRED;

        /** The name as Kafka's setting writes it: {@code none}, {@code requested}, {@code required}. */
        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Parses Kafka's value, ignoring case. */
        public static ClientAuth parse(String text) {
            for (ClientAuth auth : values()) {
                if (auth.configName().equalsIgnoreCase(text.trim())) {
                    return auth;
                }
            }
            throw new IllegalArgumentException("client auth '" + text + "' is not one of none, requested, required");
        }
    }
}
