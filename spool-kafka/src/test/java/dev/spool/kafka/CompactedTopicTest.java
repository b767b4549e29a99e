package dev.spool.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.CleanupPolicy;
import dev.spool.log.CompactionConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Compacted topics over the wire: the compaction settings through CreateTopics, DescribeConfigs
 * and IncrementalAlterConfigs, and a record without a key refused as Kafka's broker refuses it.
 */
class CompactedTopicTest {
    @TempDir
    Path dir;

    private static Properties producerProps(String bootstrap, String compression, boolean idempotent) {
        Properties props = ProduceConsumeTest.producerProps(bootstrap, compression);
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, Boolean.toString(idempotent));
        props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        return props;
    }

    private static byte[] bytes(String text) {
        return text == null ? null : text.getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "gzip", "snappy", "lz4", "zstd"})
    void aKeylessRecordOnACompactedTopicFailsWithInvalidRecordAndKeyedOnesAppend(String compression) throws Exception {
        try (RunningServer server = new RunningServer(dir)) {
            try (Admin admin = server.admin()) {
                admin.createTopics(List.of(
                        new NewTopic("changelog", 1, (short) 1).configs(Map.of("cleanup.policy", "compact")),
                        new NewTopic("events", 1, (short) 1))).all().get();
            }
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps(server.bootstrap(),
                    compression, false), new ByteArraySerializer(), new ByteArraySerializer())) {
                String value = "v".repeat(300); // compressible, so the batch stays compressed
                assertThat(producer.send(new ProducerRecord<>("changelog", bytes("k1"), bytes(value))).get().offset())
                        .isZero();
                Future<RecordMetadata> keyless = producer.send(new ProducerRecord<>("changelog", null, bytes(value)));
                assertThatThrownBy(keyless::get).isInstanceOf(ExecutionException.class)
                        .cause().isInstanceOf(InvalidRecordException.class)
                        .hasMessage("Compacted topic cannot accept message without key in topic partition changelog-0");
                assertThat(producer.send(new ProducerRecord<>("changelog", bytes("k1"), bytes(value))).get().offset())
                        .as("the refused record took no offset").isEqualTo(1);
                assertThat(producer.send(new ProducerRecord<>("events", null, bytes(value))).get().offset())
                        .as("a delete-policy topic takes keyless records").isZero();
            }
            assertThat(server.manager().log("changelog", 0).logEndOffset()).isEqualTo(2);
        }
    }

    /** Every Produce version served: INVALID_RECORD; from v8, Kafka's record error and partition message too. */
    @Test
    void everyProduceVersionAnswersAKeylessRecordWithInvalidRecord() throws Exception {
        try (RunningServer server = new RunningServer(dir)) {
            server.manager().createTopic("changelog", 1, dev.spool.log.TopicConfig.defaults(
                    server.manager().defaultLogConfig()).withOverride(dev.spool.log.TopicSetting.CLEANUP_POLICY,
                    dev.spool.log.TopicSetting.CLEANUP_COMPACT));
            try (RawClient client = new RawClient(server.port())) {
                for (short version = dev.spool.kafka.protocol.SupportedApis.PRODUCE_VERSION_PARSED_MIN;
                        version <= 11; version++) {
                    ProduceResponseData response = (ProduceResponseData) client.call(ApiKeys.PRODUCE, version,
                            ProtocolTest.produce("changelog", (short) 1, "no key"));
                    ProduceResponseData.PartitionProduceResponse partition = response.responses().iterator().next()
                            .partitionResponses().get(0);
                    assertThat(partition.errorCode()).as("v%d", version).isEqualTo(Errors.INVALID_RECORD.code());
                    if (version >= 8) {
                        String message = "Compacted topic cannot accept message without key in topic partition "
                                + "changelog-0";
                        assertThat(partition.recordErrors()).singleElement().satisfies(error -> {
                            assertThat(error.batchIndex()).isZero();
                            assertThat(error.batchIndexErrorMessage()).isEqualTo(message);
                        });
                        assertThat(partition.errorMessage()).isEqualTo("One or more records have been rejected due "
                                + "to 1 record errors in total, and only showing the first three errors at most: "
                                + "[RecordError(batchIndex=0, message='" + message + "')]");
                    }
                }
            }
            assertThat(server.manager().log("changelog", 0).logEndOffset()).isZero();
        }
    }

    @Test
    void anIdempotentProducerGoesOnAfterAKeylessRecordIsRefused() throws Exception {
        try (RunningServer server = new RunningServer(dir)) {
            try (Admin admin = server.admin()) {
                admin.createTopics(List.of(new NewTopic("changelog", 1, (short) 1)
                        .configs(Map.of("cleanup.policy", "compact,delete")))).all().get();
            }
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps(server.bootstrap(),
                    "none", true), new ByteArraySerializer(), new ByteArraySerializer())) {
                producer.send(new ProducerRecord<>("changelog", bytes("a"), bytes("1"))).get();
                Future<RecordMetadata> keyless = producer.send(new ProducerRecord<>("changelog", null, bytes("2")));
                assertThatThrownBy(keyless::get).cause().isInstanceOf(InvalidRecordException.class);
                assertThat(producer.send(new ProducerRecord<>("changelog", bytes("b"), bytes("3"))).get().offset())
                        .isEqualTo(1);
            }
        }
    }

    @Test
    void theCompactionSettingsAreSetDescribedAlteredAndKeptAcrossARestart() throws Exception {
        try (RunningServer server = new RunningServer(dir)) {
            try (Admin admin = server.admin()) {
                admin.createTopics(List.of(new NewTopic("changelog", 1, (short) 1).configs(Map.of(
                        "cleanup.policy", "compact", "delete.retention.ms", "1000", "min.cleanable.dirty.ratio", "0.1",
                        "min.compaction.lag.ms", "5", "max.compaction.lag.ms", "60000")))).all().get();
                Config config = describe(admin, "changelog");
                assertThat(config.get("min.cleanable.dirty.ratio").value()).isEqualTo("0.1");
                assertThat(config.get("min.cleanable.dirty.ratio").type()).isEqualTo(ConfigEntry.ConfigType.DOUBLE);
                assertThat(config.get("delete.retention.ms").source())
                        .isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
                assertThat(server.manager().log("changelog", 0).config().compaction())
                        .isEqualTo(new CompactionConfig(1000, 0.1, 5, 60000));
                assertThat(server.manager().log("changelog", 0).config().cleanupPolicy())
                        .isEqualTo(CleanupPolicy.COMPACT);

                alter(admin, List.of(op("min.cleanable.dirty.ratio", null, AlterConfigOp.OpType.DELETE),
                        op("max.compaction.lag.ms", "120000", AlterConfigOp.OpType.SET)));
                config = describe(admin, "changelog");
                assertThat(config.get("min.cleanable.dirty.ratio").value()).isEqualTo("0.5");
                assertThat(config.get("min.cleanable.dirty.ratio").source())
                        .isEqualTo(ConfigEntry.ConfigSource.DEFAULT_CONFIG);
                assertThat(config.get("min.cleanable.dirty.ratio").synonyms()).extracting(ConfigEntry.ConfigSynonym::name)
                        .contains("log.cleaner.min.cleanable.ratio");
                assertThat(config.get("delete.retention.ms").synonyms()).extracting(ConfigEntry.ConfigSynonym::name)
                        .contains("delete.retention.ms", "log.cleaner.delete.retention.ms");
            }
            server.restart();
            try (Admin admin = server.admin()) {
                Config config = describe(admin, "changelog");
                assertThat(config.get("max.compaction.lag.ms").value()).isEqualTo("120000");
                assertThat(config.get("delete.retention.ms").value()).isEqualTo("1000");
                assertThat(server.manager().log("changelog", 0).config().compaction())
                        .isEqualTo(new CompactionConfig(1000, 0.5, 5, 120000));
            }
        }
    }

    @Test
    void valuesOutOfKafkasRangeAreRefusedNamingTheConfig() throws Exception {
        try (RunningServer server = new RunningServer(dir)) {
            try (Admin admin = server.admin()) {
                admin.createTopics(List.of(new NewTopic("changelog", 1, (short) 1)
                        .configs(Map.of("cleanup.policy", "compact")))).all().get();
                for (AlterConfigOp refused : List.of(op("min.cleanable.dirty.ratio", "1.01", AlterConfigOp.OpType.SET),
                        op("min.cleanable.dirty.ratio", "lots", AlterConfigOp.OpType.SET),
                        op("delete.retention.ms", "-1", AlterConfigOp.OpType.SET),
                        op("min.compaction.lag.ms", "-1", AlterConfigOp.OpType.SET),
                        op("max.compaction.lag.ms", "0", AlterConfigOp.OpType.SET))) {
                    assertThatThrownBy(() -> alter(admin, List.of(refused))).as(refused.toString())
                            .hasCauseInstanceOf(InvalidConfigurationException.class)
                            .hasMessageContaining(refused.configEntry().name());
                }
                assertThatThrownBy(() -> alter(admin, List.of(op("min.compaction.lag.ms", "10", AlterConfigOp.OpType.SET),
                        op("max.compaction.lag.ms", "5", AlterConfigOp.OpType.SET))))
                        .hasCauseInstanceOf(InvalidConfigurationException.class)
                        .hasMessageContaining("min.compaction.lag.ms (10) must not exceed max.compaction.lag.ms (5)");
                assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic("bad", 1, (short) 1)
                        .configs(Map.of("min.cleanable.dirty.ratio", "-0.5")))).all().get())
                        .hasCauseInstanceOf(InvalidConfigurationException.class)
                        .hasMessageContaining("min.cleanable.dirty.ratio");
                assertThat(describe(admin, "changelog").get("min.cleanable.dirty.ratio").source())
                        .isEqualTo(ConfigEntry.ConfigSource.DEFAULT_CONFIG);
            }
        }
    }

    private static Config describe(Admin admin, String topic) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        return admin.describeConfigs(List.of(resource),
                new org.apache.kafka.clients.admin.DescribeConfigsOptions().includeSynonyms(true))
                .all().get().get(resource);
    }

    private static void alter(Admin admin, List<AlterConfigOp> ops) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, "changelog");
        admin.incrementalAlterConfigs(Map.of(resource, ops)).all().get();
    }

    private static AlterConfigOp op(String name, String value, AlterConfigOp.OpType type) {
        return new AlterConfigOp(new ConfigEntry(name, value), type);
    }
}
