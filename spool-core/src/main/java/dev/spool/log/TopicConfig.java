package dev.spool.log;

import dev.spool.log.record.CompressionType;
import java.util.Objects;

/**
 * A topic's own settings, kept with its partitions ({@link TopicConfigFile}) and applied to every
 * partition's log: the default durability of its appends, the codec producers should compress
 * with, and whether its logs keep a hash chain.
 *
 * @param durability  the durability of appends that do not choose one ({@link Log#append(java.nio.ByteBuffer)})
 * @param compression the codec producers of this topic use by default (the log stores whatever
 *                    batches it is given; the CLI and the server compress with this)
 * @param hashChain   keep a tamper-evident hash chain over the topic's batches
 */
public record TopicConfig(Durability durability, CompressionType compression, boolean hashChain) {

    public TopicConfig {
        Objects.requireNonNull(durability, "durability");
        Objects.requireNonNull(compression, "compression");
    }

    /** The settings a topic gets when it is created without any: the log manager's defaults. */
    public static TopicConfig defaults(LogConfig logConfig) {
        return new TopicConfig(logConfig.write().durability(), CompressionType.NONE, logConfig.hashChain());
    }

    public TopicConfig withDurability(Durability value) {
        return new TopicConfig(value, compression, hashChain);
    }

    public TopicConfig withCompression(CompressionType value) {
        return new TopicConfig(durability, value, hashChain);
    }

    public TopicConfig withHashChain(boolean value) {
        return new TopicConfig(durability, compression, value);
    }

    /** {@code base} with this topic's durability and hash chain. */
    LogConfig applyTo(LogConfig base) {
        return base.withDurability(durability).withHashChain(hashChain);
    }
}
