package dev.spool.compat.security;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * TLS material made at test time with the running JDK's {@code keytool} (no openssl): a test CA, and
 * a server certificate it signed for {@code localhost} and {@code 127.0.0.1} (both as subject
 * alternative names, so every client's hostname check passes on the loopback address). Written in
 * every form the clients and servers take:
 *
 * <ul>
 *   <li>{@link #keystore}: PKCS12, the server's key and its chain (CA last), for Kafka's
 *       {@code ssl.keystore.location} and Spool's {@code --ssl-keystore};</li>
 *   <li>{@link #serverCertificatePem} and {@link #serverKeyPem}: the same chain and the key (PKCS#8)
 *       as PEM, for a server that takes PEM files;</li>
 *   <li>{@link #truststore}: PKCS12 holding the CA, for the Java client;</li>
 *   <li>{@link #caPem}: the CA as PEM, for librdkafka's {@code ssl.ca.location} and kafkajs's
 *       {@code ssl.ca}.</li>
 * </ul>
 * Every store has the password {@link #PASSWORD}. Immutable once made.
 */
public record TestCertificates(Path dir, Path keystore, Path serverCertificatePem, Path serverKeyPem,
        Path truststore, Path caPem) {
    public static final String PASSWORD = "spool-compat-store";
    private static final String DAYS = "30";

    /** Makes the CA, the server's certificate and every file above in the empty directory {@code dir}. */
    public static TestCertificates make(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path ca = dir.resolve("ca.p12");
        Path keystore = dir.resolve("server.p12");
        Path truststore = dir.resolve("truststore.p12");
        Path caPem = dir.resolve("ca.pem");
        Path request = dir.resolve("server.csr");
        Path signed = dir.resolve("server-signed.pem");
        keytool(store(ca), "-genkeypair", "-alias", "ca", "-keyalg", "RSA", "-keysize", "2048", "-validity", DAYS,
                "-dname", "CN=spool-compat test CA", "-ext", "bc:c");
        keytool(store(ca), "-exportcert", "-rfc", "-alias", "ca", "-file", caPem.toString());
        keytool(store(keystore), "-genkeypair", "-alias", "server", "-keyalg", "RSA", "-keysize", "2048",
                "-validity", DAYS, "-dname", "CN=localhost");
        keytool(store(keystore), "-certreq", "-alias", "server", "-file", request.toString());
        keytool(store(ca), "-gencert", "-alias", "ca", "-infile", request.toString(), "-outfile", signed.toString(),
                "-rfc", "-validity", DAYS, "-ext", "san=dns:localhost,ip:127.0.0.1", "-ext", "eku=serverAuth");
        // The chain needs its issuer in the store before the signed certificate replaces the self-signed one.
        keytool(store(keystore), "-importcert", "-noprompt", "-alias", "ca", "-file", caPem.toString());
        keytool(store(keystore), "-importcert", "-noprompt", "-alias", "server", "-file", signed.toString());
        keytool(store(truststore), "-importcert", "-noprompt", "-alias", "ca", "-file", caPem.toString());
        Path certificatePem = dir.resolve("server-chain.pem");
        Files.writeString(certificatePem, Files.readString(signed, StandardCharsets.US_ASCII).strip() + "\n"
                + Files.readString(caPem, StandardCharsets.US_ASCII).strip() + "\n", StandardCharsets.US_ASCII);
        Path keyPem = dir.resolve("server-key.pem");
        Files.writeString(keyPem, privateKeyPem(keystore), StandardCharsets.US_ASCII);
        return new TestCertificates(dir, keystore, certificatePem, keyPem, truststore, caPem);
    }

    /** The CA certificate as PEM text. */
    public String caPemText() throws IOException {
        return Files.readString(caPem, StandardCharsets.US_ASCII);
    }

    private static List<String> store(Path file) {
        return List.of("-keystore", file.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD);
    }

    /** The server's key as unencrypted PKCS#8 PEM ({@code BEGIN PRIVATE KEY}), which keytool cannot write. */
    private static String privateKeyPem(Path keystore) throws IOException {
        try (InputStream in = Files.newInputStream(keystore)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, PASSWORD.toCharArray());
            Key key = store.getKey("server", PASSWORD.toCharArray());
            String base64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                    .encodeToString(key.getEncoded());
            return "-----BEGIN PRIVATE KEY-----\n" + base64 + "\n-----END PRIVATE KEY-----\n";
        } catch (GeneralSecurityException e) {
            throw new IOException("Cannot read the server's key from " + keystore, e);
        }
    }

    private static void keytool(List<String> store, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "keytool").toString());
        command.add(args[0]);
        command.addAll(store);
        command.addAll(List.of(args).subList(1, args.length));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("keytool did not finish within 60 s: " + String.join(" ", command));
        }
        if (process.exitValue() != 0) {
            throw new IOException("keytool failed (exit " + process.exitValue() + "): " + String.join(" ", command)
                    + "\n" + output);
        }
    }
}
