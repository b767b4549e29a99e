package dev.spool.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.kafka.security.AclFile;
import dev.spool.kafka.security.AuthorizerSettings;
import dev.spool.kafka.security.SecuritySettings;
import dev.spool.log.io.FileIO;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The authorizer end to end with kafka-clients, on a plaintext listener where every client is
 * {@code User:ANONYMOUS}: denied by default, allowed by the ACLs the Java Admin creates, DENY over
 * ALLOW, prefixed patterns, groups, super users, ACLs kept across a restart, a damaged ACL file.
 * The ACL file is seeded with ALTER on the cluster for ANONYMOUS where a test needs to create ACLs,
 * as an operator would grant it to an administrator.
 */
@Timeout(120)
class AuthorizationTest {
    private static final String ANONYMOUS = KafkaPrincipal.ANONYMOUS.toString();

    @TempDir
    Path dir;

    private RunningServer start(Set<KafkaPrincipal> superUsers) throws IOException {
        KafkaServerConfig config = KafkaServerConfig.defaults().withSecurity(SecuritySettings.defaults()
                .withAuthorizer(new AuthorizerSettings(true, superUsers)));
        return new RunningServer(dir, config, RunningServer.groups());
    }

    /** Lets ANONYMOUS administer ACLs, nothing else. */
    private void seedAclAdministrator() throws IOException {
        AclFile.write(FileIO.real(), dir, List.of(acl(ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL,
                AclOperation.ALTER, AclPermissionType.ALLOW)));
    }

    private static AclBinding acl(ResourceType type, String name, PatternType pattern, AclOperation operation,
                                  AclPermissionType permission) {
        return new AclBinding(new ResourcePattern(type, name, pattern),
                new AccessControlEntry(ANONYMOUS, "*", operation, permission));
    }

    private static void create(Admin admin, AclBinding... bindings) throws Exception {
        admin.createAcls(List.of(bindings)).all().get();
    }

    @Test
    void produceAndFetchAreDeniedByDefaultAndAllowedOnceAclsAreCreated() throws Exception {
        seedAclAdministrator();
        try (RunningServer server = start(Set.of()); Admin admin = server.admin()) {
            server.manager().createTopic("orders", 1);
            try (KafkaProducer<String, String> producer = producer(server, false)) {
                assertThatThrownBy(() -> producer.send(new ProducerRecord<>("orders", "k", "v")).get())
                        .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(TopicAuthorizationException.class);
            }
            try (KafkaConsumer<String, String> consumer = consumer(server, null)) {
                consumer.assign(List.of(new TopicPartition("orders", 0)));
                assertThatThrownBy(() -> consumer.poll(Duration.ofSeconds(5)))
                        .isInstanceOf(TopicAuthorizationException.class);
            }
            create(admin, acl(ResourceType.TOPIC, "orders", PatternType.LITERAL, AclOperation.WRITE,
                    AclPermissionType.ALLOW));
            try (KafkaProducer<String, String> producer = producer(server, true)) { // idempotent: WRITE on a topic suffices
                producer.send(new ProducerRecord<>("orders", "k", "v")).get();
            }
            create(admin, acl(ResourceType.TOPIC, "orders", PatternType.LITERAL, AclOperation.READ,
                    AclPermissionType.ALLOW));
            try (KafkaConsumer<String, String> consumer = consumer(server, null)) {
                consumer.assign(List.of(new TopicPartition("orders", 0)));
                consumer.seekToBeginning(List.of(new TopicPartition("orders", 0)));
                assertThat(pollValues(consumer, 1)).containsExactly("v");
            }
        }
    }

    @Test
    void theAclApisNeedTheClusterPermission() throws Exception {
        try (RunningServer server = start(Set.of()); Admin admin = server.admin()) {
            assertThatThrownBy(() -> create(admin, acl(ResourceType.TOPIC, "orders", PatternType.LITERAL,
                    AclOperation.ALL, AclPermissionType.ALLOW))).hasCauseInstanceOf(ClusterAuthorizationException.class);
            assertThatThrownBy(() -> admin.describeAcls(AclBindingFilter.ANY).values().get())
                    .hasCauseInstanceOf(ClusterAuthorizationException.class);
            assertThatThrownBy(() -> admin.deleteAcls(List.of(AclBindingFilter.ANY)).all().get())
                    .hasCauseInstanceOf(ClusterAuthorizationException.class);
        }
    }

