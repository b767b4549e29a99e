package dev.spool.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.kafka.group.ClassicGroupCoordinator;
import dev.spool.kafka.group.GroupCoordinatorConfig;
import dev.spool.log.LogManager;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConsumerGroupOffsetsResult;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListGroupsOptions;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.GroupType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import org.apache.kafka.common.errors.GroupSubscribedToTopicException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka's Admin client administers consumer groups on the server (what {@code kafka-consumer-groups}
 * does through it): lists and describes them, reads, resets and deletes their offsets, deletes
 * them; and FindCoordinator finds this node for transactions too (a transactional producer is
 * turned away at once only when the transaction log is damaged).
 */
class GroupAdminTest {
    private static final String TOPIC = "orders";
    private static final TopicPartition ORDERS_0 = new TopicPartition(TOPIC, 0);
    private static final TopicPartition ORDERS_1 = new TopicPartition(TOPIC, 1);

    @TempDir
    Path dir;

    private static RunningServer.CoordinatorFactory coordinators() {
        return dataDir -> ClassicGroupCoordinator.open(dataDir.resolve(LogManager.RESERVED_PREFIX
                + "consumer_offsets"), GroupCoordinatorConfig.defaults().withInitialRebalanceDelayMs(0));
    }


    private static Map<String, GroupListing> consumerGroups(Admin admin) throws Exception {
        Map<String, GroupListing> out = new java.util.TreeMap<>();
        admin.listGroups(ListGroupsOptions.forConsumerGroups()).all().get().forEach(g -> out.put(g.groupId(), g));
        return out;
    }

    private static ConsumerGroupDescription describe(Admin admin, String group) throws Exception {
        return admin.describeConsumerGroups(List.of(group)).all().get().get(group);
    }

    private static Map<TopicPartition, Long> offsets(Admin admin, String group) throws Exception {
        Map<TopicPartition, Long> out = new java.util.HashMap<>();
        admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().forEach((tp, offset) -> {
            if (offset != null) {
                out.put(tp, offset.offset());
            }
        });
        return out;
    }

