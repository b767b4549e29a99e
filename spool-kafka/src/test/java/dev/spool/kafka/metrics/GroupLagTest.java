package dev.spool.kafka.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.kafka.group.GroupCoordinator;
import dev.spool.kafka.group.GroupPartitionOffset;
import dev.spool.log.LogManager;
import dev.spool.log.LogManagerConfig;
import dev.spool.log.record.BatchBuilder;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lag collector on its own: which registries get it, and which committed offsets have a series. */
class GroupLagTest {
    @TempDir
    Path dataDir;

    /** A coordinator that only answers {@link GroupCoordinator#committedOffsets()}. */
    private static GroupCoordinator committed(GroupPartitionOffset... offsets) {
        return (GroupCoordinator) Proxy.newProxyInstance(GroupLagTest.class.getClassLoader(),
                new Class<?>[] {GroupCoordinator.class}, (proxy, method, args) -> {
                    if (method.getName().equals("committedOffsets")) {
                        return List.of(offsets);
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    @Test
    void aPrometheusRegistryInsideACompositeGetsTheLagAndOthersDoNot() throws Exception {
        try (LogManager manager = LogManager.open(dataDir, LogManagerConfig.defaults().withoutBackgroundTasks())) {
            manager.createTopic("t", 2);
            for (int i = 0; i < 5; i++) {
                BatchBuilder builder = new BatchBuilder(1 << 16);
                builder.tryAppend(1_000L, null, ("v" + i).getBytes(StandardCharsets.UTF_8));
                manager.log("t", 1).append(builder.build());
            }
            GroupCoordinator groups = committed(new GroupPartitionOffset("g", "t", 1, 2),
                    new GroupPartitionOffset("g", "t", 0, 0), new GroupPartitionOffset("g", "gone", 0, 4));
            PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            CompositeMeterRegistry composite = new CompositeMeterRegistry();
            composite.add(new SimpleMeterRegistry());
            composite.add(prometheus);

            GroupLag lag = GroupLag.register(composite, manager, groups).orElseThrow();
            PrometheusText scrape = PrometheusText.parse(prometheus.scrape());
            assertThat(scrape.value("spool_group_lag", "group", "g", "topic", "t", "partition", "1")).isEqualTo(3.0);
            assertThat(scrape.value("spool_group_lag", "group", "g", "topic", "t", "partition", "0")).isZero();
            assertThat(scrape.find("spool_group_lag", "topic", "gone")).as("no such topic, no series").isEmpty();

            assertThat(GroupLag.register(prometheus, manager, groups)).as("one owner per registry").isEmpty();
            lag.close();
            assertThat(prometheus.scrape()).doesNotContain("spool_group_lag");
            assertThat(GroupLag.register(new SimpleMeterRegistry(), manager, groups)).isEmpty();
        }
    }
}
