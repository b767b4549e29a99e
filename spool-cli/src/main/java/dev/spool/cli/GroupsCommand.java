package dev.spool.cli;

import java.io.PrintStream;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/**
 * {@code spool groups list|describe|reset-offsets|delete}: consumer groups and their committed
 * offsets, on a running server ({@code --bootstrap-server}, any Kafka-protocol server) or in a data
 * directory no server runs on. Output follows {@code kafka-consumer-groups}: lag is the log end
 * offset minus the committed offset; {@code reset-offsets} prints its plan and changes nothing
 * without {@code --execute}.
 */
@Command(name = "groups", description = "List, describe, reset the offsets of and delete consumer groups, on a "
        + "running server (--bootstrap-server) or in the data directory.",
        subcommands = {GroupsCommand.ListGroups.class, GroupsCommand.Describe.class, GroupsCommand.ResetOffsets.class,
                GroupsCommand.Delete.class})
final class GroupsCommand implements Runnable {
    /** So the global options may also come between {@code groups} and its sub-command. */
    @Mixin
    CommonOptions common;

    @Override
    public void run() {
        throw new ParameterException(new picocli.CommandLine(this),
                "Missing sub-command: list, describe, reset-offsets or delete");
    }

    /** Where the groups are: a server, or the data directory. */
    static final class Target {
        @Option(names = "--bootstrap-server", paramLabel = "HOST:PORT",
                description = "Ask this Kafka-protocol server (Spool, Kafka, …) instead of reading the data directory.")
        String bootstrap;
        @Option(names = "--timeout-ms", paramLabel = "MS", defaultValue = "30000",
                description = "With --bootstrap-server: how long to wait for each answer (default: ${DEFAULT-VALUE}).")
        long timeoutMs;

        GroupAccess open(CommonOptions common) throws java.io.IOException {
            if (timeoutMs < 1) {
                throw new ParameterException(common.spec.commandLine(), "--timeout-ms must be at least 1, not "
                        + timeoutMs);
            }
            return bootstrap == null ? new DataDirGroupAccess(common) : new AdminGroupAccess(bootstrap, timeoutMs);
        }
    }

    @Command(name = "list", description = "List consumer groups, one id per line.")
    static final class ListGroups implements Callable<Integer> {
        @Mixin
        CommonOptions common;
        @Mixin
        Target target;

        @Override
        public Integer call() throws Exception {
            try (GroupAccess groups = target.open(common)) {
                groups.list().forEach(common.root().out::println);
            }
            return SpoolCommand.EXIT_OK;
        }
    }

    @Command(name = "describe", description = "Show a group's members, and per partition its committed offset, "
            + "the log end offset and the lag.")
    static final class Describe implements Callable<Integer> {
        @Mixin
        CommonOptions common;
        @Mixin
        Target target;
        @Parameters(paramLabel = "GROUP")
        String group;

        @Override
        public Integer call() throws Exception {
            try (GroupAccess groups = target.open(common)) {
                print(common.root().out, groups.describe(group), target.bootstrap == null);
            }
            return SpoolCommand.EXIT_OK;
        }

        static void print(PrintStream out, GroupAccess.Group group, boolean fromDataDir) {
            out.printf("group %s: %s, %d member(s)%s%n", group.groupId(), group.state(), group.members().size(),
                    fromDataDir ? " (read from the data directory: members are known only to a running server)" : "");
            Map<TopicPartition, String> owners = new TreeMap<>(GroupAccess.ORDER);
            if (!group.members().isEmpty()) {
                out.printf("%-40s %-24s %-16s %s%n", "MEMBER", "CLIENT-ID", "HOST", "PARTITIONS");
                for (GroupAccess.Member member : group.members()) {
                    out.printf("%-40s %-24s %-16s %s%n", member.memberId(), member.clientId(), member.host(),
                            member.assignment().isEmpty() ? "-" : String.join(",",
                                    member.assignment().stream().map(TopicPartition::toString).toList()));
                    member.assignment().forEach(tp -> owners.put(tp, member.memberId()));
                }
            }
            SortedMap<TopicPartition, Long> partitions = new TreeMap<>(GroupAccess.ORDER);
            partitions.putAll(group.committed());
            owners.keySet().forEach(tp -> partitions.putIfAbsent(tp, null));
            out.printf("%-24s %9s %16s %16s %10s  %s%n", "TOPIC", "PARTITION", "COMMITTED-OFFSET", "LOG-END-OFFSET",
                    "LAG", "MEMBER");
            partitions.forEach((tp, committed) -> {
                Long end = group.logEndOffsets().get(tp);
                String lag = committed == null || end == null ? "-" : String.valueOf(Math.max(0, end - committed));
                out.printf("%-24s %9d %16s %16s %10s  %s%n", tp.topic(), tp.partition(),
                        committed == null ? "-" : committed, end == null ? "-" : end, lag, owners.getOrDefault(tp, "-"));
            });
        }
    }

