package dev.spool.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.kafka.group.ClassicGroupCoordinator;
import dev.spool.kafka.group.GroupCoordinator;
import dev.spool.kafka.group.GroupCoordinatorConfig;
import dev.spool.kafka.api.AdvertisedAddress;
import dev.spool.kafka.network.Listener;
import dev.spool.kafka.network.Session;
import dev.spool.kafka.network.TlsSetupException;
import dev.spool.kafka.security.SecuritySettings;
import dev.spool.kafka.security.TlsSettings;
import dev.spool.kafka.security.TlsSettings.ClientAuth;
import dev.spool.kafka.security.TlsSettings.KeystoreFile;
import dev.spool.log.LogManager;
import dev.spool.log.LogManagerConfig;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** SSL listeners with the Java clients: keystore and PEM identities, two listeners at once, client certificates. */
@Timeout(120)
class TlsListenerTest {
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
    void producerConsumerGroupAndAdminWorkOverSslWithAKeystore() throws Exception {
        TlsSettings tls = TlsSettings.keystore(certs.serverKeystore(), TestCertificates.PASSWORD);
        try (Served served = Served.start(dir, List.of(ssl()), tls)) {
            roundTrip(sslClient(served.bootstrap(SecurityProtocol.SSL)), "over-keystore");
        }
    }

    @Test
    void producerConsumerGroupAndAdminWorkOverSslWithPemFiles() throws Exception {
        TlsSettings tls = TlsSettings.pem(certs.serverCertificatePem(), certs.serverKeyPem());
        try (Served served = Served.start(dir, List.of(ssl()), tls)) {
            roundTrip(sslClient(served.bootstrap(SecurityProtocol.SSL)), "over-pem");
        }
    }

