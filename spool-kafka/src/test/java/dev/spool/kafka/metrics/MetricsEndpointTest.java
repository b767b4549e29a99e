package dev.spool.kafka.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.AppendResult;
import dev.spool.log.Log;
import dev.spool.log.LogManager;
import dev.spool.log.LogManagerConfig;
import dev.spool.log.record.BatchBuilder;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /health}, {@code /ready} and what else the endpoint answers. */
class MetricsEndpointTest {
    @TempDir
    Path dataDir;

    @Test
    void healthIsAlwaysOkAndReadyFollowsTheReadinessItIsGiven() throws Exception {
        try (MetricsEndpoint endpoint = MetricsEndpoint.start("127.0.0.1", 0)) {
            assertThat(get(endpoint, "/health")).satisfies(r -> {
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body()).isEqualTo("ok\n");
            });
            assertThat(get(endpoint, "/ready")).as("before the server is up").satisfies(r -> {
                assertThat(r.statusCode()).isEqualTo(503);
                assertThat(r.body()).startsWith("starting:");
            });

            try (LogManager manager = LogManager.open(dataDir, LogManagerConfig.defaults().withoutBackgroundTasks())) {
                endpoint.readiness(Readiness.serving(manager));
                assertThat(get(endpoint, "/ready")).satisfies(r -> {
                    assertThat(r.statusCode()).isEqualTo(200);
                    assertThat(r.body()).isEqualTo("ready\n");
                });
                endpoint.readiness(Readiness.STOPPING);
                assertThat(get(endpoint, "/ready")).satisfies(r -> {
                    assertThat(r.statusCode()).isEqualTo(503);
                    assertThat(r.body()).startsWith("stopping:");
                });
            }
            assertThat(get(endpoint, "/health").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void readyIs503NamingTheOfflinePartitions() throws Exception {
        List<AppendResult> appended = new ArrayList<>();
        try (LogManager manager = LogManager.open(dataDir, LogManagerConfig.defaults().withoutBackgroundTasks())) {
            manager.createTopic("good", 1);
            manager.createTopic("bad", 1);
            Log log = manager.log("bad", 0);
            for (int i = 0; i < 20; i++) {
                appended.add(log.append(batch("v-" + i)));
            }
        }
        // Cut mid-batch below the recovery point: damage, not a torn tail, so the partition opens offline.
        try (RandomAccessFile file = new RandomAccessFile(
                dataDir.resolve("bad-0").resolve("00000000000000000000.log").toFile(), "rw")) {
            file.setLength(appended.get(10).position() + 10);
        }
        try (MetricsEndpoint endpoint = MetricsEndpoint.start("127.0.0.1", 0);
             LogManager manager = LogManager.open(dataDir, LogManagerConfig.defaults().withoutBackgroundTasks()
                     .withMeterRegistry(endpoint.registry()))) {
            endpoint.readiness(Readiness.serving(manager));
            HttpResponse<String> ready = get(endpoint, "/ready");
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(ready.body()).isEqualTo("1 partition is offline (damaged files): bad-0; stop the server and run "
                    + "spool repair\n");
            assertThat(get(endpoint, "/health").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void otherPathsAre404AndOtherMethods405() throws Exception {
        try (MetricsEndpoint endpoint = MetricsEndpoint.start("127.0.0.1", 0)) {
            assertThat(get(endpoint, "/").statusCode()).isEqualTo(404);
            assertThat(get(endpoint, "/metricsx").statusCode()).isEqualTo(404);
            HttpResponse<String> post = HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri(endpoint, "/metrics"))
                    .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(post.statusCode()).isEqualTo(405);
            HttpResponse<String> metrics = get(endpoint, "/metrics");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
            assertThat(metrics.body()).contains("spool_build_info{");
        }
    }

    private static HttpResponse<String> get(MetricsEndpoint endpoint, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri(endpoint, path)).timeout(Duration.ofSeconds(30))
                .build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private static URI uri(MetricsEndpoint endpoint, String path) {
        return URI.create("http://127.0.0.1:" + endpoint.address().getPort() + path);
    }

    private static java.nio.ByteBuffer batch(String value) {
        BatchBuilder builder = new BatchBuilder(1 << 20);
        builder.tryAppend(1_000L, null, value.getBytes(StandardCharsets.UTF_8));
        return builder.build();
    }
}
