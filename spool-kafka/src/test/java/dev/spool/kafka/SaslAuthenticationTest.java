package dev.spool.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.kafka.network.Listener;
import dev.spool.kafka.security.CredentialStore;
import dev.spool.kafka.security.ScramCredentialsFile;
import dev.spool.log.LogManager;
import dev.spool.log.LogManagerConfig;
import dev.spool.log.io.FileIO;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialDeletion;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.admin.UserScramCredentialsDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.ResourceNotFoundException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Real clients (producer, consumer, Admin) against a {@code SASL_PLAINTEXT} listener with each
 * mechanism, and what the server does with the wrong password, an unknown user, a request before
 * authentication and a mechanism it does not offer.
 */
@Timeout(120)
class SaslAuthenticationTest {
    private static final String USER = "alice";
    private static final String PASSWORD = "alice-s3cret-pw";

    @TempDir
    Path dir;

    private LogManager manager;
    private KafkaServer server;

    @AfterEach
    void stop() throws IOException {
        if (server != null) {
            server.close();
            server = null;
        }
        if (manager != null) {
            manager.close();
            manager = null;
        }
    }

    private void start() throws IOException {
        manager = LogManager.open(dir, LogManagerConfig.defaults().withoutBackgroundTasks());
        server = KafkaServer.start(KafkaServerConfig.defaults()
                        .withListeners(List.of(Listener.parse("SASL_PLAINTEXT://127.0.0.1:0"))),
                manager, Optional.empty(), new CompositeMeterRegistry());
    }

    private void addUser(String user, String password) throws IOException {
        CredentialStore.open(FileIO.real(), dir).setPassword(user, password,
                EnumSet.allOf(org.apache.kafka.common.security.scram.internals.ScramMechanism.class),
                CredentialStore.DEFAULT_ITERATIONS);
    }