    @Test
    void twoListenersAtOnceEachClientIsToldItsOwnListenersAddress() throws Exception {
        TlsSettings tls = TlsSettings.keystore(certs.serverKeystore(), TestCertificates.PASSWORD);
        try (Served served = Served.start(dir, List.of(Listener.plaintext("127.0.0.1", 0), ssl()), tls)) {
            Properties plaintext = new Properties();
            plaintext.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, served.bootstrap(SecurityProtocol.PLAINTEXT));
            Properties ssl = sslClient(served.bootstrap(SecurityProtocol.SSL));
            for (Properties client : List.of(plaintext, ssl)) {
                try (Admin admin = Admin.create(client)) {
                    Collection<Node> nodes = admin.describeCluster().nodes().get();
                    assertThat(nodes).extracting(Node::port).as("DescribeCluster to %s", client)
                            .containsExactly(portOf(client));
                }
            }
            // Metadata and FindCoordinator: each client then connects to the advertised address, over its protocol.
            roundTrip(plaintext, "plain-side");
            roundTrip(ssl, "ssl-side");
        }
    }

    @Test
    void advertisedListenersAreAnsweredPerListener() throws Exception {
        TlsSettings tls = TlsSettings.keystore(certs.serverKeystore(), TestCertificates.PASSWORD);
        // Port 0: the port bound. The certificate names localhost as well as 127.0.0.1.
        KafkaServerConfig config = KafkaServerConfig.defaults()
                .withListeners(List.of(Listener.plaintext("127.0.0.1", 0), ssl()))
                .withAdvertisedListeners(List.of(new Listener(SecurityProtocol.SSL, "localhost", 0)))
                .withSecurity(SecuritySettings.defaults().withTls(tls));
        try (Served served = Served.start(dir, config)) {
            try (Admin admin = Admin.create(sslClient(served.bootstrap(SecurityProtocol.SSL)))) {
                Node node = admin.describeCluster().nodes().get().iterator().next();
                assertThat(node.host() + ":" + node.port()).isEqualTo("localhost:" + served.port(SecurityProtocol.SSL));
            }
            Properties plaintext = new Properties();
            plaintext.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, served.bootstrap(SecurityProtocol.PLAINTEXT));
            try (Admin admin = Admin.create(plaintext)) {
                Node node = admin.describeCluster().nodes().get().iterator().next();
                assertThat(node.host() + ":" + node.port()).isEqualTo(served.bootstrap(SecurityProtocol.PLAINTEXT));
            }
        }
    }

    @Test
    void anAdvertisedPortIsToldAsGivenAndAnUnadvertisedListenerTellsItsBoundPort() {
        KafkaServerConfig config = KafkaServerConfig.defaults()
                .withListeners(List.of(Listener.plaintext("127.0.0.1", 0), ssl()))
                .withAdvertised("kafka.example.com", 19092);
        AdvertisedAddress advertised = new AdvertisedAddress(config);
        Listener plaintextListener = config.listeners().get(0);
        advertised.bound(Map.of(plaintextListener, new InetSocketAddress("127.0.0.1", 40001),
                ssl(), new InetSocketAddress("127.0.0.1", 40002)));
        Session plain = new Session(plaintextListener, "10.0.0.9", 5000);
        Session tls = new Session(ssl(), "10.0.0.9", 5001);
        assertThat(advertised.host(plain) + ":" + advertised.port(plain)).isEqualTo("kafka.example.com:19092");
        assertThat(advertised.host(tls) + ":" + advertised.port(tls)).isEqualTo("127.0.0.1:40002");
        assertThat(config.withAdvertised("", 0).advertisedListeners()).isEmpty();
        assertThatThrownBy(() -> config.withAdvertisedListeners(List.of(
                new Listener(SecurityProtocol.SASL_SSL, "x", 1))))
                .hasMessageContaining("advertised listener SASL_SSL://x:1 names no listener");
    }

    @Test
    void requiredClientAuthRefusesAClientWithoutACertificateAndServesOneWithIt() throws Exception {
        TlsSettings tls = TlsSettings.keystore(certs.serverKeystore(), TestCertificates.PASSWORD)
                .withCaCertificates(certs.clientCertificatePem()).withClientAuth(ClientAuth.REQUIRED);
        try (Served served = Served.start(dir, List.of(ssl()), tls)) {
            Properties anonymous = sslClient(served.bootstrap(SecurityProtocol.SSL));
            try (Admin admin = Admin.create(anonymous)) {
                assertThatThrownBy(() -> admin.describeCluster().nodes().get())
                        .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(SslAuthenticationException.class);
            }
            Properties withCertificate = withClientKeystore(sslClient(served.bootstrap(SecurityProtocol.SSL)));
            roundTrip(withCertificate, "authenticated");
        }
    }

    @Test
    void aTruststoreFileServesForClientCertificatesToo() throws Exception {
        TlsSettings tls = TlsSettings.pem(certs.serverCertificatePem(), certs.serverKeyPem())
                .withTruststore(new KeystoreFile(certs.clientTruststore(), TestCertificates.PASSWORD))
                .withClientAuth(ClientAuth.REQUIRED);
        try (Served served = Served.start(dir, List.of(ssl()), tls);
             Admin admin = Admin.create(withClientKeystore(sslClient(served.bootstrap(SecurityProtocol.SSL))))) {
            assertThat(admin.describeCluster().nodes().get()).hasSize(1);
        }
    }

    @Test
    void aPlaintextClientOnTheTlsPortIsClosedAtOnceAndATlsClientOnThePlaintextPortFails() throws Exception {
        TlsSettings tls = TlsSettings.keystore(certs.serverKeystore(), TestCertificates.PASSWORD);
        try (Served served = Served.start(dir, List.of(Listener.plaintext("127.0.0.1", 0), ssl()), tls)) {
            // A Kafka request frame (ApiVersions v0 header) where a TLS record is expected.
            try (Socket socket = new Socket("127.0.0.1", served.port(SecurityProtocol.SSL))) {
                // Far below the handshake timeout: the close must come from the bytes, not from waiting.
                socket.setSoTimeout((int) (dev.spool.kafka.network.TlsContexts.HANDSHAKE_TIMEOUT_MS / 4));
                OutputStream out = socket.getOutputStream();
                out.write(new byte[] {0, 0, 0, 10, 0, 18, 0, 0, 0, 0, 0, 1, 0, 0});
                out.flush();
                InputStream in = socket.getInputStream();
                assertThat(in.read()).as("end of stream").isEqualTo(-1);
            }
            SSLContext context = SSLContext.getInstance("TLS");
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(TestCertificates.load(certs.serverKeystore()));
            context.init(null, trust.getTrustManagers(), null);
            try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1",
                    served.port(SecurityProtocol.PLAINTEXT))) {
                socket.setSoTimeout((int) (dev.spool.kafka.network.TlsContexts.HANDSHAKE_TIMEOUT_MS / 4));
                assertThatThrownBy(socket::startHandshake).isInstanceOf(SSLException.class);
            }
            // Both listeners still serve their own clients.
            try (Admin admin = Admin.create(sslClient(served.bootstrap(SecurityProtocol.SSL)))) {
                assertThat(admin.describeCluster().nodes().get()).hasSize(1);
            }
        }
    }

    @Test
    void aWrongKeystorePasswordStopsTheStartWithOneErrorNamingTheFile() throws Exception {
        TlsSettings tls = TlsSettings.keystore(certs.serverKeystore(), "not-the-password");
        assertThatThrownBy(() -> Served.start(dir, List.of(ssl()), tls).close())
                .isInstanceOf(TlsSetupException.class)
                .hasMessage("cannot open the TLS keystore " + certs.serverKeystore() + ": the password is wrong");
    }

    @Test
    void aTlsListenerWithoutACertificateStopsTheStart() {
        assertThatThrownBy(() -> Served.start(dir, List.of(ssl()), TlsSettings.none()).close())
                .isInstanceOf(TlsSetupException.class)
                .hasMessageStartingWith("listener SSL://127.0.0.1:0 uses TLS but the server has no certificate");
    }

    private static Listener ssl() {
        return new Listener(SecurityProtocol.SSL, "127.0.0.1", 0);
    }

    /** Client settings for the SSL listener: the server's certificate (a PEM file) is the one trusted. */
    static Properties sslClient(String bootstrap) {
        Properties props = new Properties();
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SSL");
        props.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PEM");
        props.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, certs.serverCertificatePem().toString());
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "15000");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "20000");
        return props;
    }

    static Properties withClientKeystore(Properties props) {
        props.put(SslConfigs.SSL_KEYSTORE_TYPE_CONFIG, "PKCS12");
        props.put(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, certs.clientKeystore().toString());
        props.put(SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG, TestCertificates.PASSWORD);
        return props;
    }

    private static int portOf(Properties client) {
        String bootstrap = client.getProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
        return Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1));
    }

    /** Creates a topic, produces three records, reads them back through a consumer group. */
    private static void roundTrip(Properties client, String topic) throws Exception {
        try (Admin admin = Admin.create(client)) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
            assertThat(admin.listTopics().names().get()).contains(topic);
        }
        Properties producerProps = new Properties();
        producerProps.putAll(client);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps, new StringSerializer(),
                new StringSerializer())) {
            for (int i = 0; i < 3; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i)).get();
            }
        }
        Properties consumerProps = new Properties();
        consumerProps.putAll(client);
        consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, "group-" + topic);
        consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumerProps.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps, new StringDeserializer(),
                new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (values.size() < 3 && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
            }
            consumer.commitSync();
        }
        assertThat(values).containsExactly("v0", "v1", "v2");
    }

    /** A server with a group coordinator over a test directory. */
    record Served(KafkaServer server, LogManager manager) implements AutoCloseable {
        static Served start(Path dir, List<Listener> listeners, TlsSettings tls) throws Exception {
            return start(dir, KafkaServerConfig.defaults().withListeners(listeners)
                    .withSecurity(SecuritySettings.defaults().withTls(tls)));
        }

        static Served start(Path dir, KafkaServerConfig config) throws Exception {
            LogManager manager = LogManager.open(dir, LogManagerConfig.defaults().withoutBackgroundTasks());
            GroupCoordinator groups = ClassicGroupCoordinator.open(dir.resolve(LogManager.RESERVED_PREFIX
                    + "consumer_offsets"), GroupCoordinatorConfig.defaults());
            try {
                return new Served(KafkaServer.start(config, manager, Optional.of(groups), new CompositeMeterRegistry()),
                        manager);
            } catch (Exception e) {
                groups.close();
                manager.close();
                throw e;
            }
        }

        int port(SecurityProtocol protocol) {
            for (Map.Entry<Listener, InetSocketAddress> entry : server.addresses().entrySet()) {
                if (entry.getKey().protocol() == protocol) {
                    return entry.getValue().getPort();
                }
            }
            throw new IllegalArgumentException("no " + protocol + " listener");
        }

        String bootstrap(SecurityProtocol protocol) {
            return "127.0.0.1:" + port(protocol);
        }

        @Override
        public void close() throws Exception {
            server.close();
            manager.close();
        }
    }
}
