package dev.spool.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real Admin client creates, lists, describes and deletes topics. */
class AdminClientTest {
    @TempDir
    Path dir;


    @Test
    void createsListsDescribesAndDeletesTopics() throws Exception {
        try (RunningServer server = new RunningServer(dir); Admin admin = server.admin()) {
            admin.createTopics(List.of(new NewTopic("payments", 3, (short) 1),
                    new NewTopic("audit", java.util.Optional.empty(), java.util.Optional.empty())
                            .configs(Map.of("spool.durability", "strict")))).all().get();
            assertThat(admin.listTopics().names().get()).containsExactlyInAnyOrder("payments", "audit");
            assertThat(server.manager().partitionCount("payments")).isEqualTo(3);
            assertThat(server.manager().topicConfig("audit").durability()).isEqualTo(dev.spool.log.Durability.STRICT);

            TopicDescription payments = admin.describeTopics(List.of("payments")).allTopicNames().get().get("payments");
            assertThat(payments.partitions()).hasSize(3);
            assertThat(payments.partitions().get(2).leader().id()).isEqualTo(0);

            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, "payments");
            Config config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
            assertThat(config.get("cleanup.policy").value()).isEqualTo("delete");
            assertThat(config.get("max.message.bytes").value()).isEqualTo(
                    Integer.toString(server.manager().log("payments", 0).config().batchBytesMax()));

            assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic("payments", 1, (short) 1))).all().get())
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(TopicExistsException.class);
            assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic("replicated", 1, (short) 3))).all().get())
                    .hasCauseInstanceOf(InvalidReplicationFactorException.class);
            assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic("compacted", 1, (short) 1)
                    .configs(Map.of("cleanup.policy", "shrink")))).all().get())
                    .hasCauseInstanceOf(InvalidConfigurationException.class).hasMessageContaining("cleanup.policy");
            assertThat(server.manager().topicExists("replicated")).isFalse();
            assertThat(server.manager().topicExists("compacted")).isFalse();

            admin.deleteTopics(List.of("payments")).all().get();
            assertThat(admin.listTopics().names().get()).containsExactly("audit");
            assertThat(server.manager().topicExists("payments")).isFalse();
            assertThatThrownBy(() -> admin.deleteTopics(List.of("payments")).all().get())
                    .hasCauseInstanceOf(UnknownTopicOrPartitionException.class);
        }
    }
}
