package dev.spool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.kafka.TestCertificates;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code spool serve} with several listeners and TLS: the options, the password file, the safe-default refusal. */
@Timeout(120)
class ServeListenersTest {
    @TempDir
    static Path certDir;
    static TestCertificates certs;
    static Path passwordFile;

    @TempDir
    Path tmp;

    @BeforeAll
    static void certificates() throws Exception {
        certs = TestCertificates.create(certDir);
        passwordFile = Files.writeString(certDir.resolve("password"), TestCertificates.PASSWORD + "\n");
    }

    @Test
    void servesPlaintextAndSslListenersAtOnceWithAKeystoreWhosePasswordIsInAFile() throws Exception {
        ServeCommandTest.Serving serving = ServeCommandTest.Serving.start("serve",
                "--listeners", "PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0",
                "--ssl-keystore", certs.serverKeystore().toString(),
                "--ssl-keystore-password-file", passwordFile.toString(),
                "--data-dir", tmp.resolve("data").toString());
        Matcher started = Pattern.compile("serving the Kafka protocol on PLAINTEXT://127\\.0\\.0\\.1:(\\d+), "
                + "SSL://127\\.0\\.0\\.1:(\\d+), data directory").matcher(serving.out().text());
        assertThat(started.find()).as(serving.out().text()).isTrue();
        Properties ssl = sslClient("127.0.0.1:" + started.group(2));
        Properties plaintext = new Properties();
        plaintext.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + started.group(1));
        for (Properties props : List.of(ssl, plaintext)) {
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(),
                    new StringSerializer())) {
                producer.send(new ProducerRecord<>("greetings", "hello")).get();
            }
        }
        assertThat(serving.stop()).isZero();
    }

    @Test
    void anSslListenerWithRequiredClientCertificatesMayListenRemotelyAndPemFilesServe() throws Exception {
        ServeCommandTest.Serving serving = ServeCommandTest.Serving.start("serve",
                "--listeners", "SSL://0.0.0.0:0",
                "--ssl-certificate", certs.serverCertificatePem().toString(),
                "--ssl-key", certs.serverKeyPem().toString(),
                "--ssl-ca", certs.clientCertificatePem().toString(), "--ssl-client-auth", "required",
                "--advertised-listeners", "SSL://localhost:0", "--data-dir", tmp.resolve("data").toString());
        Matcher started = Pattern.compile("on SSL://0\\.0\\.0\\.0:(\\d+),").matcher(serving.out().text());
        assertThat(started.find()).as(serving.out().text()).isTrue();
        Properties props = sslClient("127.0.0.1:" + started.group(1));
        props.put(SslConfigs.SSL_KEYSTORE_TYPE_CONFIG, "PKCS12");
        props.put(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, certs.clientKeystore().toString());
        props.put(SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG, TestCertificates.PASSWORD);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(),
                new StringSerializer())) {
            // Metadata tells the advertised localhost, a name the server's certificate holds.
            producer.send(new ProducerRecord<>("greetings", "hello")).get();
        } finally {
            assertThat(serving.stop()).isZero();
        }
    }

    @Test
    void aRemoteListenerThatDoesNotAuthenticateIsRefusedWithOneLineSayingWhy() {
        Path data = tmp.resolve("data");
        String keystore = certs.serverKeystore().toString();
        String password = passwordFile.toString();
        assertThat(usageError("--listeners", "PLAINTEXT://127.0.0.1:0,PLAINTEXT://0.0.0.0:1"))
                .contains("name PLAINTEXT twice");
        assertThat(usageError("--listeners", "SSL://127.0.0.1:0,PLAINTEXT://0.0.0.0:0", "--ssl-keystore", keystore,
                "--ssl-keystore-password-file", password, "--data-dir", data.toString()))
                .isEqualTo("spool: refusing listener PLAINTEXT://0.0.0.0:0: it does not authenticate clients"
                        + " (PLAINTEXT), so any client that reaches it could read, write and delete every topic; listen"
                        + " on 127.0.0.1, use SASL_SSL or SSL with --ssl-client-auth required, or pass"
                        + " --allow-remote-unauthenticated to accept that (see 'spool serve --help')\n");
        assertThat(usageError("--listeners", "SSL://0.0.0.0:0", "--ssl-keystore", keystore,
                "--ssl-keystore-password-file", password, "--ssl-ca", certs.clientCertificatePem().toString(),
                "--ssl-client-auth", "requested", "--data-dir", data.toString()))
                .startsWith("spool: refusing listener SSL://0.0.0.0:0: it does not authenticate clients (SSL without"
                        + " --ssl-client-auth required)").hasLineCount(1);
        assertThat(data).as("nothing created before the refusal").doesNotExist();
    }

    @Test
    void listenerAndTlsOptionsThatDoNotFitTogetherAreUsageErrors() {
        String keystore = certs.serverKeystore().toString();
        String data = tmp.resolve("data").toString();
        assertThat(usageError("--listen", "127.0.0.1:0", "--listeners", "PLAINTEXT://127.0.0.1:0", "--data-dir", data))
                .startsWith("spool: give --listen or --listeners, not both");
        assertThat(usageError("--advertise", "a:1", "--advertised-listeners", "PLAINTEXT://a:1", "--data-dir", data))
                .startsWith("spool: give --advertise or --advertised-listeners, not both");
        assertThat(usageError("--advertised-listeners", "SSL://a:1", "--data-dir", data))
                .startsWith("spool: --advertised-listeners: advertised listener SSL://a:1 names no listener");
        assertThat(usageError("--listeners", "SSL://127.0.0.1:0", "--data-dir", data))
                .startsWith("spool: listener SSL://127.0.0.1:0 uses TLS: give --ssl-keystore");
        assertThat(usageError("--listeners", "SSL://127.0.0.1:0", "--ssl-keystore", keystore, "--data-dir", data))
                .startsWith("spool: --ssl-keystore needs --ssl-keystore-password-file FILE");
        assertThat(usageError("--ssl-keystore", keystore, "--data-dir", data))
                .startsWith("spool: --ssl-* options need an SSL or SASL_SSL listener");
        assertThat(usageError("--listeners", "SSL://127.0.0.1:0", "--ssl-certificate", keystore, "--data-dir", data))
                .startsWith("spool: --ssl-certificate and --ssl-key go together");
        assertThat(usageError("--listeners", "SSL://127.0.0.1:0", "--ssl-keystore", keystore,
                "--ssl-keystore-password-file", passwordFile.toString(), "--ssl-client-auth", "required",
                "--data-dir", data))
                .startsWith("spool: --ssl-client-auth required needs --ssl-ca or --ssl-truststore");
        assertThat(usageError("--listeners", "TLS://127.0.0.1:0", "--data-dir", data))
                .startsWith("spool: --listeners: listener 'TLS://127.0.0.1:0' names an unknown protocol 'TLS'");
    }

    @Test
    void aWrongKeystorePasswordIsOneErrorNamingTheKeystoreBeforeAnythingIsCreated() throws Exception {
        Path data = tmp.resolve("data");
        Path wrong = Files.writeString(tmp.resolve("wrong-password"), "not-it\n");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = run(err, "--listeners", "SSL://127.0.0.1:0", "--ssl-keystore", certs.serverKeystore().toString(),
                "--ssl-keystore-password-file", wrong.toString(), "--data-dir", data.toString());
        assertThat(code).isEqualTo(SpoolCommand.EXIT_ERROR);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .isEqualTo("spool: cannot open the TLS keystore " + certs.serverKeystore() + ": the password is wrong\n");
        assertThat(data).doesNotExist();

        err.reset();
        Path missing = tmp.resolve("no-such-password-file");
        code = run(err, "--listeners", "SSL://127.0.0.1:0", "--ssl-keystore", certs.serverKeystore().toString(),
                "--ssl-keystore-password-file", missing.toString(), "--data-dir", data.toString());
        assertThat(code).isEqualTo(SpoolCommand.EXIT_ERROR);
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("spool: cannot read --ssl-keystore-password-file "
                + missing + ": no such file: " + missing + "\n");
    }

    private static Properties sslClient(String bootstrap) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SSL");
        props.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PEM");
        props.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, certs.serverCertificatePem().toString());
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "20000");
        return props;
    }

    private static String usageError(String... serveArgs) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertThat(run(err, serveArgs)).as(err.toString(StandardCharsets.UTF_8)).isEqualTo(SpoolCommand.EXIT_USAGE);
        return err.toString(StandardCharsets.UTF_8);
    }

    private static int run(ByteArrayOutputStream err, String... serveArgs) {
        List<String> args = new ArrayList<>(List.of("serve"));
        args.addAll(List.of(serveArgs));
        return SpoolCommand.execute(args.toArray(new String[0]), new ByteArrayInputStream(new byte[0]),
                new PrintStream(new ByteArrayOutputStream(), true), new PrintStream(err, true, StandardCharsets.UTF_8));
    }
}
