package dev.spool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code spool serve --metrics-listen}: the endpoint's three paths once the server is up. */
class ServeMetricsTest {
    @TempDir
    Path tmp;

    @Test
    void onceServingTheEndpointIsHealthyReadyAndPublishesTheProcessAndBuild() throws Exception {
        FirstLine out = new FirstLine();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CommandLine line = SpoolCommand.commandLine(new SpoolCommand(new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8)));
        int[] code = {-1};
        Thread thread = new Thread(() -> code[0] = line.execute("serve", "--listen", "127.0.0.1:0",
                "--metrics-listen", "127.0.0.1:0", "--data-dir", tmp.resolve("data").toString()));
        thread.start();
        try {
            assertThat(out.line.await(30, TimeUnit.SECONDS)).as("startup line; stderr: %s", err).isTrue();
            Matcher metrics = Pattern.compile("metrics on (http://\\S+)/metrics").matcher(out.text());
            assertThat(metrics.find()).as(out.text()).isTrue();
            String base = metrics.group(1);

            assertThat(get(base + "/health").statusCode()).isEqualTo(200);
            HttpResponse<String> ready = get(base + "/ready");
            assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
            assertThat(ready.body()).isEqualTo("ready\n");
            HttpResponse<String> scrape = get(base + "/metrics");
            assertThat(scrape.statusCode()).isEqualTo(200);
            assertThat(scrape.body()).contains("spool_build_info{java_version=\"" + Runtime.version() + "\"")
                    .contains("# HELP jvm_memory_used_bytes ").contains("spool_partitions_offline 0.0")
                    .contains("spool_log_end_offset{partition=\"\",topic=\"__consumer_offsets\"}");
        } finally {
            ServeCommand serve = line.getSubcommands().get("serve").getCommand();
            serve.stopRequested.countDown();
            thread.join(60_000);
        }
        assertThat(code[0]).isZero();
    }

    private static HttpResponse<String> get(String uri) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(30))
                .build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }
}
