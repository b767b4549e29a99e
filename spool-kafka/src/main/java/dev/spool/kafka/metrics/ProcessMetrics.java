package dev.spool.kafka.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;

/**
 * The process's own meters, bound once per registry by {@link MetricsEndpoint}: Micrometer's JVM
 * and system binders (memory pools, garbage collections, threads, classes, CPU, file descriptors,
 * uptime) and {@code spool_build_info{version, kafka_version, java_version} 1}, the Prometheus way
 * to publish what is running (join on it to label other series by version).
 */
final class ProcessMetrics implements AutoCloseable {
    /** The version when Spool runs from classes rather than its jar (tests, the IDE). */
    static final String DEVELOPMENT_VERSION = "development";

    /** Watches the garbage collector's notifications until closed. */
    private final JvmGcMetrics gc;

    private ProcessMetrics(JvmGcMetrics gc) {
        this.gc = gc;
    }

    static ProcessMetrics bind(MeterRegistry registry) {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(registry);
        Gauge.builder("spool.build.info", () -> 1)
                .tag("version", spoolVersion())
                .tag("kafka_version", kafkaVersion())
                .tag("java_version", Runtime.version().toString())
                .description("The versions running: Spool's, the Kafka protocol and format classes', and Java's; always 1")
                .register(registry);
        return new ProcessMetrics(gc);
    }

    /** The jar's Implementation-Version (what {@code spool --version} prints). */
    static String spoolVersion() {
        String version = ProcessMetrics.class.getPackage().getImplementationVersion();
        return version == null ? DEVELOPMENT_VERSION : version;
    }

    /** The version of the kafka-clients library the protocol and format classes come from. */
    static String kafkaVersion() {
        java.util.Properties properties = new java.util.Properties();
        try (java.io.InputStream in = ProcessMetrics.class.getResourceAsStream("/kafka/kafka-version.properties")) {
            if (in != null) {
                properties.load(in);
            }
        } catch (java.io.IOException e) {
            // the version stays unknown
        }
        return properties.getProperty("version", "unknown");
    }

    @Override
    public void close() {
        gc.close();
    }
}
