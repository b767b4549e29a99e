package dev.spool.compat;

import static dev.spool.compat.ToolCells.tool;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * kafka-consumer-groups against an Empty group that committed offset 3 of a 6-record topic whose
 * records carry the timestamps {@code base + 1000 i}: list, describe with the lag, each offset
 * reset (dry run and execute), delete.
 */
final class GroupToolCells {
    static final String CLIENT = TopicToolCells.CLIENT;

    private GroupToolCells() {
    }

    /** A reset kind: its arguments, given the records' first timestamp, and the offset it leads to. */
    private record Reset(String name, long expected, boolean execute, ResetArgs args) {
    }

    @FunctionalInterface
    private interface ResetArgs {
        List<String> of(long base);
    }

    static List<Cell> cells() {
        List<Cell> cells = new ArrayList<>();
        cells.add(new Cell(CLIENT, "kafka-consumer-groups --list", (f, topic) -> {
            String group = Admins.groupWithCommit(f, topic, 3);
            Proc.Result out = tool(f, ToolCells.CONSUMER_GROUPS, "--list");
            assertThat(Arrays.stream(out.output().split("\n")).map(String::strip)).as(out.describe()).contains(group);
            return null;
        }));
        cells.add(new Cell(CLIENT, "kafka-consumer-groups --describe (lag)", (f, topic) -> {
            String group = Admins.groupWithCommit(f, topic, 3);
            Proc.Result out = tool(f, ToolCells.CONSUMER_GROUPS, "--describe", "--group", group);
            List<String> row = ToolCells.row(out, topic);
            assertThat(row.subList(2, 5)).as("current offset, log end offset, lag\n" + out.describe())
                    .containsExactly("3", "6", "3");
            return null;
        }));
        List<Reset> resets = List.of(
                new Reset("--to-earliest --dry-run", 0, false, base -> List.of("--to-earliest")),
                new Reset("--to-earliest --execute", 0, true, base -> List.of("--to-earliest")),
                new Reset("--to-latest --execute", 6, true, base -> List.of("--to-latest")),
                new Reset("--to-offset 2 --execute", 2, true, base -> List.of("--to-offset", "2")),
                new Reset("--to-datetime --execute", 4, true,
                        base -> List.of("--to-datetime", Timestamps.toolDateTime(base + 4000))),
                new Reset("--shift-by -1 --execute", 2, true, base -> List.of("--shift-by", "-1")));
        for (Reset reset : resets) {
            cells.add(new Cell(CLIENT, "kafka-consumer-groups --reset-offsets " + reset.name(), (f, topic) -> {
                long base = Timestamps.base();
                String group = Admins.groupWithCommit(f, topic, 3, base);
                List<String> args = new ArrayList<>(List.of("--reset-offsets", "--group", group, "--topic", topic));
                args.addAll(reset.args().of(base));
                args.add(reset.execute() ? "--execute" : "--dry-run");
                Proc.Result out = tool(f, ToolCells.CONSUMER_GROUPS, args.toArray(String[]::new));
                assertThat(ToolCells.row(out, topic).get(2)).as("new offset\n" + out.describe())
                        .isEqualTo(Long.toString(reset.expected()));
                assertThat(f.committed(group, topic)).as("committed offset afterwards")
                        .isEqualTo(reset.execute() ? reset.expected() : 3);
                return null;
            }));
        }
        cells.add(new Cell(CLIENT, "kafka-consumer-groups --delete", (f, topic) -> {
            String group = Admins.groupWithCommit(f, topic, 3);
            Proc.Result out = tool(f, ToolCells.CONSUMER_GROUPS, "--delete", "--group", group);
            assertThat(f.committed(group, topic)).as("committed offset after the delete\n" + out.describe())
                    .isEqualTo(-1);
            return null;
        }));
        return cells;
    }
}
