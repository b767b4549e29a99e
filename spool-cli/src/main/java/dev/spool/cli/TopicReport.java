package dev.spool.cli;

import dev.spool.log.LogConfig;
import dev.spool.log.TopicDescription;
import dev.spool.log.TopicSetting;
import java.io.PrintStream;

/**
 * What {@code spool topics describe} prints for one topic: a summary line, every Kafka setting with
 * the value it runs with and whether the topic sets it ({@code topic}) or follows the default
 * ({@code default}), then per partition the log start and end offsets, bytes and segments.
 */
final class TopicReport {
    private TopicReport() {
    }

    static void print(PrintStream out, TopicDescription description, LogConfig defaults) {
        out.printf("topic %s: %d partition(s), %d record(s), %d bytes; %s%n", description.name(),
                description.partitions().size(), description.recordCount(), description.sizeBytes(),
                Settings.describe(description.config()));
        out.printf("%-34s %-22s %s%n", "SETTING", "VALUE", "SOURCE");
        for (TopicSetting setting : TopicSetting.values()) {
            boolean set = description.config().override(setting).isPresent();
            out.printf("%-34s %-22s %s%n", setting.key(),
                    setting.format(description.config().value(setting, defaults)), set ? "topic" : "default");
        }
        out.printf("%-10s %15s %15s %15s %9s%n", "PARTITION", "START-OFFSET", "END-OFFSET", "SIZE-BYTES", "SEGMENTS");
        for (TopicDescription.PartitionDescription p : description.partitions()) {
            out.printf("%-10d %15d %15d %15d %9s%n", p.partition(), p.logStartOffset(), p.logEndOffset(),
                    p.sizeBytes(), p.offline() ? "offline" : String.valueOf(p.segmentCount()));
        }
    }
}
