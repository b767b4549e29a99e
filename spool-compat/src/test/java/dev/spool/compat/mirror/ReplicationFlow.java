package dev.spool.compat.mirror;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * One MirrorMaker 2 replication flow, {@code SOURCE->TARGET}, for one topic and one consumer group, as
 * connectors on a {@link MirrorWorker} that runs against the target: MirrorSourceConnector copies the
 * topic (records, partitions, configs) and writes offset syncs, MirrorCheckpointConnector translates the
 * group's committed offsets and writes them into the target's group, MirrorHeartbeatConnector emits
 * heartbeats. MirrorMaker 2's defaults hold but for what one test needs, each said below.
 */
final class ReplicationFlow {
    private static final List<String> CONNECTORS = List.of("MirrorSourceConnector", "MirrorCheckpointConnector",
            "MirrorHeartbeatConnector");

    private final MirrorWorker worker;
    private final Map<String, String> config = new TreeMap<>();
    private final String targetAlias;

    ReplicationFlow(MirrorWorker worker, String sourceAlias, String sourceBootstrap, String targetAlias,
           String targetBootstrap, String topic, String group) {
        this.worker = worker;
        this.targetAlias = targetAlias;
        config.put("source.cluster.alias", sourceAlias);
        config.put("target.cluster.alias", targetAlias);
        config.put("source.cluster.bootstrap.servers", sourceBootstrap);
        config.put("target.cluster.bootstrap.servers", targetBootstrap);
        config.put("tasks.max", "1");
        // The test's topic and group only: the default patterns would also copy whatever else the suite
        // leaves on either server.
        config.put("topics", topic);
        config.put("groups", group);
        // One broker on each side: the default replication factors (3 for the internal topics, the source
        // topic's for copies) could not be met.
        config.put("replication.factor", "1");
        config.put("offset-syncs.topic.replication.factor", "1");
        config.put("checkpoints.topic.replication.factor", "1");
        config.put("heartbeats.topic.replication.factor", "1");
        // Seconds instead of MirrorMaker 2's minutes (ten for topics and groups): the test waits for them.
        config.put("refresh.topics.interval.seconds", "1");
        config.put("refresh.groups.interval.seconds", "1");
        config.put("sync.topic.configs.interval.seconds", "1");
        config.put("emit.checkpoints.interval.seconds", "1");
        config.put("emit.heartbeats.interval.seconds", "1");
        // Off by default: the translated offsets are written into the target's consumer group, so the group
        // resumes there without a tool.
        config.put("sync.group.offsets.enabled", "true");
        config.put("sync.group.offsets.interval.seconds", "1");
    }

    /** Creates the three connectors. */
    void createAll() throws IOException, InterruptedException {
        for (String connector : CONNECTORS) {
            create(connector);
        }
    }

    /** Creates the MirrorSourceConnector only: records and topic configs, no group offsets. */
    void createSource() throws IOException, InterruptedException {
        create(CONNECTORS.get(0));
    }

    private void create(String connector) throws IOException, InterruptedException {
        Map<String, String> connectorConfig = new TreeMap<>(config);
        connectorConfig.put("connector.class", "org.apache.kafka.connect.mirror." + connector);
        worker.createConnector(connector, connectorConfig);
    }

    /**
     * The topic MirrorSourceConnector writes offset syncs to: on the source cluster, its default
     * {@code offset-syncs.topic.location}.
     */
    String offsetSyncsTopic() {
        return "mm2-offset-syncs." + targetAlias + ".internal";
    }

    /** The connectors' and their tasks' states as the worker reports them, for a failure's message. */
    String statuses() {
        return CONNECTORS.stream().map(worker::status).collect(Collectors.joining(" "));
    }
}
