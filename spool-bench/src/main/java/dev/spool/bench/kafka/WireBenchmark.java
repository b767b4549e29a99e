package dev.spool.bench.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * The wire benchmark: Kafka's Java producer and consumer against Spool's Kafka-compatible server
 * and against a real Apache Kafka broker (KRaft, single node), on the same machine in the same
 * run. Run it with {@code spool-bench/wire-bench.sh}; {@code --help} lists the options, and
 * docs/benchmarks.md has the method and the figures.
 *
 * <h2>Method</h2>
 * Each round runs every {@link Target} once, in pairs of equal durability (Spool strict against
 * Kafka with {@code flush.messages=1}, Spool relaxed against Kafka's defaults), and alternates
 * which member of a pair goes first (ABBA…) so that neither always runs on a warmer or a dirtier
 * machine. One target's turn: a fresh data directory and a fresh broker JVM ({@link BrokerProcess});
 * three topics created through the Admin client; a warmup (produce and read back by both
 * consumers, unmeasured);
 * the saturated phase (as fast as the producer goes, up to a record count or a time limit:
 * throughput, and latency that is mostly queueing in the producer's buffer); the paced phase (a
 * fixed, modest rate, the same for every target: the latency a request sees when the server is
 * not the bottleneck); then a consumer reads the saturated phase's records from the beginning
 * (throughput), and kcat (librdkafka) reads them once more: the Java consumer's own work per record
 * is the limit of both servers' figures, and kcat's is less. The broker then stops gracefully (flushing) and its directory is
 * deleted before the next target starts, so no target's dirty pages are written back during
 * another's turn. The summary quotes medians over rounds and the ratios of those medians.
 */
public final class WireBenchmark {
    private static final String WARMUP_TOPIC = "wire-warmup";
    private static final String SATURATED_TOPIC = "wire-saturated";
    private static final String PACED_TOPIC = "wire-paced";
    /** Kafka's start-script defaults (heap and KAFKA_JVM_PERFORMANCE_OPTS), given to both servers alike. */
    static final List<String> BROKER_JVM_FLAGS = List.of("-Xms1g", "-Xmx1g", "-XX:+UseG1GC",
            "-XX:MaxGCPauseMillis=20", "-XX:InitiatingHeapOccupancyPercent=35", "-XX:+ExplicitGCInvokesConcurrent",
            "-Djava.awt.headless=true", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");

    private WireBenchmark() {
    }

    /** One target's turn in one round; {@code librdkafka} is empty where kcat is not installed. */
    record Turn(Target target, int round, WireLoad.Produced saturated, WireLoad.Produced paced,
                WireLoad.Consumed consumed, Optional<WireLoad.Consumed> librdkafka, double otherCores,
                double produceBrokerCpuSeconds, double consumeBrokerCpuSeconds) {

        /** The broker's CPU time per record produced in the saturated phase, in microseconds. */
        double produceBrokerCpuMicros() {
            return produceBrokerCpuSeconds * 1e6 / saturated.records();
        }

        double consumeBrokerCpuMicros() {
            return consumeBrokerCpuSeconds * 1e6 / consumed.records();
        }

        /** kcat's records/s; NaN where kcat is not installed. */
        double librdkafkaRecordsPerSecond() {
            return librdkafka.map(WireLoad.Consumed::recordsPerSecond).orElse(Double.NaN);
        }
    }

    public static void main(String[] args) throws Exception {
        WireOptions options = WireOptions.parse(args);
        Path work = Files.createTempDirectory(options.dir, "spool-wire-bench-");
        byte[] value = new byte[options.valueBytes];
        new Random(42).nextBytes(value);
        System.out.printf("Wire benchmark: %s; %d round(s); %,d records of %d B (durable pair %,d) or %d s, "
                        + "+%d%% warmup; %d partition(s); paced %,d records/s for %d s; %d CPUs; data in %s, "
                        + "logs in %s%n",
                String.join(" ", options.given), options.rounds, options.records, options.valueBytes,
                options.durableRecords, options.sendSecondsMax, options.warmupPercent, options.partitions,
                options.pacedRate,
                options.pacedSeconds, Runtime.getRuntime().availableProcessors(), work, options.logs.toAbsolutePath());
        List<Turn> turns = new ArrayList<>();
        try {
            for (int round = 1; round <= options.rounds; round++) {
                for (Target target : order(options.targets, round)) {
                    Turn turn = runTurn(options, target, round, work, value);
                    turns.add(turn);
                    System.out.println(WireReport.line(turn));
                }
            }
        } finally {
            deleteTree(work);
        }
        System.out.println();
        System.out.print(WireReport.summary(options, turns));
        WireJson.write(options.json, options, turns);
        System.out.println("wrote " + options.json.toAbsolutePath());
    }

    /** The targets in their pairs, the Spool member first in odd rounds and second in even ones. */
    static List<Target> order(List<Target> targets, int round) {
        List<Target> ordered = new ArrayList<>();
        for (Target target : targets) {
            if (ordered.contains(target)) {
                continue;
            }
            boolean pairChosen = targets.contains(target.rival());
            Target spool = target.spool ? target : target.rival();
            Target kafka = spool.rival();
            if (!pairChosen) {
                ordered.add(target);
            } else if (round % 2 == 1) {
                ordered.add(spool);
                ordered.add(kafka);
            } else {
                ordered.add(kafka);
                ordered.add(spool);
            }
        }
        return ordered;
    }

    private static Turn runTurn(WireOptions options, Target target, int round, Path work, byte[] value)
            throws Exception {
        Path dir = work.resolve(target.label + "-r" + round);
        List<String> flags = new ArrayList<>(BROKER_JVM_FLAGS);
        flags.addAll(options.brokerJavaOpts);
        if (options.jfr) {
            Path recording = options.logs.toAbsolutePath().resolve(target.label + "-r" + round + ".jfr");
            flags.add("-XX:StartFlightRecording=filename=" + recording + ",settings=profile,dumponexit=true");
        }
        Path log = options.logs.resolve(target.label + "-r" + round + ".log");
        int[] ports = freePorts(2);
        try (BrokerProcess broker = BrokerProcess.start(flags, target.brokerArgs(dir, ports[0], ports[1]), log)) {
            String bootstrap = broker.bootstrap();
            WireLoad.createTopics(bootstrap, List.of(WARMUP_TOPIC, SATURATED_TOPIC, PACED_TOPIC), options.partitions,
                    target.topicConfigs);
            long records = options.recordsFor(target);
            long warmup = options.warmupRecordsFor(target);
            WireLoad.Produced saturated;
            WireLoad.Produced paced;
            CpuUsage cpu;
            double produceCpu;
            try (KafkaProducer<byte[], byte[]> producer = WireLoad.producer(bootstrap, options.batchBytes)) {
                long warmupMs = options.sendSecondsMax * 1000 * options.warmupPercent / 100;
                long warmed = WireLoad.produce(producer, WARMUP_TOPIC, value, warmup, 0, warmupMs).records();
                WireLoad.consume(bootstrap, WARMUP_TOPIC, options.partitions, warmed);
                WireLoad.consumeWithLibrdkafka(bootstrap, WARMUP_TOPIC, options.partitions, warmed,
                        work.resolve(target.label + "-r" + round + "-kcat-warmup.txt")); // its fetches warm up too
                cpu = CpuUsage.now(broker.pid());
                double before = CpuUsage.processSeconds(broker.pid());
                saturated = WireLoad.produce(producer, SATURATED_TOPIC, value, records, 0,
                        options.sendSecondsMax * 1000);
                produceCpu = CpuUsage.processSeconds(broker.pid()) - before;
                paced = WireLoad.produce(producer, PACED_TOPIC, value, options.pacedRate * options.pacedSeconds,
                        options.pacedRate, TimeUnit.DAYS.toMillis(1));
            }
            double before = CpuUsage.processSeconds(broker.pid());
            WireLoad.Consumed consumed = WireLoad.consume(bootstrap, SATURATED_TOPIC, options.partitions,
                    saturated.records());
            double consumeCpu = CpuUsage.processSeconds(broker.pid()) - before;
            double otherCores = cpu.otherCoresSince();
            Optional<WireLoad.Consumed> librdkafka = WireLoad.consumeWithLibrdkafka(bootstrap, SATURATED_TOPIC,
                    options.partitions, saturated.records(), work.resolve(target.label + "-r" + round + "-kcat.txt"));
            return new Turn(target, round, saturated, paced, consumed, librdkafka, otherCores, produceCpu, consumeCpu);
        } finally {
            deleteTree(dir);
        }
    }

    /** Ports free right now on loopback (a race with other programs is possible, and would fail the start). */
    private static int[] freePorts(int count) throws IOException {
        ServerSocket[] sockets = new ServerSocket[count];
        int[] ports = new int[count];
        try {
            for (int i = 0; i < count; i++) {
                sockets[i] = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                ports[i] = sockets[i].getLocalPort();
            }
        } finally {
            for (ServerSocket socket : sockets) {
                if (socket != null) {
                    socket.close();
                }
            }
        }
        return ports;
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.delete(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