    @Test
    void theSaslUsersAreReadAndChangedOnlyWithTheClusterPermission() throws Exception {
        seedAclAdministrator(); // ALTER on the cluster, which implies DESCRIBE
        org.apache.kafka.clients.admin.UserScramCredentialUpsertion alice =
                new org.apache.kafka.clients.admin.UserScramCredentialUpsertion("alice",
                        new org.apache.kafka.clients.admin.ScramCredentialInfo(
                                org.apache.kafka.clients.admin.ScramMechanism.SCRAM_SHA_256, 4096), "secret");
        try (RunningServer server = start(Set.of()); Admin admin = server.admin()) {
            admin.alterUserScramCredentials(List.of(alice)).all().get();
            assertThat(admin.describeUserScramCredentials().users().get()).containsExactly("alice");
            admin.deleteAcls(List.of(acl(ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL,
                    AclOperation.ALTER, AclPermissionType.ALLOW).toFilter())).all().get();
            assertThatThrownBy(() -> admin.describeUserScramCredentials().all().get())
                    .hasCauseInstanceOf(ClusterAuthorizationException.class);
            assertThatThrownBy(() -> admin.alterUserScramCredentials(List.of(alice)).all().get())
                    .hasCauseInstanceOf(ClusterAuthorizationException.class);
        }
    }