    @Command(name = "reset-offsets", description = "Move a group's committed offsets of a topic: prints the plan, "
            + "and commits it with --execute (the group must have no members).")
    static final class ResetOffsets implements Callable<Integer> {
        @Mixin
        CommonOptions common;
        @Mixin
        Target target;
        @Parameters(paramLabel = "GROUP")
        String group;
        @Option(names = "--topic", paramLabel = "TOPIC", required = true, description = "The topic (every partition).")
        String topic;
        @ArgGroup(exclusive = true, multiplicity = "1")
        To to;
        @Option(names = "--execute", description = "Commit the new offsets (without it: only show them).")
        boolean execute;

        /** Where to move; exactly one. */
        static final class To {
            @Option(names = "--to-earliest", description = "To each partition's log start offset.")
            boolean earliest;
            @Option(names = "--to-latest", description = "To each partition's log end offset.")
            boolean latest;
            @Option(names = "--to-offset", paramLabel = "N",
                    description = "To offset N (within each partition's range: below it the start, above it the end).")
            Long offset;
        }

        @Override
        public Integer call() throws Exception {
            dev.spool.log.TopicName.validate(topic);
            if (to.offset != null && to.offset < 0) {
                throw new ParameterException(common.spec.commandLine(), "--to-offset must be 0 or more, not "
                        + to.offset);
            }
            PrintStream out = common.root().out;
            try (GroupAccess groups = target.open(common)) {
                GroupAccess.Group current = null;
                try {
                    current = groups.describe(group);
                } catch (GroupAccess.UnknownGroupException e) {
                    // a new group: it gets its first offsets
                }
                if (current != null && !current.members().isEmpty()) {
                    throw new IllegalStateException("Group '" + group + "' " + groups.where() + " has "
                            + current.members().size() + " member(s) (" + current.state() + "): offsets can be reset "
                            + "only while no consumer is in the group; stop them first");
                }
                Map<TopicPartition, Long> plan = new TreeMap<>(GroupAccess.ORDER);
                groups.ranges(topic).forEach((p, range) -> plan.put(new TopicPartition(topic, p), target(range)));
                out.printf("%-24s %9s %16s %16s%n", "TOPIC", "PARTITION", "COMMITTED-OFFSET", "NEW-OFFSET");
                for (Map.Entry<TopicPartition, Long> entry : plan.entrySet()) {
                    Long before = current == null ? null : current.committed().get(entry.getKey());
                    out.printf("%-24s %9d %16s %16d%n", topic, entry.getKey().partition(), before == null ? "-" : before,
                            entry.getValue());
                }
                if (!execute) {
                    common.root().err.println("spool: nothing changed (a dry run); add --execute to commit these offsets");
                    return SpoolCommand.EXIT_OK;
                }
                groups.commit(group, plan);
                common.root().err.println("spool: committed " + plan.size() + " offset(s) of group " + group + " "
                        + groups.where());
            }
            return SpoolCommand.EXIT_OK;
        }

        private long target(GroupAccess.Range range) {
            if (to.earliest) {
                return range.logStartOffset();
            }
            if (to.latest) {
                return range.logEndOffset();
            }
            return Math.max(range.logStartOffset(), Math.min(range.logEndOffset(), to.offset));
        }
    }

    @Command(name = "delete", description = "Delete a group and its committed offsets (it must have no members).")
    static final class Delete implements Callable<Integer> {
        @Mixin
        CommonOptions common;
        @Mixin
        Target target;
        @Parameters(paramLabel = "GROUP")
        String group;

        @Override
        public Integer call() throws Exception {
            try (GroupAccess groups = target.open(common)) {
                groups.delete(group);
                common.root().out.println("deleted group " + group + " " + groups.where());
            }
            return SpoolCommand.EXIT_OK;
        }
    }
}
