package dev.spool.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;

/** The Java client's Admin calls, each checked through another call or the harness's consumer. */
final class JavaAdminCells {
    static final String CLIENT = JavaClientCells.CLIENT;
    private static final long WAIT_MS = Fixtures.WAIT_MS;

    private JavaAdminCells() {
    }

    static List<Cell> cells() {
        List<Cell> cells = new ArrayList<>();
        cells.add(new Cell(CLIENT, "Admin.createTopics, describeTopics", (f, topic) -> {
            f.admin().createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get(WAIT_MS, TimeUnit.MILLISECONDS);
            Admins.awaitPartitions(f, topic, 2);
            return null;
        }));
        cells.add(new Cell(CLIENT, "Admin.deleteTopics", (f, topic) -> {
            f.createTopic(topic, 1);
            f.admin().deleteTopics(List.of(topic)).all().get(WAIT_MS, TimeUnit.MILLISECONDS);
            Admins.awaitGone(f, topic);
            return null;
        }));
        cells.add(new Cell(CLIENT, "Admin.listTopics", (f, topic) -> {
            f.createTopic(topic, 1);
            assertThat(f.admin().listTopics().names().get(WAIT_MS, TimeUnit.MILLISECONDS)).contains(topic);
            return null;
        }));
        cells.add(new Cell(CLIENT, "Admin.createPartitions", (f, topic) -> {
            f.createTopic(topic, 1);
            f.admin().createPartitions(Map.of(topic, NewPartitions.increaseTo(3))).all()
                    .get(WAIT_MS, TimeUnit.MILLISECONDS);
            Admins.awaitPartitions(f, topic, 3);
            return null;
        }));
        cells.addAll(groupCells());
        return cells;
    }

    private static List<Cell> groupCells() {
        List<Cell> cells = new ArrayList<>();
        cells.add(new Cell(CLIENT, "Admin.listGroups", (f, topic) -> {
            String group = Admins.groupWithCommit(f, topic, 2);
            assertThat(f.admin().listGroups().all().get(WAIT_MS, TimeUnit.MILLISECONDS))
                    .extracting(GroupListing::groupId).contains(group);
            return null;
        }));
        cells.add(new Cell(CLIENT, "Admin.describeConsumerGroups", (f, topic) -> {
            String group = Admins.groupWithCommit(f, topic, 2);
            ConsumerGroupDescription description = f.admin().describeConsumerGroups(List.of(group)).all()
                    .get(WAIT_MS, TimeUnit.MILLISECONDS).get(group);
            assertThat(description.groupState()).isEqualTo(GroupState.EMPTY);
            assertThat(description.members()).isEmpty();
            return null;
        }));
        cells.add(new Cell(CLIENT, "Admin.listConsumerGroupOffsets", (f, topic) -> {
            String group = Admins.groupWithCommit(f, topic, 2);
            assertThat(f.committed(group, topic)).isEqualTo(2);
            return null;
        }));
        cells.add(new Cell(CLIENT, "Admin.alterConsumerGroupOffsets", (f, topic) -> {
            String group = Admins.groupWithCommit(f, topic, 2);
            f.admin().alterConsumerGroupOffsets(group, Map.of(new TopicPartition(topic, 0),
                    new OffsetAndMetadata(5))).all()
                    .get(WAIT_MS, TimeUnit.MILLISECONDS);
            assertThat(f.committed(group, topic)).isEqualTo(5);
            return null;
        }));
        cells.add(new Cell(CLIENT, "Admin.deleteConsumerGroups", (f, topic) -> {
            String group = Admins.groupWithCommit(f, topic, 2);
            f.admin().deleteConsumerGroups(List.of(group)).all().get(WAIT_MS, TimeUnit.MILLISECONDS);
            assertThat(f.committed(group, topic)).isEqualTo(-1);
            return null;
        }));
        cells.addAll(configAndRecordCells());
        return cells;
    }

    private static List<Cell> configAndRecordCells() {
        List<Cell> cells = new ArrayList<>();
        cells.add(new Cell(CLIENT, "Admin.describeConfigs (topic)", (f, topic) -> {
            f.createTopic(topic, 1);
            assertThat(Admins.topicConfig(f, topic, "retention.ms")).isEqualTo("604800000");
            assertThat(Admins.topicConfig(f, topic, "cleanup.policy")).isEqualTo("delete");
            return null;
        }));
        cells.add(new Cell(CLIENT, "Admin.incrementalAlterConfigs (topic)", (f, topic) -> {
            f.createTopic(topic, 1);
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            f.admin().incrementalAlterConfigs(Map.of(resource, List.of(new AlterConfigOp(
                    new ConfigEntry("retention.ms", "3600000"), AlterConfigOp.OpType.SET)))).all()
                    .get(WAIT_MS, TimeUnit.MILLISECONDS);
            assertThat(Admins.topicConfig(f, topic, "retention.ms")).isEqualTo("3600000");
            return null;
        }));
        cells.add(new Cell(CLIENT, "Admin.deleteRecords", (f, topic) -> {
            f.topicWith(topic, Fixtures.values("d", 5));
            f.admin().deleteRecords(Map.of(new TopicPartition(topic, 0), RecordsToDelete.beforeOffset(2))).all()
                    .get(WAIT_MS, TimeUnit.MILLISECONDS);
            assertThat(f.startOffset(topic)).isEqualTo(2);
            return null;
        }));
        cells.add(new Cell(CLIENT, "Admin.listOffsets (earliest, latest, max timestamp, timestamp)", (f, topic) -> {
            long base = Timestamps.base();
            f.createTopic(topic, 1);
            f.produce(topic, Fixtures.values("o", 4), base);
            TopicPartition tp = new TopicPartition(topic, 0);
            assertThat(offset(f.admin(), tp, OffsetSpec.earliest())).isEqualTo(0);
            assertThat(offset(f.admin(), tp, OffsetSpec.latest())).isEqualTo(4);
            assertThat(offset(f.admin(), tp, OffsetSpec.maxTimestamp())).isEqualTo(3);
            assertThat(offset(f.admin(), tp, OffsetSpec.forTimestamp(base + 1500))).isEqualTo(2);
            return null;
        }));
        cells.add(new Cell(CLIENT, "Admin.describeCluster", (f, topic) -> {
            assertThat(f.admin().describeCluster().nodes().get(WAIT_MS, TimeUnit.MILLISECONDS)).hasSize(1);
            return null;
        }));
        cells.add(new Cell(CLIENT, "Admin.describeLogDirs", (f, topic) -> {
            f.topicWith(topic, Fixtures.values("l", 3));
            int node = f.admin().describeCluster().nodes().get(WAIT_MS, TimeUnit.MILLISECONDS).iterator().next().id();
            var dirs = f.admin().describeLogDirs(List.of(node)).allDescriptions().get(WAIT_MS, TimeUnit.MILLISECONDS)
                    .get(node);
            assertThat(dirs.values()).anySatisfy(dir -> assertThat(dir.replicaInfos())
                    .containsKey(new TopicPartition(topic, 0)));
            return null;
        }));
        return cells;
    }

    private static long offset(Admin admin, TopicPartition tp, OffsetSpec spec) throws Exception {
        return admin.listOffsets(Map.of(tp, spec)).partitionResult(tp).get(WAIT_MS, TimeUnit.MILLISECONDS).offset();
    }
}
