package dev.spool.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.TopicSetting;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DescribeConfigsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.errors.PolicyViolationException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Topic configs through the real clients: CreateTopics with configs, DescribeConfigs sources,
 * IncrementalAlterConfigs and AlterConfigs on a live topic surviving a restart, each refusal, and
 * what produce enforces (max.message.bytes with a 10 MiB record, LogAppendTime, timestamp bounds).
 */
class TopicConfigsTest {
    private static final int TEN_MIB = 10 << 20;

    @TempDir
    Path dir;


    private static KafkaProducer<byte[], byte[]> producer(RunningServer server) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, server.bootstrap());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(TEN_MIB + (1 << 20)));
        props.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Integer.toString(64 << 20));
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "20000");
        props.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, "20");
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static List<ConsumerRecord<byte[], byte[]>> consume(RunningServer server, String topic, int count) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, server.bootstrap());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "100");
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (out.size() < count && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    private static Config describe(Admin admin, String topic) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        return admin.describeConfigs(List.of(resource), new DescribeConfigsOptions().includeSynonyms(true)
                .includeDocumentation(true)).all().get().get(resource);
    }

    private static void alter(Admin admin, String topic, Collection<AlterConfigOp> ops, boolean validateOnly)
            throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        admin.incrementalAlterConfigs(Map.of(resource, ops),
                new org.apache.kafka.clients.admin.AlterConfigsOptions().validateOnly(validateOnly)).all().get();
    }

    private static AlterConfigOp op(String name, String value, AlterConfigOp.OpType type) {
        return new AlterConfigOp(new ConfigEntry(name, value), type);
    }

    /** The configs Kafka Streams sets on a repartition topic, and the ones a single node takes as they are. */
    @Test
    void createTopicsStoresTheConfigsAndDescribeConfigsTellsTheirSources() throws Exception {
        try (RunningServer server = new RunningServer(dir); Admin admin = server.admin()) {
            admin.createTopics(List.of(new NewTopic("repartition", 2, (short) 1).configs(Map.of(
                    "cleanup.policy", "delete", "segment.bytes", "52428800", "retention.ms", "-1",
                    "message.timestamp.type", "CreateTime", "min.insync.replicas", "1")))).all().get();
            dev.spool.log.TopicConfig stored = server.manager().topicConfig("repartition");
            assertThat(stored.overrides()).containsOnlyKeys(TopicSetting.SEGMENT_BYTES, TopicSetting.RETENTION_MS,
                    TopicSetting.MESSAGE_TIMESTAMP_TYPE, TopicSetting.CLEANUP_POLICY);
            assertThat(server.manager().log("repartition", 1).config().segmentBytes()).isEqualTo(52_428_800);

            Config config = describe(admin, "repartition");
            ConfigEntry segmentBytes = config.get("segment.bytes");
            assertThat(segmentBytes.value()).isEqualTo("52428800");
            assertThat(segmentBytes.source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
            assertThat(segmentBytes.isReadOnly()).isFalse();
            assertThat(segmentBytes.synonyms()).extracting(ConfigEntry.ConfigSynonym::name)
                    .containsExactly("segment.bytes", "log.segment.bytes");
            assertThat(segmentBytes.documentation()).contains("segment");
            assertThat(config.get("retention.ms").value()).isEqualTo("-1");
            ConfigEntry retentionBytes = config.get("retention.bytes");
            assertThat(retentionBytes.source()).isEqualTo(ConfigEntry.ConfigSource.DEFAULT_CONFIG);
            assertThat(retentionBytes.value()).isEqualTo("-1");
            assertThat(config.get("max.message.bytes").value()).isEqualTo("1048588");
            assertThat(config.get("cleanup.policy").value()).isEqualTo("delete");
            assertThat(config.get("cleanup.policy").source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);

            ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, "0");
            Config brokerConfig = admin.describeConfigs(List.of(broker)).all().get().get(broker);
            assertThat(brokerConfig.get("log.retention.ms").value()).isEqualTo("604800000");
            assertThat(brokerConfig.get("message.max.bytes").source())
                    .isEqualTo(ConfigEntry.ConfigSource.STATIC_BROKER_CONFIG);
        }
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
        "cleanup.policy|shrink|cleanup.policy",
        "cleanup.policy|compact,forget|cleanup.policy",
        "no.such.config|1|no.such.config",
        "segment.bytes|13|segment.bytes",
        "retention.ms|-2|retention.ms",
        "max.message.bytes|-1|max.message.bytes",
        "message.timestamp.type|LogAppend|message.timestamp.type",
        "compression.type|brotli|compression.type",
        "min.insync.replicas|2|min.insync.replicas",
    })
    void createTopicsRefusesAConfigItCannotHonourNamingIt(String name, String value, String named) throws Exception {
        try (RunningServer server = new RunningServer(dir); Admin admin = server.admin()) {
            assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic("t", 1, (short) 1)
                    .configs(Map.of(name, value)))).all().get())
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(InvalidConfigurationException.class)
                    .hasMessageContaining(named);
            assertThat(server.manager().topicExists("t")).isFalse();
        }
    }

    /**
     * Kafka Streams' changelogs (and Connect's and MirrorMaker 2's internal topics) are created
     * with cleanup.policy=compact. Spool accepts it: a compact-only topic is never trimmed by
     * retention (as in Kafka), compact,delete is.
     */
    @Test
    void aCompactedTopicIsAcceptedAndNeverTrimmedByRetentionUnlessItAlsoDeletes() throws Exception {
        try (RunningServer server = new RunningServer(dir)) {
            try (Admin admin = server.admin()) {
                admin.createTopics(List.of(
                        new NewTopic("changelog", 1, (short) 1).configs(Map.of("cleanup.policy", "compact",
                                "retention.ms", "60000")),
                        new NewTopic("both", 1, (short) 1).configs(Map.of("cleanup.policy", "delete,compact",
                                "retention.ms", "60000")))).all().get();
                assertThat(describe(admin, "changelog").get("cleanup.policy").value()).isEqualTo("compact");
                assertThat(describe(admin, "changelog").get("cleanup.policy").source())
                        .isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
                assertThat(describe(admin, "both").get("cleanup.policy").value()).isEqualTo("compact,delete");
                assertThat(server.manager().log("changelog", 0).config().retentionMs()).isEqualTo(-1);
                assertThat(server.manager().log("both", 0).config().retentionMs()).isEqualTo(60_000);

                alter(admin, "changelog", List.of(op("cleanup.policy", "delete", AlterConfigOp.OpType.APPEND)), false);
                assertThat(describe(admin, "changelog").get("cleanup.policy").value()).isEqualTo("compact,delete");
                assertThat(server.manager().log("changelog", 0).config().retentionMs()).isEqualTo(60_000);
                alter(admin, "changelog", List.of(op("cleanup.policy", "delete", AlterConfigOp.OpType.SUBTRACT)), false);
            }
            server.restart();
            try (Admin admin = server.admin()) {
                assertThat(describe(admin, "changelog").get("cleanup.policy").value()).isEqualTo("compact");
                assertThat(server.manager().log("changelog", 0).config().retentionMs()).isEqualTo(-1);
            }
        }
    }

    @Test
    void incrementalAlterConfigsChangesALiveTopicAndTheChangeSurvivesARestart() throws Exception {
        try (RunningServer server = new RunningServer(dir)) {
            try (Admin admin = server.admin()) {
                admin.createTopics(List.of(new NewTopic("orders", 1, (short) 1)
                        .configs(Map.of("segment.bytes", "1000000")))).all().get();
                alter(admin, "orders", List.of(op("retention.ms", "3600000", AlterConfigOp.OpType.SET)), true);
                assertThat(describe(admin, "orders").get("retention.ms").source())
                        .as("validateOnly changes nothing").isEqualTo(ConfigEntry.ConfigSource.DEFAULT_CONFIG);

                alter(admin, "orders", List.of(op("retention.ms", "3600000", AlterConfigOp.OpType.SET),
                        op("segment.bytes", null, AlterConfigOp.OpType.DELETE),
                        op("cleanup.policy", "delete", AlterConfigOp.OpType.APPEND),
                        op("spool.durability", "strict", AlterConfigOp.OpType.SET)), false);
                assertThat(server.manager().log("orders", 0).config().retentionMs()).isEqualTo(3_600_000);
                assertThat(server.manager().log("orders", 0).config().segmentBytes()).isEqualTo(1 << 30);

                for (AlterConfigOp refused : List.of(op("retention.ms", "5", AlterConfigOp.OpType.APPEND),
                        op("cleanup.policy", "shrink", AlterConfigOp.OpType.APPEND),
                        op("cleanup.policy", "delete", AlterConfigOp.OpType.SUBTRACT),
                        op("segment.ms", "0", AlterConfigOp.OpType.SET),
                        op("no.such.config", "1", AlterConfigOp.OpType.SET))) {
                    assertThatThrownBy(() -> alter(admin, "orders", List.of(refused), false))
                            .as(refused.toString()).hasCauseInstanceOf(InvalidConfigurationException.class)
                            .hasMessageContaining(refused.configEntry().name());
                }
                // Deleting a config Spool does not keep (it is at its default) changes nothing, as on Kafka.
                alter(admin, "orders", List.of(op("no.such.config", null, AlterConfigOp.OpType.DELETE),
                        op("preallocate", null, AlterConfigOp.OpType.DELETE)), false);
                assertThat(server.manager().log("orders", 0).config().retentionMs()).isEqualTo(3_600_000);
                ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, "0");
                assertThatThrownBy(() -> admin.incrementalAlterConfigs(Map.of(broker, List.of(
                        op("log.retention.ms", "1000", AlterConfigOp.OpType.SET)))).all().get())
                        .hasCauseInstanceOf(PolicyViolationException.class).hasMessageContaining("log.retention.ms");
            }
            server.restart();
            try (Admin admin = server.admin()) {
                Config config = describe(admin, "orders");
                assertThat(config.get("retention.ms").value()).isEqualTo("3600000");
                assertThat(config.get("retention.ms").source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
                assertThat(config.get("segment.bytes").source()).isEqualTo(ConfigEntry.ConfigSource.DEFAULT_CONFIG);
                assertThat(config.get("spool.durability").value()).isEqualTo("strict");
                assertThat(server.manager().log("orders", 0).config().retentionMs()).isEqualTo(3_600_000);
            }
        }
    }

    /** The legacy AlterConfigs replaces the topic's configs: what it does not list returns to its default. */
    @Test
    void alterConfigsReplacesTheWholeSet() throws Exception {
        try (RunningServer server = new RunningServer(dir); RawClient raw = new RawClient(server.port())) {
            server.manager().createTopic("t", 1);
            for (short version = 0; version <= 2; version++) {
                AlterConfigsRequestData.AlterableConfigCollection configs =
                        new AlterConfigsRequestData.AlterableConfigCollection();
                configs.add(new AlterConfigsRequestData.AlterableConfig().setName("retention.ms")
                        .setValue(Integer.toString(1000 + version)));
                if (version == 0) {
                    configs.add(new AlterConfigsRequestData.AlterableConfig().setName("segment.ms").setValue("5000"));
                }
                AlterConfigsRequestData.AlterConfigsResourceCollection resources =
                        new AlterConfigsRequestData.AlterConfigsResourceCollection();
                resources.add(new AlterConfigsRequestData.AlterConfigsResource()
                        .setResourceType(ConfigResource.Type.TOPIC.id()).setResourceName("t").setConfigs(configs));
                AlterConfigsResponseData response = (AlterConfigsResponseData) raw.call(ApiKeys.ALTER_CONFIGS, version,
                        new AlterConfigsRequestData().setResources(resources));
                assertThat(response.responses().get(0).errorCode()).isEqualTo(Errors.NONE.code());
                assertThat(server.manager().topicConfig("t").override(TopicSetting.RETENTION_MS)).hasValue(1000 + version);
            }
            assertThat(server.manager().topicConfig("t").override(TopicSetting.SEGMENT_MS))
                    .as("not listed by the later requests").isEmpty();
        }
    }

    /** Every advertised version of the config APIs, through raw frames decoded at that version. */
    @Test
    void everyVersionOfTheConfigApisIsAnswered() throws Exception {
        try (RunningServer server = new RunningServer(dir); RawClient raw = new RawClient(server.port())) {
            server.manager().createTopic("t", 1);
            for (short version = 0; version <= 1; version++) {
                org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterableConfigCollection configs =
                        new org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterableConfigCollection();
                configs.add(new org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterableConfig()
                        .setName("segment.ms").setConfigOperation(AlterConfigOp.OpType.SET.id())
                        .setValue(Integer.toString(60_000 + version)));
                org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterConfigsResourceCollection
                        resources = new org.apache.kafka.common.message.IncrementalAlterConfigsRequestData
                        .AlterConfigsResourceCollection();
                resources.add(new org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterConfigsResource()
                        .setResourceType(ConfigResource.Type.TOPIC.id()).setResourceName("t").setConfigs(configs));
                var response = (org.apache.kafka.common.message.IncrementalAlterConfigsResponseData) raw.call(
                        ApiKeys.INCREMENTAL_ALTER_CONFIGS, version,
                        new org.apache.kafka.common.message.IncrementalAlterConfigsRequestData().setResources(resources));
                assertThat(response.responses().get(0).errorCode()).isEqualTo(Errors.NONE.code());
                assertThat(server.manager().topicConfig("t").override(TopicSetting.SEGMENT_MS)).hasValue(60_000 + version);
            }
            for (short version = 1; version <= 4; version++) {
                var request = new org.apache.kafka.common.message.DescribeConfigsRequestData()
                        .setIncludeSynonyms(true).setIncludeDocumentation(version >= 3);
                request.resources().add(new org.apache.kafka.common.message.DescribeConfigsRequestData
                        .DescribeConfigsResource().setResourceType(ConfigResource.Type.TOPIC.id()).setResourceName("t")
                        .setConfigurationKeys(List.of("segment.ms")));
                var response = (org.apache.kafka.common.message.DescribeConfigsResponseData) raw.call(
                        ApiKeys.DESCRIBE_CONFIGS, version, request);
                var config = response.results().get(0).configs().get(0);
                assertThat(config.value()).isEqualTo("60001");
                assertThat(config.configSource()).isEqualTo(
                        org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigSource.TOPIC_CONFIG.id());
                assertThat(config.synonyms()).hasSize(2);
                assertThat(config.documentation()).as("version " + version).isEqualTo(version >= 3
                        ? "Roll to a new segment file when the active one's first batch is older than this" : "");
            }
        }
    }

    /**
     * A 10 MiB record is refused while the topic keeps Kafka's 1 MiB max.message.bytes, and round
     * trips once the limit is raised on the live topic.
     */
    @Test
    void aTenMebibyteRecordRoundTripsOnceMaxMessageBytesAllowsIt() throws Exception {
        byte[] value = new byte[TEN_MIB];
        new Random(42).nextBytes(value);
        try (RunningServer server = new RunningServer(dir); Admin admin = server.admin();
             KafkaProducer<byte[], byte[]> producer = producer(server)) {
            admin.createTopics(List.of(new NewTopic("big", 1, (short) 1))).all().get();
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>("big", value)).get())
                    .hasCauseInstanceOf(RecordTooLargeException.class);
            alter(admin, "big", List.of(op("max.message.bytes", Integer.toString(TEN_MIB + (1 << 20)),
                    AlterConfigOp.OpType.SET)), false);
            RecordMetadata sent = producer.send(new ProducerRecord<>("big", value)).get();
            assertThat(sent.offset()).isZero();
            List<ConsumerRecord<byte[], byte[]>> received = consume(server, "big", 1);
            assertThat(received).hasSize(1);
            assertThat(received.get(0).value()).isEqualTo(value);
        }
    }

    /**
     * compression.type recompresses what the producer sent, keeping the idempotent producer's
     * sequence (a second batch is accepted in order) and every record.
     */
    @ParameterizedTest(name = "producer {0}, topic {1}")
    @CsvSource({"none, gzip, GZIP", "lz4, zstd, ZSTD", "snappy, uncompressed, NONE", "gzip, producer, GZIP"})
    void compressionTypeRecompressesTheProducersBatches(String producerCodec, String topicCodec, String stored)
            throws Exception {
        try (RunningServer server = new RunningServer(dir); Admin admin = server.admin()) {
            admin.createTopics(List.of(new NewTopic("c", 1, (short) 1)
                    .configs(Map.of("compression.type", topicCodec)))).all().get();
            Properties props = new Properties();
            props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, server.bootstrap());
            props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, producerCodec);
            props.put(ProducerConfig.LINGER_MS_CONFIG, "1000");
            props.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(1 << 20));
            List<String> values = new ArrayList<>();
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(),
                    new ByteArraySerializer())) {
                for (int batch = 0; batch < 2; batch++) {
                    List<java.util.concurrent.Future<RecordMetadata>> sent = new ArrayList<>();
                    for (int i = 0; i < 50; i++) {
                        String value = "record " + (batch * 50 + i) + " of a very compressible topic ".repeat(4);
                        values.add(value);
                        sent.add(producer.send(new ProducerRecord<>("c", ("k" + i).getBytes(),
                                value.getBytes(java.nio.charset.StandardCharsets.UTF_8))));
                    }
                    producer.flush();
                    for (java.util.concurrent.Future<RecordMetadata> future : sent) {
                        future.get();
                    }
                }
            }
            java.nio.ByteBuffer batches = server.manager().log("c", 0).read(0, 1 << 20).batches();
            int position = batches.position();
            assertThat(dev.spool.log.record.RecordBatch.compression(batches, position).name()).isEqualTo(stored);
            assertThat(dev.spool.log.record.RecordBatch.producerId(batches, position)).isNotNegative();
            assertThat(consume(server, "c", 100)).extracting(r -> new String(r.value(),
                    java.nio.charset.StandardCharsets.UTF_8)).containsExactlyElementsOf(values);
        }
    }

    @Test
    void logAppendTimeStampsTheBatchWithTheServersClock() throws Exception {
        try (RunningServer server = new RunningServer(dir); Admin admin = server.admin();
             KafkaProducer<byte[], byte[]> producer = producer(server)) {
            admin.createTopics(List.of(new NewTopic("stamped", 1, (short) 1)
                    .configs(Map.of("message.timestamp.type", "LogAppendTime")))).all().get();
            long before = System.currentTimeMillis();
            RecordMetadata sent = producer.send(new ProducerRecord<>("stamped", null, 1000L, null, new byte[] {1})).get();
            long after = System.currentTimeMillis();
            assertThat(sent.timestamp()).isBetween(before, after);
            ConsumerRecord<byte[], byte[]> record = consume(server, "stamped", 1).get(0);
            assertThat(record.timestampType()).isEqualTo(TimestampType.LOG_APPEND_TIME);
            assertThat(record.timestamp()).isEqualTo(sent.timestamp());
        }
    }

    @Test
    void aTimestampOutsideTheTopicsBoundsIsRefused() throws Exception {
        try (RunningServer server = new RunningServer(dir); Admin admin = server.admin();
             KafkaProducer<byte[], byte[]> producer = producer(server)) {
            admin.createTopics(List.of(new NewTopic("bounded", 1, (short) 1).configs(Map.of(
                    "message.timestamp.before.max.ms", "60000", "message.timestamp.after.max.ms", "60000"))))
                    .all().get();
            long now = System.currentTimeMillis();
            for (long timestamp : new long[] {now - 3_600_000, now + 3_600_000}) {
                assertThatThrownBy(() -> producer.send(new ProducerRecord<>("bounded", null, timestamp, null,
                        new byte[] {1})).get()).hasCauseInstanceOf(InvalidTimestampException.class);
            }
            assertThat(producer.send(new ProducerRecord<>("bounded", null, now, null, new byte[] {1})).get().offset())
                    .isZero();

            // Without settings of its own, Kafka 4's defaults: any past, at most an hour ahead.
            admin.createTopics(List.of(new NewTopic("defaults", 1, (short) 1))).all().get();
            assertThat(describe(admin, "defaults").get("message.timestamp.after.max.ms").value())
                    .isEqualTo("3600000");
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>("defaults", null, now + 2 * 3_600_000, null,
                    new byte[] {1})).get()).hasCauseInstanceOf(InvalidTimestampException.class);
            for (long accepted : new long[] {now + 1_800_000, 1_000L}) {
                assertThat(producer.send(new ProducerRecord<>("defaults", null, accepted, null, new byte[] {1})).get()
                        .timestamp()).isEqualTo(accepted);
            }
        }
    }
}
