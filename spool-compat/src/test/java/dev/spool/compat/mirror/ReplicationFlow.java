package dev.spool.compat.mirror;

import dev.spool.compat.connect.ConnectWorker;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * One MirrorMaker 2 replication flow, {@code SOURCE->TARGET}, for one topic and one consumer group, as
 * connectors on a Kafka Connect worker that runs against the target ({@link #startWorker}), the way
 * Kafka's documentation describes MirrorMaker 2 on a Connect cluster: MirrorSourceConnector copies the
 * topic (records, partitions, configs) and writes offset syncs, MirrorCheckpointConnector translates the
 * group's committed offsets and writes them into the target's group, MirrorHeartbeatConnector emits
 * heartbeats. MirrorMaker 2's defaults hold but for what one test needs, each said below.
 *
 * <p>Why connectors on a worker rather than the dedicated {@code MirrorMaker} driver: the driver builds
 * its own herders and workers from Connect's internal classes, which change between Kafka releases,
 * and the newest connect-mirror on Maven Central (4.3.1) is a release behind the 4.4 runtime here; the
 * connectors use only Connect's public plugin API, which the runtime keeps compatible.
 */
final class ReplicationFlow {
    private static final List<String> CONNECTORS = List.of("MirrorSourceConnector", "MirrorCheckpointConnector",
            "MirrorHeartbeatConnector");

    private static final String BYTES = "org.apache.kafka.connect.converters.ByteArrayConverter";

    private final ConnectWorker worker;
    private final Map<String, String> config = new TreeMap<>();
    private final String targetAlias;

    /**
     * A worker of group {@code groupId} against the target at {@code targetBootstrap}, its internal
     * topics named {@code groupId-configs}, {@code -offsets} and {@code -status}. MirrorMaker 2 copies
     * records as bytes: keys, values and headers pass through {@code ByteArrayConverter}, as the
     * driver configures its own workers.
     */
    static ConnectWorker startWorker(String targetBootstrap, String groupId) {
        return ConnectWorker.start(targetBootstrap, groupId, Map.of(
                "config.storage.topic", groupId + "-configs",
                "offset.storage.topic", groupId + "-offsets",
                "status.storage.topic", groupId + "-status",
                "key.converter", BYTES, "value.converter", BYTES, "header.converter", BYTES));
    }

    ReplicationFlow(ConnectWorker worker, String sourceAlias, String sourceBootstrap, String targetAlias,
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
        return CONNECTORS.stream().map(this::status).collect(Collectors.joining(" "));
    }

    private String status(String connector) {
        try {
            return worker.status(connector);
        } catch (IOException | InterruptedException e) {
            return connector + ": status unavailable (" + e + ")";
        }
    }
}
