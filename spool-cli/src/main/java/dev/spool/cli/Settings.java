package dev.spool.cli;

import dev.spool.log.Durability;
import dev.spool.log.TopicConfig;
import dev.spool.log.record.CompressionType;
import java.util.Locale;
import picocli.CommandLine.ParameterException;

/** Parsing and printing of the settings flags the commands share ({@code --durability}, {@code --compression}). */
final class Settings {
    private Settings() {
    }

    static Durability durability(CommonOptions common, String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "none" -> Durability.NONE;
            case "strict" -> Durability.STRICT;
            default -> throw new ParameterException(common.spec.commandLine(),
                    "--durability must be none or strict, not '" + value + "'");
        };
    }

    static CompressionType compression(CommonOptions common, String value) {
        try {
            return CompressionType.valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(common.spec.commandLine(),
                    "--compression must be none, gzip, snappy, lz4 or zstd, not '" + value + "'");
        }
    }

    static String describe(TopicConfig config) {
        return "durability " + config.durability().name().toLowerCase(Locale.ROOT) + ", compression "
                + config.compression().name().toLowerCase(Locale.ROOT) + ", hash chain "
                + (config.hashChain() ? "on" : "off");
    }
}
