package dev.spool.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * kcat (librdkafka) cells: its producer with each codec, its balanced consumer ({@code -G}) in new
 * groups and resuming a group, its assigned consumer from a timestamp ({@code -o s@TS}), offset
 * queries ({@code -Q}) and metadata ({@code -L}). kcat has no admin calls.
 */
final class KcatCells {
    static final String CLIENT = "kcat 1.7 (librdkafka 2.0)";
    /** Values only, one per line; {@code -u} unbuffered so a killed run still shows what it read. */
    private static final String FORMAT = "value %s\\n";

    private KcatCells() {
    }

    static List<String> kcat(Fixtures f, String... args) {
        List<String> command = new ArrayList<>(List.of("kcat", "-b", f.target.bootstrap(), "-u"));
        command.addAll(Arrays.asList(args));
        return command;
    }

    static Proc.Result ok(Proc.Result result) {
        if (!result.ok()) {
            throw new AssertionError(result.describe());
        }
        return result;
    }

    /** Balanced consumer in {@code group}: reads {@code count} values, then closes (committing its position). */
    static List<String> groupConsumer(Fixtures f, String topic, String group, String reset, int count) {
        return kcat(f, "-G", group, "-X", "auto.offset.reset=" + reset, "-X", "session.timeout.ms=10000",
                "-c", Integer.toString(count), "-f", FORMAT, topic);
    }

    static List<Cell> cells() {
        List<Cell> cells = new ArrayList<>();
        for (String codec : ScriptCells.CODECS) {
            cells.add(new Cell(CLIENT, "produce " + codec + ", read back", (f, topic) -> {
                f.createTopic(topic, 1);
                String input = String.join("\n", Fixtures.values("v", 5)) + "\n";
                ok(Proc.run(kcat(f, "-P", "-t", topic, "-p", "0", "-z", codec), input));
                assertThat(f.readAll(topic, 0)).as("values on the server").isEqualTo(Fixtures.values("v", 5));
                Proc.Result read = ok(Proc.run(kcat(f, "-C", "-t", topic, "-p", "0", "-o", "beginning", "-e",
                        "-f", FORMAT)));
                assertThat(read.field("value")).as(read.describe()).isEqualTo(Fixtures.values("v", 5));
                return null;
            }));
        }
        cells.addAll(consumeCells());
        cells.add(CompactedCells.kcat());
        return cells;
    }

    private static List<Cell> consumeCells() {
        List<Cell> cells = new ArrayList<>();
        cells.add(new Cell(CLIENT, "consume, new group, earliest", (f, topic) -> {
            f.topicWith(topic, Fixtures.values("e", 5));
            Proc.Result read = ok(Proc.run(groupConsumer(f, topic, topic + "-g", "earliest", 5)));
            assertThat(read.field("value")).as(read.describe()).isEqualTo(Fixtures.values("e", 5));
            return null;
        }));
        cells.add(new Cell(CLIENT, "consume, new group, latest", (f, topic) -> {
            f.topicWith(topic, Fixtures.values("early", 3));
            AtomicInteger late = new AtomicInteger();
            Proc.Result read = ok(Proc.run(groupConsumer(f, topic, topic + "-g", "latest", 1), null, Map.of(),
                    () -> ScriptCells.produceLate(f, topic, late)));
            assertThat(read.field("value")).as(read.describe()).hasSize(1).allMatch(v -> v.startsWith("late"));
            return "read " + read.field("value").get(0) + " after " + late.get() + " late records";
        }));
        cells.add(new Cell(CLIENT, "consume from a timestamp", (f, topic) -> {
            long base = Timestamps.base();
            f.createTopic(topic, 1);
            f.produce(topic, Fixtures.values("t", 6), base);
            Proc.Result read = ok(Proc.run(kcat(f, "-C", "-t", topic, "-p", "0", "-o", "s@" + (base + 3000),
                    "-c", "3", "-f", FORMAT)));
            assertThat(read.field("value")).as(read.describe()).isEqualTo(List.of("t3", "t4", "t5"));
            return null;
        }));
        cells.add(new Cell(CLIENT, "watermark offsets", (f, topic) -> {
            f.topicWith(topic, Fixtures.values("w", 4));
            Proc.Result low = ok(Proc.run(kcat(f, "-Q", "-t", topic + ":0:-2")));
            Proc.Result high = ok(Proc.run(kcat(f, "-Q", "-t", topic + ":0:-1")));
            assertThat(low.output()).as(low.describe()).contains(topic + " [0] offset 0");
            assertThat(high.output()).as(high.describe()).contains(topic + " [0] offset 4");
            return null;
        }));
        cells.add(new Cell(CLIENT, "commit, stop, resume in the group", (f, topic) -> {
            f.topicWith(topic, Fixtures.values("r", 6));
            String group = topic + "-g";
            Proc.Result first = ok(Proc.run(groupConsumer(f, topic, group, "earliest", 3)));
            assertThat(first.field("value")).as(first.describe()).isEqualTo(List.of("r0", "r1", "r2"));
            assertThat(f.committed(group, topic)).as("committed offset after the first run").isEqualTo(3);
            Proc.Result second = ok(Proc.run(groupConsumer(f, topic, group, "earliest", 3)));
            assertThat(second.field("value")).as(second.describe()).isEqualTo(List.of("r3", "r4", "r5"));
            return null;
        }));
        cells.add(new Cell(CLIENT, "metadata: list topics", (f, topic) -> {
            f.createTopic(topic, 3);
            Proc.Result out = ok(Proc.run(kcat(f, "-L", "-t", topic)));
            assertThat(out.output()).as(out.describe()).contains("topic \"" + topic + "\" with 3 partitions");
            return null;
        }));
        return cells;
    }
}
