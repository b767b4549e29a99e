package dev.spool.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.PolicyViolationException;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code max.partitions}: CreateTopics, CreatePartitions and Metadata's auto-creation stop at the
 * server's bound on partitions, so clients cannot make it hold topics until it runs out of file
 * descriptors; what exists keeps serving.
 */
class PartitionsMaxTest {
    @TempDir
    Path dir;

    @Test
    void creationsBeyondTheServersPartitionBoundAreRefused() throws Exception {
        try (RunningServer server = new RunningServer(dir, KafkaServerConfig.defaults().withPartitionsMax(5));
             Admin admin = server.admin()) {
            admin.createTopics(List.of(new NewTopic("four", 4, (short) 1))).all().get();
            assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic("two", 2, (short) 1))).all().get())
                    .hasCauseInstanceOf(PolicyViolationException.class)
                    .hasMessageContaining("this server holds 4 partition(s) and at most 5 (max.partitions)");
            assertThatThrownBy(() -> admin.createPartitions(Map.of("four", NewPartitions.increaseTo(6))).all().get())
                    .hasCauseInstanceOf(PolicyViolationException.class).hasMessageContaining("max.partitions");

            try (RawClient client = new RawClient(server.port())) {
                assertThat(autoCreate(client, "fifth")).isEqualTo(Errors.NONE);
                assertThat(autoCreate(client, "sixth")).isEqualTo(Errors.POLICY_VIOLATION);
            }
            assertThat(server.manager().topics()).containsExactly("fifth", "four");
        }
    }

    private static Errors autoCreate(RawClient client, String topic) throws Exception {
        MetadataRequestData request = new MetadataRequestData().setAllowAutoTopicCreation(true);
        request.topics().add(new MetadataRequestData.MetadataRequestTopic().setName(topic));
        MetadataResponseData response = (MetadataResponseData) client.call(ApiKeys.METADATA, (short) 9, request);
        return Errors.forCode(response.topics().iterator().next().errorCode());
    }
}
