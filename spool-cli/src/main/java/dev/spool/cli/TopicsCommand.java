package dev.spool.cli;

import dev.spool.log.LogManager;
import dev.spool.log.TopicConfig;
import dev.spool.log.TopicDescription;
import dev.spool.log.TopicName;
import dev.spool.log.UnknownTopicException;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/** {@code spool topics create|list|describe|alter|checksum|delete}. */
@Command(name = "topics", description = "Create, list, describe, alter, checksum and delete topics.",
        subcommands = {TopicsCommand.Create.class, TopicsCommand.ListTopics.class, TopicsCommand.Describe.class,
                TopicsCommand.Alter.class, TopicChecksumCommand.class, TopicsCommand.Delete.class})
final class TopicsCommand implements Runnable {
    /** So the global options may also come between {@code topics} and its sub-command. */
    @Mixin
    CommonOptions common;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                "Missing sub-command: create, list, describe, alter, checksum or delete");
    }

    @Command(name = "create", description = "Create a topic.")
    static final class Create implements Callable<Integer> {
        @Mixin
        CommonOptions common;
        @Parameters(paramLabel = "NAME", description = "Topic name: letters, digits, '.', '_', '-'; at most 249.")
        String name;
        @Option(names = "--partitions", paramLabel = "N", defaultValue = "1", description = "Partitions (default 1).")
        int partitions;
        @Option(names = "--durability", paramLabel = "none|strict", defaultValue = "none",
                description = "Default durability of the topic's appends (default none).")
        String durability;
        @Option(names = "--compression", paramLabel = "CODEC", defaultValue = "none",
                description = "Codec producers use: none, gzip, snappy, lz4, zstd (default none).")
        String compression;
        @Option(names = "--hash-chain", description = "Keep a tamper-evident hash chain over the topic's batches.")
        boolean hashChain;
        @Option(names = "--config", paramLabel = "KEY=VALUE", description = "A Kafka topic setting (repeatable), "
                + "e.g. retention.ms=86400000; 'spool topics describe' lists them all.")
        java.util.List<String> configs = new java.util.ArrayList<>();
        @Option(names = "--if-not-exists", description = "A topic of that name already there is left as it is, "
                + "and that is no error.")
        boolean ifNotExists;

        @Override
        public Integer call() throws Exception {
            TopicName.validate(name);
            atLeastOnePartition(common, partitions);
            TopicConfig settings = new TopicConfig(Settings.durability(common, durability),
                    Settings.compression(common, compression), hashChain);
            for (String config : configs) {
                settings = Settings.withOverride(common, settings, config);
            }
            try (LogManager manager = common.openManager(true)) {
                if (ifNotExists && manager.topicExists(name)) {
                    common.root().out.println("topic " + name + " exists (" + manager.partitionCount(name)
                            + " partition(s)); left as it is");
                    return SpoolCommand.EXIT_OK;
                }
                manager.createTopic(name, partitions, settings);
            }
            common.root().out.println("created topic " + name + " with " + partitions + " partition(s), "
                    + Settings.describe(settings));
            return SpoolCommand.EXIT_OK;
        }
    }

    @Command(name = "list", description = "List topics, one name per line.")
    static final class ListTopics implements Callable<Integer> {
        @Mixin
        CommonOptions common;

        @Override
        public Integer call() throws Exception {
            try (LogManager manager = common.openManager(false)) {
                for (String topic : manager.topics()) {
                    common.root().out.println(topic);
                }
            }
            return SpoolCommand.EXIT_OK;
        }
    }

    @Command(name = "describe", description = "Show topics: settings (those set on the topic marked), and per "
            + "partition the offsets, size and segments.")
    static final class Describe implements Callable<Integer> {
        @Mixin
        CommonOptions common;
        @Parameters(paramLabel = "NAME", arity = "0..1", description = "The topic (default: every topic).")
        String name;

        @Override
        public Integer call() throws Exception {
            if (name != null) {
                TopicName.validate(name);
            }
            try (LogManager manager = common.openManager(false)) {
                java.util.List<String> names = name == null ? java.util.List.copyOf(manager.topics())
                        : java.util.List.of(name);
                for (int i = 0; i < names.size(); i++) {
                    String topic = names.get(i);
                    TopicDescription description = manager.describeTopic(topic)
                            .orElseThrow(() -> new UnknownTopicException("Unknown topic '" + topic + "'"));
                    if (i > 0) {
                        common.root().out.println();
                    }
                    TopicReport.print(common.root().out, description, manager.defaultLogConfig());
                }
            }
            return SpoolCommand.EXIT_OK;
        }
    }

    @Command(name = "alter", description = "Change a topic's Kafka settings, or add partitions.")
    static final class Alter implements Callable<Integer> {
        @Mixin
        CommonOptions common;
        @Parameters(paramLabel = "NAME")
        String name;
        @Option(names = "--config", paramLabel = "KEY=VALUE", description = "Set a Kafka topic setting (repeatable), "
                + "e.g. retention.ms=86400000; 'spool topics describe' lists them all.")
        java.util.List<String> configs = new java.util.ArrayList<>();
        @Option(names = "--delete-config", paramLabel = "KEY",
                description = "Return a setting to the default (repeatable).")
        java.util.List<String> deletes = new java.util.ArrayList<>();
        @Option(names = "--partitions", paramLabel = "N",
                description = "Grow the topic to N partitions; the existing ones keep their records.")
        Integer partitions;

        @Override
        public Integer call() throws Exception {
            TopicName.validate(name);
            if (configs.isEmpty() && deletes.isEmpty() && partitions == null) {
                throw new ParameterException(common.spec.commandLine(),
                        "Nothing to alter: give --config, --delete-config or --partitions");
            }
            if (partitions != null) {
                atLeastOnePartition(common, partitions);
            }
            PrintStream out = common.root().out;
            try (LogManager manager = common.openManager(false)) {
                TopicConfig before = manager.topicConfig(name); // throws for an unknown topic
                TopicConfig settings = before;
                for (String config : configs) {
                    settings = Settings.withOverride(common, settings, config);
                }
                for (String key : deletes) {
                    settings = settings.withoutOverride(Settings.setting(common, "--delete-config", key));
                }
                int current = manager.partitionCount(name);
                if (partitions != null && partitions <= current) { // refused before anything changes
                    throw new IllegalArgumentException("Topic '" + name + "' has " + current + " partition(s): the new "
                            + "count must be above that (partitions are never removed), not " + partitions);
                }
                if (!settings.equals(before)) {
                    manager.alterTopicConfig(name, settings);
                    out.println("altered topic " + name + ": " + Settings.describe(settings));
                } else if (!configs.isEmpty() || !deletes.isEmpty()) {
                    out.println("topic " + name + " already had these settings: " + Settings.describe(settings));
                }
                if (partitions != null) {
                    manager.addPartitions(name, partitions);
                    out.println("topic " + name + " has " + partitions + " partition(s) now");
                }
            }
            return SpoolCommand.EXIT_OK;
        }
    }

    static void atLeastOnePartition(CommonOptions common, int partitions) {
        if (partitions < 1) {
            throw new ParameterException(common.spec.commandLine(), "--partitions must be at least 1, not " + partitions);
        }
    }

    @Command(name = "delete", description = "Delete a topic and all its data.")
    static final class Delete implements Callable<Integer> {
        @Mixin
        CommonOptions common;
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() throws Exception {
            TopicName.validate(name);
            try (LogManager manager = common.openManager(false)) {
                manager.deleteTopic(name);
            }
            common.root().out.println("deleted topic " + name);
            return SpoolCommand.EXIT_OK;
        }
    }
}