    @Test
    @Timeout(120)
    void adminListsDescribesResetsAndDeletesConsumerGroupsAndTheirOffsets() throws Exception {
        try (RunningServer server = new RunningServer(dir, KafkaServerConfig.defaults(), coordinators())) {
            try (Admin admin = server.admin()) {
                admin.createTopics(List.of(new NewTopic(TOPIC, 2, (short) 1))).all().get();
                KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                        ConsumerGroupTest.groupProps(server.bootstrap(), "billing-1"));
                try {
                    consumer.subscribe(List.of(TOPIC));
                    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                    while (consumer.assignment().size() < 2) {
                        assertThat(System.nanoTime()).as("the consumer is assigned").isLessThan(deadline);
                        consumer.poll(Duration.ofMillis(100));
                    }
                    consumer.commitSync(Map.of(ORDERS_0, new OffsetAndMetadata(1), ORDERS_1, new OffsetAndMetadata(2)));
                    whileTheConsumerIsInTheGroup(admin, consumer);
                } finally {
                    consumer.close(); // leaves the group
                }
                afterTheConsumerLeft(admin);
            }
            server.restart();
            try (Admin admin = server.admin()) {
                assertThat(consumerGroups(admin)).as("deleted groups stay deleted").isEmpty();
                assertThat(offsets(admin, "billing")).isEmpty();
                assertThat(offsets(admin, "audit")).isEmpty();
                assertThatThrownBy(() -> describe(admin, "billing")).hasCauseInstanceOf(GroupIdNotFoundException.class);
            }
        }
    }

    private static void whileTheConsumerIsInTheGroup(Admin admin, KafkaConsumer<byte[], byte[]> consumer)
            throws Exception {
        GroupListing listed = consumerGroups(admin).get("billing");
        assertThat(listed).isNotNull();
        assertThat(listed.groupState()).contains(GroupState.STABLE);
        assertThat(listed.type()).contains(GroupType.CLASSIC);
        assertThat(listed.isSimpleConsumerGroup()).isFalse();

        ConsumerGroupDescription billing = describe(admin, "billing");
        assertThat(billing.groupState()).isEqualTo(GroupState.STABLE);
        assertThat(billing.type()).isEqualTo(GroupType.CLASSIC);
        assertThat(billing.partitionAssignor()).isEqualTo("range");
        assertThat(billing.members()).hasSize(1);
        MemberDescription member = billing.members().iterator().next();
        assertThat(member.clientId()).isEqualTo("billing-1");
        assertThat(member.host()).isEqualTo("/127.0.0.1");
        assertThat(member.consumerId()).isEqualTo(consumer.groupMetadata().memberId());
        assertThat(member.assignment().topicPartitions()).containsExactlyInAnyOrder(ORDERS_0, ORDERS_1);

        assertThat(offsets(admin, "billing")).containsOnly(Map.entry(ORDERS_0, 1L), Map.entry(ORDERS_1, 2L));
        assertThatThrownBy(() -> admin.deleteConsumerGroupOffsets("billing", Set.of(ORDERS_0)).all().get())
                .hasCauseInstanceOf(GroupSubscribedToTopicException.class);
        assertThatThrownBy(() -> admin.deleteConsumerGroups(List.of("billing")).all().get())
                .hasCauseInstanceOf(GroupNotEmptyException.class);

        // An empty group, as --reset-offsets --execute makes: offsets committed with no member.
        AlterConsumerGroupOffsetsResult reset = admin.alterConsumerGroupOffsets("audit", Map.of(
                ORDERS_0, new OffsetAndMetadata(5), new TopicPartition(TOPIC, 7), new OffsetAndMetadata(6)));
        reset.partitionResult(ORDERS_0).get();
        assertThatThrownBy(() -> reset.partitionResult(new TopicPartition(TOPIC, 7)).get())
                .hasCauseInstanceOf(UnknownTopicOrPartitionException.class);
        admin.alterConsumerGroupOffsets("audit", Map.of(ORDERS_1, new OffsetAndMetadata(3))).all().get();
        assertThat(offsets(admin, "audit")).containsOnly(Map.entry(ORDERS_0, 5L), Map.entry(ORDERS_1, 3L));
        ConsumerGroupDescription audit = describe(admin, "audit");
        assertThat(audit.groupState()).isEqualTo(GroupState.EMPTY);
        assertThat(audit.members()).isEmpty();
        assertThat(audit.isSimpleConsumerGroup()).isTrue();
        assertThat(consumerGroups(admin)).containsOnlyKeys("audit", "billing");
        assertThat(consumerGroups(admin).get("audit").groupState()).contains(GroupState.EMPTY);
    }

    private static void afterTheConsumerLeft(Admin admin) throws Exception {
        assertThat(describe(admin, "billing").groupState()).isEqualTo(GroupState.EMPTY);
        admin.deleteConsumerGroupOffsets("billing", Set.of(ORDERS_0)).all().get();
        assertThat(offsets(admin, "billing")).containsOnly(Map.entry(ORDERS_1, 2L));
        admin.deleteConsumerGroups(List.of("billing", "audit")).all().get();
        assertThat(consumerGroups(admin)).isEmpty();
        assertThat(offsets(admin, "billing")).isEmpty();
        assertThatThrownBy(() -> admin.deleteConsumerGroups(List.of("billing")).all().get())
                .hasCauseInstanceOf(GroupIdNotFoundException.class);
        assertThatThrownBy(() -> describe(admin, "nobody")).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(GroupIdNotFoundException.class);
    }

    @Test
    void everyVersionOfTheGroupAdministrationApisIsAnsweredOverTheWire() throws Exception {
        try (RunningServer server = new RunningServer(dir, KafkaServerConfig.defaults(), coordinators());
             RawClient client = new RawClient(server.port())) {
            for (short version = 0; version <= 5; version++) {
                ListGroupsResponseData list = (ListGroupsResponseData) client.call(ApiKeys.LIST_GROUPS, version,
                        new ListGroupsRequestData());
                assertThat(list.errorCode()).isEqualTo(Errors.NONE.code());
                assertThat(list.groups()).isEmpty();
            }
            for (short version = 0; version <= 6; version++) {
                DescribeGroupsResponseData described = (DescribeGroupsResponseData) client.call(
                        ApiKeys.DESCRIBE_GROUPS, version, new DescribeGroupsRequestData().setGroups(List.of("nobody")));
                assertThat(described.groups().get(0).errorCode()).isEqualTo(version >= 6
                        ? Errors.GROUP_ID_NOT_FOUND.code() : Errors.NONE.code());
            }
            for (short version = 0; version <= 3; version++) {
                DeleteGroupsResponseData deleted = (DeleteGroupsResponseData) client.call(ApiKeys.DELETE_GROUPS,
                        version, new DeleteGroupsRequestData().setGroupsNames(List.of("nobody")));
                assertThat(deleted.results().find("nobody").errorCode()).isEqualTo(Errors.GROUP_ID_NOT_FOUND.code());
            }
            OffsetDeleteResponseData offsets = (OffsetDeleteResponseData) client.call(ApiKeys.OFFSET_DELETE,
                    (short) 0, new OffsetDeleteRequestData().setGroupId("nobody"));
            assertThat(offsets.errorCode()).isEqualTo(Errors.GROUP_ID_NOT_FOUND.code());
        }
    }

    @Test
    void findCoordinatorForATransactionFindsThisNodeAtEveryVersion() throws Exception {
        try (RunningServer server = new RunningServer(dir, KafkaServerConfig.defaults(), coordinators());
             RawClient client = new RawClient(server.port())) {
            byte transaction = FindCoordinatorRequest.CoordinatorType.TRANSACTION.id();
            for (short version = 1; version <= 3; version++) {
                FindCoordinatorResponseData response = (FindCoordinatorResponseData) client.call(
                        ApiKeys.FIND_COORDINATOR, version,
                        new FindCoordinatorRequestData().setKeyType(transaction).setKey("payments-tx"));
                assertThat(response.errorCode()).isEqualTo(Errors.NONE.code());
                assertThat(response.port()).isEqualTo(server.port());
            }
            for (short version = 4; version <= 6; version++) {
                FindCoordinatorResponseData response = (FindCoordinatorResponseData) client.call(
                        ApiKeys.FIND_COORDINATOR, version, new FindCoordinatorRequestData().setKeyType(transaction)
                                .setCoordinatorKeys(List.of("payments-tx")));
                assertThat(response.coordinators()).singleElement().satisfies(c -> {
                    assertThat(c.errorCode()).isEqualTo(Errors.NONE.code());
                    assertThat(c.port()).isEqualTo(server.port());
                });
            }
            FindCoordinatorResponseData unknownType = (FindCoordinatorResponseData) client.call(
                    ApiKeys.FIND_COORDINATOR, (short) 4, new FindCoordinatorRequestData().setKeyType((byte) 9)
                            .setCoordinatorKeys(List.of("k")));
            assertThat(unknownType.coordinators().get(0).errorCode()).isEqualTo(Errors.INVALID_REQUEST.code());
        }
    }

    /**
     * A damaged transaction log takes only transactions offline. A transactional producer then gets
     * the one FindCoordinator error the Java producer, librdkafka and kafkajs all take as fatal:
     * with a retriable one it would retry until max.block.ms (60 s here) and end with a
     * TimeoutException; the fatal error ends initTransactions() at once.
     */
    @Test
    @Timeout(30)
    void withADamagedTransactionLogATransactionalProducerFailsAtOnce() throws Exception {
        damageTransactionLog();
        try (RunningServer server = new RunningServer(dir, KafkaServerConfig.defaults(), coordinators());
             RawClient client = new RawClient(server.port())) {
            FindCoordinatorResponseData found = (FindCoordinatorResponseData) client.call(ApiKeys.FIND_COORDINATOR,
                    (short) 4, new FindCoordinatorRequestData()
                            .setKeyType(FindCoordinatorRequest.CoordinatorType.TRANSACTION.id())
                            .setCoordinatorKeys(List.of("payments-tx")));
            assertThat(found.coordinators()).singleElement().satisfies(c -> {
                assertThat(c.errorCode()).isEqualTo(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code());
                assertThat(c.errorMessage()).contains("without a transaction coordinator");
            });
            Properties props = new Properties();
            props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, server.bootstrap());
            props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "payments-tx");
            props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "60000");
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(),
                    new ByteArraySerializer())) {
                assertThatThrownBy(producer::initTransactions)
                        .isInstanceOf(TransactionalIdAuthorizationException.class)
                        .hasMessageContaining("Transactional Id");
            }
            // The rest serves: an idempotent producer still gets its id.
            InitProducerIdResponseData idempotent = (InitProducerIdResponseData) client.call(
                    ApiKeys.INIT_PRODUCER_ID, (short) 4, new InitProducerIdRequestData().setTransactionalId(null)
                            .setTransactionTimeoutMs(60_000));
            assertThat(idempotent.errorCode()).isEqualTo(Errors.NONE.code());
        }
    }

    /** A transaction log whose one record has a key of an unknown version: its replay refuses it. */
    private void damageTransactionLog() throws Exception {
        java.nio.file.Path log = dir.resolve(dev.spool.kafka.txn.TransactionStore.DIR_NAME);
        java.nio.file.Files.createDirectories(log);
        dev.spool.log.record.BatchBuilder builder = new dev.spool.log.record.BatchBuilder(1 << 10);
        builder.tryAppend(1_000L, new byte[] {0, 9, 0, 1, 'x'}, new byte[] {0, 0});
        java.nio.ByteBuffer batch = builder.build();
        byte[] bytes = new byte[batch.remaining()];
        batch.get(bytes);
        java.nio.file.Files.write(log.resolve("00000000000000000000.log"), bytes);
    }
}
