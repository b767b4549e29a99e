package dev.spool.kafka.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.kafka.KafkaServer;
import dev.spool.kafka.KafkaServerConfig;
import dev.spool.kafka.group.ClassicGroupCoordinator;
import dev.spool.kafka.group.GroupCoordinator;
import dev.spool.kafka.group.GroupCoordinatorConfig;
import dev.spool.kafka.group.OffsetsLogCheck;
import dev.spool.log.LatencyBuckets;
import dev.spool.log.LogManager;
import dev.spool.log.LogManagerConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real server with the metrics endpoint, scraped over HTTP after traffic from the Java client:
 * ten records produced (acks=all) to {@code orders-0}, read back by group {@code billing}, which
 * commits offset 3. The scrape is parsed and checked family by family, and against
 * docs/metrics.md, so the documentation cannot drift from what a server publishes.
 */
class MetricsScrapeTest {
    private static final String TOPIC = "orders";
    private static final String GROUP = "billing";
    /** Families that appear only after an event this traffic does not cause; docs/metrics.md says which. */
    private static final Set<String> ON_EVENT_ONLY = Set.of(
            "spool_kafka_requests_failed_total", // a request that closes its connection
            "spool_cleaner_dirty_ratio"); // the cleaner looked at a compacted topic
    private static final Path DOCS = Path.of("..", "docs", "metrics.md");
    private static final Path DASHBOARD = Path.of("..", "docs", "grafana", "spool-dashboard.json");

    @TempDir
    Path dataDir;

    @Test
    void aScrapeAfterProduceFetchAndACommitShowsHistogramsPartitionGaugesBytesAndLag() throws Exception {
        try (Serving serving = new Serving(dataDir)) {
            serving.traffic();
            String text = get(serving.endpoint, "/metrics").body();
            PrometheusText scrape = PrometheusText.parse(text);

            assertHistogram(scrape, "spool_kafka_requests_seconds", "api", "Produce", 10);
            assertHistogram(scrape, "spool_kafka_requests_seconds", "api", "Fetch", 1);
            assertHistogram(scrape, "spool_log_append_seconds", "durability", "strict", 10);
            assertHistogram(scrape, "spool_log_fsync_seconds", null, null, 1);
            assertThat(scrape.types()).containsEntry("spool_kafka_requests_seconds", "histogram");

            assertThat(scrape.value("spool_log_end_offset", "topic", TOPIC, "partition", "0")).isEqualTo(10.0);
            assertThat(scrape.value("spool_log_end_offset", "topic", TOPIC, "partition", "1")).isZero();
            assertThat(scrape.value("spool_log_start_offset", "topic", TOPIC, "partition", "0")).isZero();
            assertThat(scrape.value("spool_log_segments", "topic", TOPIC, "partition", "0")).isEqualTo(1.0);
            assertThat(scrape.value("spool_log_size_bytes", "topic", TOPIC, "partition", "0")).isPositive();
            assertThat(scrape.value("spool_log_appended_records_total", "topic", TOPIC, "partition", "0"))
                    .isEqualTo(10.0);
            assertThat(scrape.samples()).as("no label fuses topic and partition")
                    .allSatisfy(s -> assertThat(s.labels()).doesNotContainKey("log"));

            double produced = scrape.value("spool_kafka_produce_bytes_total", "topic", TOPIC);
            assertThat(produced).as("at least the ten values").isGreaterThanOrEqualTo(10 * "value-0".length());
            assertThat(scrape.value("spool_kafka_fetch_bytes_total", "topic", TOPIC)).isGreaterThanOrEqualTo(produced);

            assertThat(scrape.value("spool_group_lag", "group", GROUP, "topic", TOPIC, "partition", "0"))
                    .as("log end 10, committed 3").isEqualTo(7.0);

            PrometheusText.Sample build = scrape.find("spool_build_info").orElseThrow();
            assertThat(build.value()).isEqualTo(1.0);
            assertThat(build.labels()).containsKeys("version", "kafka_version", "java_version");
            assertThat(build.label("java_version")).isEqualTo(Runtime.version().toString());
            assertThat(scrape.types()).containsKeys("jvm_memory_used_bytes", "jvm_threads_live_threads",
                    "process_cpu_usage", "process_uptime_seconds", "jvm_classes_loaded_classes");

            assertUnitsOnceAndHelpEverywhere(scrape);
            assertDocumented(scrape);
            assertDashboardNamesExist(scrape);
        }
    }

