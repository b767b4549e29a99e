package dev.spool.kafka.network;

import dev.spool.kafka.security.TlsSettings;
import dev.spool.kafka.security.TlsSettings.KeystoreFile;
import dev.spool.kafka.security.TlsSettings.PemIdentity;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * Loads the files of {@link TlsSettings} into the JDK's key and trust managers, once, when the
 * server starts. Every file it cannot use is a {@link TlsSetupException} naming the file and what
 * is wrong with it: missing, unreadable, not a keystore or PEM, a wrong password, no private key,
 * or a private key that does not belong to the certificate. Stateless.
 */
final class TlsMaterial {
    private static final Pattern PEM_KEY = Pattern.compile(
            "-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");
    /** The password of the in-memory keystore that carries a PEM key to the key manager; never leaves this class. */
    private static final char[] IN_MEMORY_PASSWORD = "spool".toCharArray();

    private TlsMaterial() {
    }

    /** The server's key and certificate chain, from the keystore or the PEM files of {@code settings}. */
    static KeyManagerFactory keyManagers(TlsSettings settings) throws TlsSetupException {
        KeyStore store;
        char[] password;
        String source;
        if (settings.keystore().isPresent()) {
            KeystoreFile file = settings.keystore().get();
            store = loadKeystore(file, "keystore");
            password = file.password().toCharArray();
            source = "keystore " + file.path();
            requirePrivateKey(store, source);
        } else if (settings.pem().isPresent()) {
            store = pemKeystore(settings.pem().get());
            password = IN_MEMORY_PASSWORD;
            source = "PEM key " + settings.pem().get().privateKey();
        } else {
            throw new TlsSetupException("no TLS certificate: give a keystore, or a PEM certificate chain and key");
        }
        try {
            KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            factory.init(store, password);
            return factory;
        } catch (UnrecoverableKeyException e) {
            throw new TlsSetupException("cannot read the private key of the " + source
                    + ": its password differs from the keystore's (both must be the same)", e);
        } catch (GeneralSecurityException e) {
            throw new TlsSetupException("cannot use the " + source + ": " + e.getMessage(), e);
        }
    }

