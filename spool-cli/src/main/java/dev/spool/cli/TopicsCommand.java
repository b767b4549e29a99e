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
import picocli.CommandLine.Parameters;

/** {@code spool topics create|list|describe|delete}. */
@Command(name = "topics", description = "Create, list, describe, checksum and delete topics.",
        subcommands = {TopicsCommand.Create.class, TopicsCommand.ListTopics.class, TopicsCommand.Describe.class,
                TopicChecksumCommand.class, TopicsCommand.Delete.class})
final class TopicsCommand implements Runnable {
    /** So the global options may also come between {@code topics} and its sub-command. */
    @Mixin
    CommonOptions common;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                "Missing sub-command: create, list, describe, checksum or delete");
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
        @Option(names = "--config", paramLabel = "KEY=VALUE", description = "A Kafka topic override (repeatable): "
                + "retention.ms, retention.bytes, segment.bytes, segment.ms, segment.index.bytes, max.message.bytes, "
                + "message.timestamp.type, message.timestamp.before.max.ms, message.timestamp.after.max.ms.")
        java.util.List<String> configs = new java.util.ArrayList<>();

        @Override
        public Integer call() throws Exception {
            TopicName.validate(name);
            TopicConfig settings = new TopicConfig(Settings.durability(common, durability),
                    Settings.compression(common, compression), hashChain);
            for (String config : configs) {
                settings = Settings.withOverride(common, settings, config);
            }
            try (LogManager manager = common.openManager(true)) {
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

    @Command(name = "describe", description = "Show a topic's partitions: offsets, size and segments.")
    static final class Describe implements Callable<Integer> {
        @Mixin
        CommonOptions common;
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() throws Exception {
            TopicName.validate(name);
            TopicDescription description;
            try (LogManager manager = common.openManager(false)) {
                description = manager.describeTopic(name)
                        .orElseThrow(() -> new UnknownTopicException("Unknown topic '" + name + "'"));
            }
            PrintStream out = common.root().out;
            out.printf("topic %s: %d partition(s), %d record(s), %d bytes; %s%n", name,
                    description.partitions().size(), description.recordCount(), description.sizeBytes(),
                    Settings.describe(description.config()));
            out.printf("%-10s %15s %15s %15s %9s%n", "PARTITION", "START-OFFSET", "END-OFFSET", "SIZE-BYTES",
                    "SEGMENTS");
            for (TopicDescription.PartitionDescription p : description.partitions()) {
                out.printf("%-10d %15d %15d %15d %9d%n", p.partition(), p.logStartOffset(), p.logEndOffset(),
                        p.sizeBytes(), p.segmentCount());
            }
            return SpoolCommand.EXIT_OK;
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