    @Test
    void aDenyOverridesAnAllowAndPrefixedPatternsCoverTheirTopics() throws Exception {
        seedAclAdministrator();
        try (RunningServer server = start(Set.of()); Admin admin = server.admin()) {
            for (String topic : List.of("orders-eu", "orders-secret", "payments")) {
                server.manager().createTopic(topic, 1);
            }
            create(admin, acl(ResourceType.TOPIC, "orders-", PatternType.PREFIXED, AclOperation.ALL,
                            AclPermissionType.ALLOW),
                    acl(ResourceType.TOPIC, "orders-secret", PatternType.LITERAL, AclOperation.WRITE,
                            AclPermissionType.DENY));
            try (KafkaProducer<String, String> producer = producer(server, false)) {
                producer.send(new ProducerRecord<>("orders-eu", "k", "v")).get();
                assertThatThrownBy(() -> producer.send(new ProducerRecord<>("orders-secret", "k", "v")).get())
                        .hasCauseInstanceOf(TopicAuthorizationException.class);
                assertThatThrownBy(() -> producer.send(new ProducerRecord<>("payments", "k", "v")).get())
                        .hasCauseInstanceOf(TopicAuthorizationException.class);
            }
            // DESCRIBE is implied by ALL on the prefix and not denied by denying WRITE: listing shows both orders topics.
            assertThat(admin.listTopics().names().get()).containsExactlyInAnyOrder("orders-eu", "orders-secret");
            assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic("payments-2", 1, (short) 1))).all().get())
                    .hasCauseInstanceOf(TopicAuthorizationException.class);
            admin.createTopics(List.of(new NewTopic("orders-us", 1, (short) 1))).all().get(); // CREATE by the prefix
            assertThatThrownBy(() -> admin.deleteTopics(List.of("payments")).all().get())
                    .hasCauseInstanceOf(TopicAuthorizationException.class);
            assertThat(server.manager().topicExists("payments")).isTrue();
        }
    }

    @Test
    void aTransactionalProducerNeedsWriteOnItsTransactionalIdAndDescribeShowsOnlyWhatItMayDescribe()
            throws Exception {
        seedAclAdministrator();
        try (RunningServer server = start(Set.of()); Admin admin = server.admin()) {
            server.manager().createTopic("orders", 1);
            create(admin, acl(ResourceType.TOPIC, "orders", PatternType.LITERAL, AclOperation.WRITE,
                    AclPermissionType.ALLOW));
            try (KafkaProducer<String, String> producer = transactionalProducer(server, "orders-tx")) {
                assertThatThrownBy(producer::initTransactions)
                        .isInstanceOf(org.apache.kafka.common.errors.TransactionalIdAuthorizationException.class);
            }
            create(admin, acl(ResourceType.TRANSACTIONAL_ID, "orders-", PatternType.PREFIXED, AclOperation.WRITE,
                    AclPermissionType.ALLOW));
            try (KafkaProducer<String, String> producer = transactionalProducer(server, "orders-tx");
                 KafkaProducer<String, String> other = transactionalProducer(server, "audit-tx")) {
                producer.initTransactions();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>("orders", "k", "v")).get();
                producer.commitTransaction();
                assertThatThrownBy(other::initTransactions)
                        .isInstanceOf(org.apache.kafka.common.errors.TransactionalIdAuthorizationException.class);
            }
            // WRITE implies DESCRIBE: the id is listed and described; another is not visible.
            assertThat(admin.listTransactions().all().get()).extracting(t -> t.transactionalId())
                    .containsExactly("orders-tx");
            assertThat(admin.describeTransactions(List.of("orders-tx")).description("orders-tx").get().state())
                    .isEqualTo(org.apache.kafka.clients.admin.TransactionState.COMPLETE_COMMIT);
        }
    }

    /**
     * Finding a transaction's coordinator needs DESCRIBE on the transactional id (WRITE implies it),
     * as Kafka's broker requires; each key refused is answered with its own error, the others served.
     */
    @Test
    void findingATransactionsCoordinatorNeedsDescribeOnItsTransactionalId() throws Exception {
        seedAclAdministrator();
        try (RunningServer server = start(Set.of()); Admin admin = server.admin()) {
            create(admin, acl(ResourceType.TRANSACTIONAL_ID, "orders-", PatternType.PREFIXED, AclOperation.DESCRIBE,
                    AclPermissionType.ALLOW), acl(ResourceType.TRANSACTIONAL_ID, "billing-tx", PatternType.LITERAL,
                    AclOperation.WRITE, AclPermissionType.ALLOW));
            try (RawClient client = new RawClient(server.port())) {
                var response = (org.apache.kafka.common.message.FindCoordinatorResponseData) client.call(
                        org.apache.kafka.common.protocol.ApiKeys.FIND_COORDINATOR, (short) 4,
                        new org.apache.kafka.common.message.FindCoordinatorRequestData().setKeyType((byte) 1)
                                .setCoordinatorKeys(List.of("orders-tx", "audit-tx", "billing-tx")));
                assertThat(response.coordinators()).extracting(c -> c.key() + "=" + c.errorCode())
                        .containsExactlyInAnyOrder("orders-tx=0", "billing-tx=0", "audit-tx="
                                + org.apache.kafka.common.protocol.Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code());
                var old = (org.apache.kafka.common.message.FindCoordinatorResponseData) client.call(
                        org.apache.kafka.common.protocol.ApiKeys.FIND_COORDINATOR, (short) 3,
                        new org.apache.kafka.common.message.FindCoordinatorRequestData().setKeyType((byte) 1)
                                .setKey("audit-tx"));
                assertThat(old.errorCode())
                        .isEqualTo(org.apache.kafka.common.protocol.Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code());
                assertThat(old.nodeId()).isEqualTo(-1);
            }
        }
    }

    private static KafkaProducer<String, String> transactionalProducer(RunningServer server, String transactionalId) {
        java.util.Properties props = new java.util.Properties();
        props.put(org.apache.kafka.clients.producer.ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, server.bootstrap());
        props.put(org.apache.kafka.clients.producer.ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        props.put(org.apache.kafka.clients.producer.ProducerConfig.MAX_BLOCK_MS_CONFIG, "20000");
        return new KafkaProducer<>(props, new org.apache.kafka.common.serialization.StringSerializer(),
                new org.apache.kafka.common.serialization.StringSerializer());
    }

    @Test
    void aConsumerGroupNeedsReadOnTheGroup() throws Exception {
        seedAclAdministrator();
        try (RunningServer server = start(Set.of()); Admin admin = server.admin()) {
            server.manager().createTopic("orders", 1);
            create(admin, acl(ResourceType.TOPIC, "orders", PatternType.LITERAL, AclOperation.ALL,
                    AclPermissionType.ALLOW));
            try (KafkaProducer<String, String> producer = producer(server, true)) {
                producer.send(new ProducerRecord<>("orders", "k", "v")).get();
            }
            try (KafkaConsumer<String, String> consumer = consumer(server, "billing")) {
                consumer.subscribe(List.of("orders"));
                assertThatThrownBy(() -> pollValues(consumer, 1)).isInstanceOf(GroupAuthorizationException.class);
            }
            create(admin, acl(ResourceType.GROUP, "bill", PatternType.PREFIXED, AclOperation.READ,
                    AclPermissionType.ALLOW));
            try (KafkaConsumer<String, String> consumer = consumer(server, "billing")) {
                consumer.subscribe(List.of("orders"));
                assertThat(pollValues(consumer, 1)).containsExactly("v");
                consumer.commitSync();
            }
            // READ implies DESCRIBE: the group is listed; a group without ACLs is not.
            assertThat(admin.listConsumerGroups().all().get()).extracting(listing -> listing.groupId())
                    .containsExactly("billing");
            assertThat(admin.listConsumerGroupOffsets("billing").partitionsToOffsetAndMetadata().get())
                    .containsKey(new TopicPartition("orders", 0));
            assertThatThrownBy(() -> admin.deleteConsumerGroups(List.of("billing")).all().get())
                    .hasCauseInstanceOf(GroupAuthorizationException.class);
        }
    }

    @Test
    void administrativeApisNeedTheirOwnOperations() throws Exception {
        seedAclAdministrator();
        try (RunningServer server = start(Set.of()); Admin admin = server.admin()) {
            server.manager().createTopic("orders", 1);
            create(admin, acl(ResourceType.TOPIC, "orders", PatternType.LITERAL, AclOperation.DESCRIBE,
                    AclPermissionType.ALLOW));
            ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, "orders");
            ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, "0");
            assertThatThrownBy(() -> admin.describeConfigs(List.of(topic)).all().get())
                    .as("DESCRIBE does not imply DESCRIBE_CONFIGS").hasCauseInstanceOf(TopicAuthorizationException.class);
            assertThatThrownBy(() -> admin.describeConfigs(List.of(broker)).all().get())
                    .hasCauseInstanceOf(ClusterAuthorizationException.class);
            assertThatThrownBy(() -> admin.createPartitions(Map.of("orders", NewPartitions.increaseTo(2))).all().get())
                    .hasCauseInstanceOf(TopicAuthorizationException.class);
            assertThatThrownBy(() -> admin.deleteRecords(Map.of(new TopicPartition("orders", 0),
                    RecordsToDelete.beforeOffset(0))).all().get()).hasCauseInstanceOf(TopicAuthorizationException.class);
            assertThat(server.manager().partitionCount("orders")).isEqualTo(1);

            create(admin, acl(ResourceType.TOPIC, "orders", PatternType.LITERAL, AclOperation.ALTER_CONFIGS,
                    AclPermissionType.ALLOW));
            admin.incrementalAlterConfigs(Map.of(topic, List.of(new AlterConfigOp(
                    new ConfigEntry("retention.ms", "3600000"), AlterConfigOp.OpType.SET)))).all().get();
            assertThat(admin.describeConfigs(List.of(topic)).all().get().get(topic).get("retention.ms").value())
                    .as("ALTER_CONFIGS implies DESCRIBE_CONFIGS").isEqualTo("3600000");
        }
    }

    @Test
    void anOffsetCommitNeedsReadOnTheTopicToo() throws Exception {
        seedAclAdministrator();
        try (RunningServer server = start(Set.of()); Admin admin = server.admin()) {
            server.manager().createTopic("orders", 1);
            server.manager().createTopic("hidden", 1);
            create(admin, acl(ResourceType.TOPIC, "orders", PatternType.LITERAL, AclOperation.READ,
                            AclPermissionType.ALLOW),
                    acl(ResourceType.GROUP, "billing", PatternType.LITERAL, AclOperation.READ, AclPermissionType.ALLOW));
            try (KafkaConsumer<String, String> consumer = consumer(server, "billing")) {
                consumer.commitSync(Map.of(new TopicPartition("orders", 0), new OffsetAndMetadata(0)));
                assertThatThrownBy(() -> consumer.commitSync(Map.of(new TopicPartition("hidden", 0),
                        new OffsetAndMetadata(0)))).isInstanceOf(TopicAuthorizationException.class);
            }
            assertThat(admin.listConsumerGroupOffsets("billing").partitionsToOffsetAndMetadata().get())
                    .containsOnlyKeys(new TopicPartition("orders", 0));
        }
    }

    @Test
    void aSuperUserMayDoEverythingWithoutAcls() throws Exception {
        try (RunningServer server = start(Set.of(KafkaPrincipal.ANONYMOUS)); Admin admin = server.admin()) {
            admin.createTopics(List.of(new NewTopic("orders", 1, (short) 1))).all().get();
            try (KafkaProducer<String, String> producer = producer(server, true)) {
                producer.send(new ProducerRecord<>("orders", "k", "v")).get();
            }
            try (KafkaConsumer<String, String> consumer = consumer(server, "billing")) {
                consumer.subscribe(List.of("orders"));
                assertThat(pollValues(consumer, 1)).containsExactly("v");
            }
            create(admin, acl(ResourceType.TOPIC, "orders", PatternType.LITERAL, AclOperation.ALL,
                    AclPermissionType.DENY));
            try (KafkaProducer<String, String> producer = producer(server, true)) { // a DENY does not bind a super user
                producer.send(new ProducerRecord<>("orders", "k", "v2")).get();
            }
        }
    }

    @Test
    void aclsSurviveARestartAndFiltersDescribeAndDeleteExactlyTheirMatches() throws Exception {
        seedAclAdministrator();
        AclBinding readOrders = acl(ResourceType.TOPIC, "orders", PatternType.LITERAL, AclOperation.READ,
                AclPermissionType.ALLOW);
        AclBinding writePrefix = acl(ResourceType.TOPIC, "orders-", PatternType.PREFIXED, AclOperation.WRITE,
                AclPermissionType.ALLOW);
        AclBinding denyGroup = new AclBinding(new ResourcePattern(ResourceType.GROUP, "billing", PatternType.LITERAL),
                new AccessControlEntry("User:mallory", "10.0.0.9", AclOperation.ALL, AclPermissionType.DENY));
        try (RunningServer server = start(Set.of()); Admin admin = server.admin()) {
            create(admin, readOrders, writePrefix, denyGroup);
            server.restart();
            try (Admin again = server.admin()) {
                assertThat(again.describeAcls(AclBindingFilter.ANY).values().get()).hasSize(4)
                        .contains(readOrders, writePrefix, denyGroup);
                // MATCH: the ACLs that apply to topic orders-eu, literal or prefixed.
                assertThat(again.describeAcls(new AclBindingFilter(new ResourcePatternFilter(ResourceType.TOPIC,
                        "orders-eu", PatternType.MATCH), AccessControlEntryFilter.ANY)).values().get())
                        .containsExactly(writePrefix);
                assertThat(again.describeAcls(new AclBindingFilter(ResourcePatternFilter.ANY,
                        new AccessControlEntryFilter("User:mallory", null, AclOperation.ANY, AclPermissionType.ANY)))
                        .values().get()).containsExactly(denyGroup);
                Collection<AclBinding> deleted = again.deleteAcls(List.of(new AclBindingFilter(
                        new ResourcePatternFilter(ResourceType.TOPIC, null, PatternType.ANY),
                        AccessControlEntryFilter.ANY))).all().get();
                assertThat(deleted).containsExactlyInAnyOrder(readOrders, writePrefix);
            }
            server.restart();
            try (Admin again = server.admin()) {
                assertThat(again.describeAcls(AclBindingFilter.ANY).values().get()).hasSize(2).contains(denyGroup)
                        .doesNotContain(readOrders, writePrefix);
            }
        }
    }

    @Test
    void aDamagedAclFileStopsTheStartNamingTheFile() throws Exception {
        seedAclAdministrator();
        Path file = AclFile.path(dir);
        Files.writeString(file, Files.readString(file, StandardCharsets.UTF_8).replace("ALTER", "ALL"),
                StandardCharsets.UTF_8);
        assertThatThrownBy(() -> start(Set.of())).isInstanceOf(IOException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("CRC");
    }

    @Test
    void withoutAnAuthorizerTheAclFileIsNotRead() throws Exception {
        Files.createDirectories(AclFile.path(dir).getParent());
        Files.writeString(AclFile.path(dir), "damaged", StandardCharsets.UTF_8);
        try (RunningServer server = new RunningServer(dir)) {
            server.manager().createTopic("orders", 1);
            try (KafkaProducer<String, String> producer = producer(server, true)) {
                producer.send(new ProducerRecord<>("orders", "k", "v")).get();
            }
        }
    }

    private static KafkaProducer<String, String> producer(RunningServer server, boolean idempotent) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, server.bootstrap());
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, Boolean.toString(idempotent));
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "15000");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "15000");
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
    }

    private static KafkaConsumer<String, String> consumer(RunningServer server, String group) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, server.bootstrap());
        if (group != null) {
            props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        }
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        return new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
    }

    /** Polls until {@code count} values arrived or 30 s passed; the values. */
    private static List<String> pollValues(KafkaConsumer<String, String> consumer, int count) {
        List<String> values = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (values.size() < count && System.nanoTime() < deadline) {
            for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                values.add(record.value());
            }
        }
        return values;
    }
}
