package dev.spool.log.append;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Tags;
import org.junit.jupiter.api.Test;

/** The topic and partition labels a log directory's name gives its meters. */
class LogMetricsTest {
    @Test
    void aPartitionDirectorySplitsAtItsLastDash() {
        assertThat(LogMetrics.tags("orders-3")).isEqualTo(Tags.of("topic", "orders", "partition", "3"));
        assertThat(LogMetrics.tags("a-1-0")).isEqualTo(Tags.of("topic", "a-1", "partition", "0"));
        assertThat(LogMetrics.tags("t-12")).isEqualTo(Tags.of("topic", "t", "partition", "12"));
    }

    @Test
    void aDirectoryWithoutAPartitionNumberIsATopicWithAnEmptyPartition() {
        assertThat(LogMetrics.tags("__consumer_offsets")).isEqualTo(Tags.of("topic", "__consumer_offsets", "partition", ""));
        assertThat(LogMetrics.tags("orders-")).isEqualTo(Tags.of("topic", "orders-", "partition", ""));
        assertThat(LogMetrics.tags("orders-01")).as("not a number Spool writes")
                .isEqualTo(Tags.of("topic", "orders-01", "partition", ""));
        assertThat(LogMetrics.tags("-0")).isEqualTo(Tags.of("topic", "-0", "partition", ""));
    }
}
