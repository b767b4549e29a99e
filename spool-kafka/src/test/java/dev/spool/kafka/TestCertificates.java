package dev.spool.kafka;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Self-signed certificates for TLS tests, made by the JDK's own {@code keytool} (so the tests need
 * nothing installed): a server certificate for 127.0.0.1 and a client certificate with a
 * distinguished name, each as a PKCS12 keystore and as PEM files, plus a truststore holding the
 * client's certificate. Public, in the module's test-jar, for spool-cli's tests of {@code spool serve}.
 */
public record TestCertificates(Path serverKeystore, Path serverCertificatePem, Path serverKeyPem,
                        Path clientKeystore, Path clientCertificatePem, Path clientKeyPem, Path clientTruststore) {
    public static final String PASSWORD = "test-password";
    public static final String CLIENT_DN = "CN=alice,OU=ops,O=spool-test";

    public static TestCertificates create(Path dir) throws IOException, InterruptedException, GeneralSecurityException {
        Files.createDirectories(dir);
        Path server = dir.resolve("server.p12");
        Path client = dir.resolve("client.p12");
        keytool("-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", server.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD);
        keytool("-genkeypair", "-alias", "client", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", CLIENT_DN,
                "-validity", "2", "-storetype", "PKCS12",
                "-keystore", client.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD);
        Path serverCert = dir.resolve("server-cert.pem");
        Path serverKey = dir.resolve("server-key.pem");
        writePem(server, "server", serverCert, serverKey);
        Path clientCert = dir.resolve("client-cert.pem");
        Path clientKey = dir.resolve("client-key.pem");
        writePem(client, "client", clientCert, clientKey);
        Path truststore = dir.resolve("client-trust.p12");
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("client", load(client).getCertificate("client"));
        try (OutputStream out = Files.newOutputStream(truststore)) {
            trust.store(out, PASSWORD.toCharArray());
        }
        return new TestCertificates(server, serverCert, serverKey, client, clientCert, clientKey, truststore);
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException("keytool " + String.join(" ", args) + " failed: " + output);
        }
    }

    public static KeyStore load(Path keystore) throws IOException, GeneralSecurityException {
        return KeyStore.getInstance(keystore.toFile(), PASSWORD.toCharArray());
    }

    /** The certificate and the PKCS#8 private key of {@code alias} as PEM files. */
    private static void writePem(Path keystore, String alias, Path certificate, Path key)
            throws IOException, GeneralSecurityException {
        KeyStore store = load(keystore);
        Certificate cert = store.getCertificate(alias);
        Key privateKey = store.getKey(alias, PASSWORD.toCharArray());
        Files.writeString(certificate, pem("CERTIFICATE", cert.getEncoded()));
        Files.writeString(key, pem("PRIVATE KEY", privateKey.getEncoded()));
    }

    public static String pem(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }
}
