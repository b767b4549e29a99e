package dev.spool.compat.mirror;

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
 * A Kafka Connect worker in distributed mode, in this JVM, set up to run MirrorMaker 2's connectors
 * the way Kafka's documentation describes for a Connect cluster: the worker runs against the
 * <em>target</em> cluster (its config, offset and status topics live there), and each connector is
 * told both clusters' aliases and bootstrap servers.
 *
 * <p>Why connectors on a worker rather than the dedicated {@code MirrorMaker} driver: the driver builds
 * its own herders and workers from Connect's internal classes, which change between Kafka releases,
 * and the newest connect-mirror on Maven Central (4.3.1) is a release behind the 4.4 runtime here; the
 * connectors use only Connect's public plugin API, which the runtime keeps compatible.
 *
 * <p>MirrorMaker 2 copies records as bytes: keys, values and headers pass through
 * {@code ByteArrayConverter}, as the driver configures its own workers. Not thread-safe.
 */
final class MirrorWorker implements AutoCloseable {
    private static final String BYTES = "org.apache.kafka.connect.converters.ByteArrayConverter";
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Connect<DistributedHerder> connect;
    private final URI rest;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(REQUEST_TIMEOUT).build();

    private MirrorWorker(Connect<DistributedHerder> connect) {
        this.connect = connect;
        this.rest = connect.rest().serverUrl();
    }

    /**
     * Starts a worker of group {@code groupId} against the target cluster at {@code targetBootstrap},
     * its three internal topics named {@code groupId-configs}, {@code -offsets} and {@code -status};
     * returns once its REST API is up.
     */
    static MirrorWorker start(String targetBootstrap, String groupId) {
        Map<String, String> props = new TreeMap<>();
        props.put("bootstrap.servers", targetBootstrap);
        props.put("group.id", groupId);
        props.put("config.storage.topic", groupId + "-configs");
        props.put("offset.storage.topic", groupId + "-offsets");
        props.put("status.storage.topic", groupId + "-status");
        // A single broker: Connect's default replication factor of 3 could not be met.
        props.put("config.storage.replication.factor", "1");
        props.put("offset.storage.replication.factor", "1");
        props.put("status.storage.replication.factor", "1");
        props.put("key.converter", BYTES);
        props.put("value.converter", BYTES);
        props.put("header.converter", BYTES);
        props.put("listeners", "http://127.0.0.1:0");
        // A source task's offsets are committed every 200 ms rather than every minute; MirrorSourceTask also
        // publishes the offset sync of each partition's newest copied record at each such commit.
        props.put("offset.flush.interval.ms", "200");
        // Plugins found through their service manifests, not by scanning the module's whole classpath.
        props.put("plugin.discovery", "service_load");
        props.put("scheduled.rebalance.max.delay.ms", "0");
        ClassLoader caller = Thread.currentThread().getContextClassLoader();
        try {
            return new MirrorWorker(new ConnectDistributed().startConnect(props));
        } finally {
            // Connect swaps in its plugin class loader for the calling thread.
            Thread.currentThread().setContextClassLoader(caller);
        }
    }

    /** Creates a connector through {@code POST /connectors}; fails unless the worker answers 201 Created. */
    void createConnector(String name, Map<String, String> config) throws IOException, InterruptedException {
        String body = JSON.writeValueAsString(Map.of("name", name, "config", config));
        HttpResponse<String> response = send(HttpRequest.newBuilder(rest.resolve("/connectors"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
        if (response.statusCode() != 201) {
            throw new IllegalStateException("POST /connectors for " + name + " answered " + response.statusCode()
                    + ": " + response.body());
        }
    }

    /** {@code GET /connectors/NAME/status}: the connector's and its tasks' states, with traces if failed. */
    String status(String name) {
        try {
            return send(HttpRequest.newBuilder(rest.resolve("/connectors/" + name + "/status")).GET()).body();
        } catch (IOException | InterruptedException e) {
            return name + ": status unavailable (" + e + ")";
        }
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.timeout(REQUEST_TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Stops the worker as its shutdown hook would: tasks stop and commit their offsets. */
    @Override
    public void close() {
        connect.stop();
        connect.awaitStop();
    }

    @Override
    public String toString() {
        return "MirrorMaker 2 worker at " + rest;
    }
}