    private Properties client(String mechanism, String user, String password) {
        Properties props = new Properties();
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + server.port());
        props.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
        props.put(SaslConfigs.SASL_MECHANISM, mechanism);
        String module = mechanism.equals("PLAIN") ? "org.apache.kafka.common.security.plain.PlainLoginModule"
                : "org.apache.kafka.common.security.scram.ScramLoginModule";
        props.put(SaslConfigs.SASL_JAAS_CONFIG, module + " required username=\"" + user + "\" password=\""
                + password + "\";");
        return props;
    }

    private Admin admin(String mechanism, String user, String password) {
        Properties props = client(mechanism, user, password);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "15000");
        return Admin.create(props);
    }

    @ParameterizedTest
    @ValueSource(strings = {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"})
    void producerConsumerAndAdminAuthenticate(String mechanism) throws Exception {
        addUser(USER, PASSWORD);
        start();
        try (Admin admin = admin(mechanism, USER, PASSWORD)) {
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic("orders", 1, (short) 1))).all().get();
            assertThat(admin.listTopics().names().get()).contains("orders");
        }
        Properties producerProps = client(mechanism, USER, PASSWORD);
        producerProps.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        producerProps.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps)) {
            producer.send(new ProducerRecord<>("orders", "k", "with " + mechanism)).get();
        }
        Properties consumerProps = client(mechanism, USER, PASSWORD);
        consumerProps.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        consumerProps.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps)) {
            TopicPartition partition = new TopicPartition("orders", 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            List<String> values = new java.util.ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (values.isEmpty() && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
            }
            assertThat(values).containsExactly("with " + mechanism);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"})
    void aWrongPasswordOrAnUnknownUserFailsWithSaslAuthenticationException(String mechanism) throws Exception {
        addUser(USER, PASSWORD);
        start();
        for (String[] login : new String[][] {{USER, "not-the-password"}, {"mallory", PASSWORD}}) {
            try (Admin admin = admin(mechanism, login[0], login[1])) {
                assertThatThrownBy(() -> admin.describeCluster().clusterId().get())
                        .isInstanceOf(ExecutionException.class)
                        .cause().isInstanceOf(SaslAuthenticationException.class)
                        .hasMessageContaining("Authentication failed");
            }
        }
    }

    @Test
    void aRequestBeforeAuthenticationClosesTheConnectionButApiVersionsIsAnswered() throws Exception {
        addUser(USER, PASSWORD);
        start();
        try (RawClient raw = new RawClient(server.port())) {
            ApiVersionsResponseData versions = (ApiVersionsResponseData) raw.call(ApiKeys.API_VERSIONS, (short) 3,
                    new ApiVersionsRequestData().setClientSoftwareName("raw").setClientSoftwareVersion("1"));
            assertThat(versions.errorCode()).isEqualTo(Errors.NONE.code());
            assertThat(versions.apiKeys().find(ApiKeys.SASL_HANDSHAKE.id).minVersion()).as("librdkafka needs 0 listed")
                    .isEqualTo((short) 0);
            assertThat(versions.apiKeys().find(ApiKeys.SASL_HANDSHAKE.id).maxVersion()).isEqualTo((short) 1);
            raw.send(ApiKeys.METADATA, (short) 12, new MetadataRequestData().setTopics(null));
            assertThat(raw.closedByServer()).isTrue();
        }
        try (RawClient raw = new RawClient(server.port())) {
            raw.send(ApiKeys.PRODUCE, (short) 9, new org.apache.kafka.common.message.ProduceRequestData()
                    .setAcks((short) 1).setTimeoutMs(1000));
            assertThat(raw.closedByServer()).isTrue();
        }
    }

    @Test
    void aMechanismNotEnabledIsRefusedWithTheEnabledOnesAndTheConnectionClosed() throws Exception {
        start();
        try (RawClient raw = new RawClient(server.port())) {
            SaslHandshakeResponseData handshake = (SaslHandshakeResponseData) raw.call(ApiKeys.SASL_HANDSHAKE, (short) 1,
                    new SaslHandshakeRequestData().setMechanism("GSSAPI"));
            assertThat(Errors.forCode(handshake.errorCode())).isEqualTo(Errors.UNSUPPORTED_SASL_MECHANISM);
            assertThat(handshake.mechanisms()).containsExactly("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512");
            assertThat(raw.closedByServer()).isTrue();
        }
    }

    @Test
    void aFailedPlainAuthenticationIsAnsweredThenTheConnectionIsClosed() throws Exception {
        addUser(USER, PASSWORD);
        start();
        try (RawClient raw = new RawClient(server.port())) {
            SaslHandshakeResponseData handshake = (SaslHandshakeResponseData) raw.call(ApiKeys.SASL_HANDSHAKE, (short) 1,
                    new SaslHandshakeRequestData().setMechanism("PLAIN"));
            assertThat(Errors.forCode(handshake.errorCode())).isEqualTo(Errors.NONE);
            SaslAuthenticateResponseData answer = (SaslAuthenticateResponseData) raw.call(ApiKeys.SASL_AUTHENTICATE,
                    (short) 2, new SaslAuthenticateRequestData()
                            .setAuthBytes(("\0" + USER + "\0wrong").getBytes(StandardCharsets.UTF_8)));
            assertThat(Errors.forCode(answer.errorCode())).isEqualTo(Errors.SASL_AUTHENTICATION_FAILED);
            assertThat(answer.errorMessage()).contains("Invalid username or password");
            assertThat(raw.closedByServer()).isTrue();
        }
        try (RawClient raw = new RawClient(server.port())) { // and the right one is accepted on a new connection
            raw.call(ApiKeys.SASL_HANDSHAKE, (short) 1, new SaslHandshakeRequestData().setMechanism("PLAIN"));
            SaslAuthenticateResponseData answer = (SaslAuthenticateResponseData) raw.call(ApiKeys.SASL_AUTHENTICATE,
                    (short) 1, new SaslAuthenticateRequestData()
                            .setAuthBytes(("\0" + USER + "\0" + PASSWORD).getBytes(StandardCharsets.UTF_8)));
            assertThat(Errors.forCode(answer.errorCode())).isEqualTo(Errors.NONE);
            assertThat(answer.sessionLifetimeMs()).isZero();
            assertThat(raw.call(ApiKeys.METADATA, (short) 12, new MetadataRequestData().setTopics(null))).isNotNull();
        }
    }

    @Test
    void theExchangeOutOfOrderIsIllegalSaslState() throws Exception {
        addUser(USER, PASSWORD);
        start();
        try (RawClient raw = new RawClient(server.port())) { // SaslAuthenticate before SaslHandshake: answered, closed
            SaslAuthenticateResponseData answer = (SaslAuthenticateResponseData) raw.call(ApiKeys.SASL_AUTHENTICATE,
                    (short) 2, new SaslAuthenticateRequestData()
                            .setAuthBytes(("\0" + USER + "\0" + PASSWORD).getBytes(StandardCharsets.UTF_8)));
            assertThat(Errors.forCode(answer.errorCode())).isEqualTo(Errors.ILLEGAL_SASL_STATE);
            assertThat(raw.closedByServer()).isTrue();
        }
        try (RawClient raw = new RawClient(server.port())) { // a second handshake once authenticated: refused, kept open
            raw.call(ApiKeys.SASL_HANDSHAKE, (short) 1, new SaslHandshakeRequestData().setMechanism("PLAIN"));
            raw.call(ApiKeys.SASL_AUTHENTICATE, (short) 2, new SaslAuthenticateRequestData()
                    .setAuthBytes(("\0" + USER + "\0" + PASSWORD).getBytes(StandardCharsets.UTF_8)));
            SaslHandshakeResponseData again = (SaslHandshakeResponseData) raw.call(ApiKeys.SASL_HANDSHAKE, (short) 1,
                    new SaslHandshakeRequestData().setMechanism("PLAIN"));
            assertThat(Errors.forCode(again.errorCode())).isEqualTo(Errors.ILLEGAL_SASL_STATE);
            assertThat(raw.call(ApiKeys.METADATA, (short) 12, new MetadataRequestData().setTopics(null))).isNotNull();
        }
    }

    @Test
    void saslHandshakeVersionZeroIsRefusedAndTheConnectionClosed() throws Exception {
        addUser(USER, PASSWORD);
        start();
        try (RawClient raw = new RawClient(server.port())) {
            SaslHandshakeResponseData handshake = (SaslHandshakeResponseData) raw.call(ApiKeys.SASL_HANDSHAKE, (short) 0,
                    new SaslHandshakeRequestData().setMechanism("PLAIN"));
            assertThat(Errors.forCode(handshake.errorCode())).isEqualTo(Errors.UNSUPPORTED_VERSION);
            assertThat(raw.closedByServer()).isTrue();
        }
    }

    @Test
    void onlyTheEnabledMechanismsAreOffered() throws Exception {
        addUser(USER, PASSWORD);
        manager = LogManager.open(dir, LogManagerConfig.defaults().withoutBackgroundTasks());
        KafkaServerConfig config = KafkaServerConfig.defaults()
                .withListeners(List.of(Listener.parse("SASL_PLAINTEXT://127.0.0.1:0")));
        server = KafkaServer.start(config.withSecurity(config.security().withSasl(
                new dev.spool.kafka.security.SaslSettings(java.util.Set.of("SCRAM-SHA-512")))),
                manager, Optional.empty(), new CompositeMeterRegistry());
        try (Admin plain = admin("PLAIN", USER, PASSWORD)) {
            assertThatThrownBy(() -> plain.describeCluster().clusterId().get())
                    .cause().isInstanceOf(org.apache.kafka.common.errors.UnsupportedSaslMechanismException.class);
        }
        try (Admin scram = admin("SCRAM-SHA-512", USER, PASSWORD)) {
            assertThat(scram.describeCluster().clusterId().get()).isNotEmpty();
        }
    }

    @Test
    void theAdminApiAltersAndDescribesCredentialsThatThenAuthenticate() throws Exception {
        addUser(USER, PASSWORD);
        start();
        try (Admin admin = admin("SCRAM-SHA-512", USER, PASSWORD)) {
            admin.alterUserScramCredentials(List.of(
                    new UserScramCredentialUpsertion("bob", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 8192),
                            "bob-password"),
                    new UserScramCredentialUpsertion("bob", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096),
                            "bob-password"))).all().get();
            Map<String, UserScramCredentialsDescription> described = admin.describeUserScramCredentials().all().get();
            assertThat(described).containsOnlyKeys(USER, "bob");
            assertThat(described.get("bob").credentialInfos()).containsExactlyInAnyOrder(
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 8192),
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096));
            for (String mechanism : List.of("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")) {
                try (Admin bob = admin(mechanism, "bob", "bob-password")) {
                    assertThat(bob.describeCluster().clusterId().get()).isNotEmpty();
                }
            }
            assertThatThrownBy(() -> admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion("carol",
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 100), "carol-password"))).all().get())
                    .hasCauseInstanceOf(org.apache.kafka.common.errors.UnacceptableCredentialException.class);
            admin.alterUserScramCredentials(List.of(new UserScramCredentialDeletion("bob", ScramMechanism.SCRAM_SHA_256),
                    new UserScramCredentialDeletion("bob", ScramMechanism.SCRAM_SHA_512))).all().get();
            assertThatThrownBy(() -> admin.describeUserScramCredentials(List.of("bob")).description("bob").get())
                    .hasCauseInstanceOf(ResourceNotFoundException.class);
            assertThatThrownBy(() -> admin.alterUserScramCredentials(List.of(
                    new UserScramCredentialDeletion("bob", ScramMechanism.SCRAM_SHA_256))).all().get())
                    .hasCauseInstanceOf(ResourceNotFoundException.class);
        }
        try (Admin bob = admin("SCRAM-SHA-256", "bob", "bob-password")) {
            assertThatThrownBy(() -> bob.describeCluster().clusterId().get())
                    .cause().isInstanceOf(SaslAuthenticationException.class);
        }
    }

    @Test
    void theCredentialsFileHoldsNoPasswordAndSurvivesARestart() throws Exception {
        addUser(USER, PASSWORD);
        start();
        try (Admin admin = admin("SCRAM-SHA-256", USER, PASSWORD)) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion("bob",
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), "bob-password"))).all().get();
        }
        byte[] file = Files.readAllBytes(ScramCredentialsFile.path(dir));
        assertThat(indexOf(file, PASSWORD.getBytes(StandardCharsets.UTF_8))).isEqualTo(-1);
        assertThat(indexOf(file, "bob-password".getBytes(StandardCharsets.UTF_8))).isEqualTo(-1);
        assertThat(indexOf(file, "bob".getBytes(StandardCharsets.UTF_8))).isNotEqualTo(-1);
        stop();
        start();
        try (Admin bob = admin("PLAIN", "bob", "bob-password")) {
            assertThat(bob.describeCluster().clusterId().get()).isNotEmpty();
        }
    }

    @Test
    void aDamagedCredentialsFileStopsTheStartNamingTheFile() throws Exception {
        addUser(USER, PASSWORD);
        Path file = ScramCredentialsFile.path(dir);
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 0x10;
        Files.write(file, bytes);
        manager = LogManager.open(dir, LogManagerConfig.defaults().withoutBackgroundTasks());
        assertThatThrownBy(() -> KafkaServer.start(KafkaServerConfig.defaults()
                        .withListeners(List.of(Listener.parse("SASL_PLAINTEXT://127.0.0.1:0"))),
                manager, Optional.empty(), new CompositeMeterRegistry()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("CRC");
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
