package dev.spool.compat.connect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.connect.cli.ConnectDistributed;
import org.apache.kafka.connect.runtime.Connect;
import org.apache.kafka.connect.runtime.distributed.DistributedHerder;

/**
 * One Kafka Connect worker in distributed mode, in this JVM, started exactly as
 * {@code connect-distributed.sh} starts one ({@link ConnectDistributed#startConnect}), and driven
 * through its REST API on a free loopback port, as a user drives it.
 *
 * <p>The worker keeps its state in three topics it creates itself, compacted:
 * {@link #CONFIG_TOPIC}, {@link #OFFSET_TOPIC} and {@link #STATUS_TOPIC}. A second worker started
 * with the same {@code group.id} after this one stopped finds its connectors and their committed
 * offsets there. Connect stops the process ({@code Exit}) when its herder fails: the test class
 * makes that throw instead (see {@link FileStreamConnectTest}). Not thread-safe.
 */
public final class ConnectWorker implements AutoCloseable {
    static final String CONFIG_TOPIC = "connect-configs";
    static final String OFFSET_TOPIC = "connect-offsets";
    static final String STATUS_TOPIC = "connect-status";
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Connect<DistributedHerder> connect;
    private final URI rest;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(REQUEST_TIMEOUT).build();

    private ConnectWorker(Connect<DistributedHerder> connect) {
        this.connect = connect;
        this.rest = connect.rest().serverUrl();
    }

    /** Starts a worker of group {@code groupId} against {@code bootstrap}; returns once its REST API is up. */
    static ConnectWorker start(String bootstrap, String groupId) {
        return start(bootstrap, groupId, Map.of());
    }

    /**
     * As {@link #start(String, String)}, with {@code overrides} replacing or adding worker settings
     * (other internal topics, other converters: MirrorMaker 2's connectors run on such a worker).
     */
    public static ConnectWorker start(String bootstrap, String groupId, Map<String, String> overrides) {
        Map<String, String> props = new TreeMap<>();
        props.put("bootstrap.servers", bootstrap);
        props.put("group.id", groupId);
        props.put("config.storage.topic", CONFIG_TOPIC);
        props.put("offset.storage.topic", OFFSET_TOPIC);
        props.put("status.storage.topic", STATUS_TOPIC);
        // A single broker: Connect's default replication factor of 3 could not be met.
        props.put("config.storage.replication.factor", "1");
        props.put("offset.storage.replication.factor", "1");
        props.put("status.storage.replication.factor", "1");
        props.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        props.put("value.converter", "org.apache.kafka.connect.storage.StringConverter");
        props.put("listeners", "http://127.0.0.1:0");
        // Offsets (the source's file position, the sink's consumer offsets) committed every 200 ms rather
        // than every minute, so a test sees them committed within its deadlines.
        props.put("offset.flush.interval.ms", "200");
        // Plugins found through their service manifests: scanning this module's whole classpath
        // (the broker, Streams, the tools) for plugin classes would take many seconds per start.
        props.put("plugin.discovery", "service_load");
        // A worker that left is not waited for: the next one takes its connectors at once.
        props.put("scheduled.rebalance.max.delay.ms", "0");
        props.putAll(overrides);
        ClassLoader caller = Thread.currentThread().getContextClassLoader();
        try {
            return new ConnectWorker(new ConnectDistributed().startConnect(props));
        } finally {
            // Connect swaps in its plugin class loader for the calling thread.
            Thread.currentThread().setContextClassLoader(caller);
        }
    }

    /** Creates a connector through {@code POST /connectors}; fails unless the worker answers 201 Created. */
    public void createConnector(String name, Map<String, String> config) throws IOException, InterruptedException {
        String body = JSON.writeValueAsString(Map.of("name", name, "config", config));
        HttpResponse<String> response = send(HttpRequest.newBuilder(rest.resolve("/connectors"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
        if (response.statusCode() != 201) {
            throw new IllegalStateException("POST /connectors for " + name + " answered " + response.statusCode()
                    + ": " + response.body());
        }
    }

    /** {@code GET /connectors/NAME/status}: the connector's and its tasks' states (with traces if failed). */
    public String status(String name) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(rest.resolve("/connectors/" + name + "/status")).GET()).body();
    }

    /**
     * {@code GET /connectors/NAME/offsets}: the connector's committed offsets as the worker reads them
     * back from the offset topic (a source) or from its consumer group (a sink); the {@code offsets}
     * array, empty while nothing is committed or the connector is not known yet.
     */
    JsonNode offsets(String name) throws IOException, InterruptedException {
        HttpResponse<String> response = send(HttpRequest.newBuilder(rest.resolve("/connectors/" + name + "/offsets"))
                .GET());
        if (response.statusCode() != 200) {
            return JSON.createArrayNode();
        }
        return JSON.readTree(response.body()).path("offsets");
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.timeout(REQUEST_TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Stops the worker as its shutdown hook would: tasks stop and commit their offsets, the worker leaves its group. */
    @Override
    public void close() {
        connect.stop();
        connect.awaitStop();
    }

    @Override
    public String toString() {
        return "Connect worker at " + rest;
    }
}