    @Test
    void aDeletedTopicsPartitionGaugesGoAndARecreatedOneReportsItsOwn() throws Exception {
        try (Serving serving = new Serving(dataDir)) {
            serving.traffic();
            serving.manager.deleteTopic(TOPIC);
            PrometheusText scrape = PrometheusText.parse(get(serving.endpoint, "/metrics").body());
            assertThat(scrape.find("spool_log_end_offset", "topic", TOPIC, "partition", "0")).isEmpty();
            assertThat(scrape.find("spool_group_lag", "group", GROUP, "topic", TOPIC)).as("no log, no lag").isEmpty();

            serving.manager.createTopic(TOPIC, 1);
            scrape = PrometheusText.parse(get(serving.endpoint, "/metrics").body());
            assertThat(scrape.value("spool_log_end_offset", "topic", TOPIC, "partition", "0")).isZero();
            assertThat(scrape.value("spool_group_lag", "group", GROUP, "topic", TOPIC, "partition", "0"))
                    .as("the old commit against the new, empty log").isEqualTo(-3.0);
        }
    }

    /** Buckets on the {@link LatencyBuckets} ladder, cumulative, the last one equal to the count. */
    private static void assertHistogram(PrometheusText scrape, String family, String label, String value,
                                        long countMin) {
        String[] labels = label == null ? new String[0] : new String[] {label, value};
        List<PrometheusText.Sample> buckets = scrape.samples(family + "_bucket").stream()
                .filter(s -> label == null || value.equals(s.label(label))).toList();
        double[] bounds = buckets.stream().mapToDouble(s -> Double.parseDouble(s.label("le").replace("+Inf",
                "Infinity"))).toArray();
        double[] expected = Arrays.stream(LatencyBuckets.bounds()).mapToDouble(d -> d.toNanos() / 1e9).toArray();
        assertThat(bounds).as(family + " bucket bounds").hasSize(expected.length + 1);
        for (int i = 0; i < expected.length; i++) {
            assertThat(bounds[i]).as(family + " bound " + i).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-12));
        }
        assertThat(bounds[expected.length]).isInfinite();
        for (int i = 1; i < buckets.size(); i++) {
            assertThat(buckets.get(i).value()).as("cumulative").isGreaterThanOrEqualTo(buckets.get(i - 1).value());
        }
        double count = scrape.value(family + "_count", labels);
        assertThat(count).as(family + " count").isGreaterThanOrEqualTo(countMin);
        assertThat(buckets.get(buckets.size() - 1).value()).isEqualTo(count);
        assertThat(scrape.value(family + "_sum", labels)).isPositive();
    }

    private static void assertUnitsOnceAndHelpEverywhere(PrometheusText scrape) {
        Pattern doubled = Pattern.compile(".*_(bytes|seconds)_(bytes|seconds)(_total)?|.*_total_total");
        assertThat(scrape.types().keySet()).as("families").isNotEmpty()
                .noneMatch(name -> doubled.matcher(name).matches());
        for (String family : scrape.types().keySet()) {
            assertThat(scrape.helps().get(family)).as("HELP of " + family).isNotBlank();
        }
        assertThat(scrape.helps().values()).as("no empty HELP line").allSatisfy(h -> assertThat(h).isNotBlank());
    }

    /**
     * Every Spool family of the scrape is in docs/metrics.md and every one documented is in the
     * scrape; the JVM's and the process's are documented too (the garbage collector's vary by
     * collector, and are documented as a group).
     */
    private static void assertDocumented(PrometheusText scrape) throws Exception {
        String docs = Files.readString(DOCS);
        Map<String, String> documentedTypes = new java.util.TreeMap<>();
        Matcher row = Pattern.compile("^\\| `([a-z_0-9]+)` \\| ([a-z]+) \\|", Pattern.MULTILINE).matcher(docs);
        while (row.find()) {
            documentedTypes.put(row.group(1), row.group(2));
        }
        Set<String> documented = documentedTypes.keySet();
        scrape.types().forEach((family, type) -> {
            if (documentedTypes.containsKey(family)) {
                assertThat(documentedTypes.get(family)).as("type of " + family + " in docs/metrics.md").isEqualTo(type);
            }
        });
        Set<String> scraped = new TreeSet<>(scrape.types().keySet());
        Set<String> spoolScraped = scraped.stream().filter(n -> n.startsWith("spool_")).collect(Collectors.toCollection(TreeSet::new));
        Set<String> spoolDocumented = documented.stream().filter(n -> n.startsWith("spool_"))
                .filter(n -> !ON_EVENT_ONLY.contains(n)).collect(Collectors.toCollection(TreeSet::new));
        assertThat(spoolDocumented).as("Spool families in docs/metrics.md").isEqualTo(spoolScraped.stream()
                .filter(n -> !ON_EVENT_ONLY.contains(n)).collect(Collectors.toCollection(TreeSet::new)));
        assertThat(documented).as("docs/metrics.md").containsAll(ON_EVENT_ONLY);
        for (String family : scraped) {
            if (!family.startsWith("jvm_gc_")) {
                assertThat(documented).as("docs/metrics.md lists " + family).contains(family);
            }
        }
    }

    /** Every series the Grafana dashboard queries is one a server publishes. */
    private static void assertDashboardNamesExist(PrometheusText scrape) throws Exception {
        String dashboard = Files.readString(DASHBOARD);
        Matcher series = Pattern.compile("\\b((?:spool|jvm|process)_[a-z_0-9]+)").matcher(dashboard);
        Set<String> published = new TreeSet<>(scrape.types().keySet());
        published.addAll(ON_EVENT_ONLY);
        int names = 0;
        while (series.find()) {
            String family = series.group(1).replaceFirst("_(bucket|count|sum)$", "");
            assertThat(published).as("the dashboard's " + series.group(1)).contains(family);
            names++;
        }
        assertThat(names).as("series the dashboard queries").isGreaterThan(10);
    }

    static HttpResponse<String> get(MetricsEndpoint endpoint, String path) throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoint.address().getPort() + path))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    /** The endpoint, a log manager and a server with a group coordinator, all recording in the endpoint's registry. */
    static final class Serving implements AutoCloseable {
        final MetricsEndpoint endpoint;
        final LogManager manager;
        final KafkaServer server;

        Serving(Path dataDir) throws Exception {
            endpoint = MetricsEndpoint.start("127.0.0.1", 0);
            manager = LogManager.open(dataDir, LogManagerConfig.defaults().withoutBackgroundTasks()
                    .withMeterRegistry(endpoint.registry()));
            GroupCoordinator groups = ClassicGroupCoordinator.open(dataDir.resolve(OffsetsLogCheck.DIR_NAME),
                    GroupCoordinatorConfig.defaults().withMeterRegistry(endpoint.registry()));
            server = KafkaServer.start(KafkaServerConfig.defaults().withListen("127.0.0.1", 0), manager,
                    Optional.of(groups), endpoint.registry());
        }

        String bootstrap() {
            return "127.0.0.1:" + server.port();
        }

        /** Ten records to orders-0 (acks=all), read back by group billing, which commits offset 3. */
        void traffic() throws Exception {
            manager.createTopic(TOPIC, 2);
            Properties producerProps = new Properties();
            producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
            producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps, new ByteArraySerializer(),
                    new ByteArraySerializer())) {
                for (int i = 0; i < 10; i++) {
                    producer.send(new ProducerRecord<>(TOPIC, 0, null, ("value-" + i).getBytes(StandardCharsets.UTF_8)))
                            .get();
                }
            }
            Properties consumerProps = new Properties();
            consumerProps.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
            consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, GROUP);
            consumerProps.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");
            consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            consumerProps.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "100");
            TopicPartition partition = new TopicPartition(TOPIC, 0);
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProps,
                    new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                consumer.assign(List.of(partition));
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                int read = 0;
                while (read < 10 && System.nanoTime() < deadline) {
                    read += consumer.poll(Duration.ofMillis(200)).count();
                }
                assertThat(read).as("records read back").isEqualTo(10);
                consumer.commitSync(Map.of(partition, new OffsetAndMetadata(3)));
            }
        }

        @Override
        public void close() throws Exception {
            server.close();
            manager.close();
            endpoint.close();
        }
    }
}