    /** The certificates client certificates must chain to; empty when the settings name none. */
    static Optional<TrustManagerFactory> trustManagers(TlsSettings settings) throws TlsSetupException {
        KeyStore trusted;
        if (settings.truststore().isPresent()) {
            trusted = loadKeystore(settings.truststore().get(), "truststore");
        } else if (settings.caCertificates().isPresent()) {
            Path path = settings.caCertificates().get();
            List<? extends Certificate> certificates = readCertificates(path, "CA certificate file");
            trusted = emptyKeystore();
            try {
                for (int i = 0; i < certificates.size(); i++) {
                    trusted.setCertificateEntry("ca-" + i, certificates.get(i));
                }
            } catch (KeyStoreException e) {
                throw new TlsSetupException("cannot use the CA certificate file " + path + ": " + e.getMessage(), e);
            }
        } else {
            return Optional.empty();
        }
        try {
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trusted);
            return Optional.of(factory);
        } catch (GeneralSecurityException e) {
            throw new TlsSetupException("cannot use the trusted certificates: " + e.getMessage(), e);
        }
    }

    private static KeyStore loadKeystore(KeystoreFile file, String role) throws TlsSetupException {
        Path path = file.path();
        requireReadable(path, role);
        try {
            // Probes the type (JKS or PKCS12) from the content rather than trusting the file name.
            return KeyStore.getInstance(path.toFile(), file.password().toCharArray());
        } catch (IOException e) {
            if (e.getCause() instanceof UnrecoverableKeyException) {
                throw new TlsSetupException("cannot open the TLS " + role + " " + path + ": the password is wrong", e);
            }
            throw new TlsSetupException("cannot read the TLS " + role + " " + path + ": " + e.getMessage(), e);
        } catch (KeyStoreException e) {
            throw new TlsSetupException("the TLS " + role + " " + path + " is not a JKS or PKCS12 keystore", e);
        } catch (GeneralSecurityException e) {
            throw new TlsSetupException("cannot load the TLS " + role + " " + path + ": " + e.getMessage(), e);
        }
    }

    private static void requirePrivateKey(KeyStore store, String source) throws TlsSetupException {
        try {
            for (String alias : Collections.list(store.aliases())) {
                if (store.isKeyEntry(alias)) {
                    return;
                }
            }
        } catch (KeyStoreException e) {
            throw new TlsSetupException("cannot list the entries of the " + source + ": " + e.getMessage(), e);
        }
        throw new TlsSetupException("the " + source + " holds no private key (only certificates): the server needs"
                + " its own key and certificate");
    }

    /** The PEM chain and key in an in-memory keystore, after checking that the key belongs to the first certificate. */
    private static KeyStore pemKeystore(PemIdentity pem) throws TlsSetupException {
        List<? extends Certificate> chain = readCertificates(pem.certificateChain(), "PEM certificate chain");
        PrivateKey key = readPrivateKey(pem.privateKey(), chain.get(0).getPublicKey().getAlgorithm());
        requireMatch(key, chain.get(0).getPublicKey(), pem);
        KeyStore store = emptyKeystore();
        try {
            store.setKeyEntry("server", key, IN_MEMORY_PASSWORD, chain.toArray(new Certificate[0]));
        } catch (KeyStoreException e) {
            throw new TlsSetupException("cannot use the PEM key " + pem.privateKey() + " with the certificate chain "
                    + pem.certificateChain() + ": " + e.getMessage(), e);
        }
        return store;
    }

    private static List<? extends Certificate> readCertificates(Path path, String role) throws TlsSetupException {
        byte[] bytes = read(path, role);
        List<? extends Certificate> certificates;
        try (InputStream in = new ByteArrayInputStream(bytes)) {
            certificates = List.copyOf(CertificateFactory.getInstance("X.509").generateCertificates(in));
        } catch (CertificateException | IOException e) {
            throw new TlsSetupException("the " + role + " " + path + " is not PEM X.509 certificates ("
                    + e.getMessage() + ")", e);
        }
        if (certificates.isEmpty()) {
            throw new TlsSetupException("the " + role + " " + path + " holds no certificate");
        }
        return certificates;
    }

    private static PrivateKey readPrivateKey(Path path, String algorithm) throws TlsSetupException {
        String text = new String(read(path, "PEM private key"), StandardCharsets.US_ASCII);
        Matcher matcher = PEM_KEY.matcher(text);
        if (!matcher.find()) {
            String found = text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") ? "an encrypted key"
                    : text.contains("-----BEGIN RSA PRIVATE KEY-----") ? "a PKCS#1 RSA key"
                    : text.contains("-----BEGIN EC PRIVATE KEY-----") ? "a SEC1 EC key"
                    : "no private key";
            throw new TlsSetupException("the PEM private key " + path + " holds " + found + "; expected an"
                    + " unencrypted PKCS#8 key (-----BEGIN PRIVATE KEY-----; `openssl pkcs8 -topk8 -nocrypt` converts one)");
        }
        try {
            byte[] der = Base64.getMimeDecoder().decode(matcher.group(1));
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (IllegalArgumentException | InvalidKeySpecException e) {
            throw new TlsSetupException("the PEM private key " + path + " is not a PKCS#8 " + algorithm
                    + " key (the algorithm of the certificate): " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new TlsSetupException("cannot read the PEM private key " + path + ": " + e.getMessage(), e);
        }
    }

    /** Signs a few bytes with the key and verifies them with the certificate's public key. */
    private static void requireMatch(PrivateKey key, PublicKey certified, PemIdentity pem) throws TlsSetupException {
        String algorithm = switch (certified.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "EdDSA", "Ed25519", "Ed448" -> key.getAlgorithm();
            default -> null; // no check for rarer algorithms: the handshake fails instead
        };
        if (algorithm == null) {
            return;
        }
        byte[] probe = "spool key check".getBytes(StandardCharsets.US_ASCII);
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certified);
            verifier.update(probe);
            if (verifier.verify(signature)) {
                return;
            }
        } catch (GeneralSecurityException e) {
            // a key of another kind or size than the certificate's: reported below
        }
        throw new TlsSetupException("the PEM private key " + pem.privateKey() + " does not belong to the first"
                + " certificate of " + pem.certificateChain());
    }

    private static byte[] read(Path path, String role) throws TlsSetupException {
        requireReadable(path, role);
        try {
            return Files.readAllBytes(path);
        } catch (IOException e) {
            throw new TlsSetupException("cannot read the " + role + " " + path + ": " + e, e);
        }
    }

    private static void requireReadable(Path path, String role) throws TlsSetupException {
        if (!Files.exists(path)) {
            throw new TlsSetupException("the TLS " + role + " " + path + " does not exist");
        }
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            throw new TlsSetupException("the TLS " + role + " " + path + " is not a readable file");
        }
    }

    private static KeyStore emptyKeystore() throws TlsSetupException {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            return store;
        } catch (GeneralSecurityException | IOException e) {
            throw new TlsSetupException("cannot create an in-memory keystore: " + e.getMessage(), e);
        }
    }
}
