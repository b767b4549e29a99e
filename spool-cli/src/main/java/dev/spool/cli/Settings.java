package dev.spool.cli;

import dev.spool.log.Durability;
import dev.spool.log.TopicConfig;
import dev.spool.log.TopicSetting;
import dev.spool.log.record.CompressionType;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
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

    /** The Kafka topic settings' names, for error messages. */
    static final String TOPIC_SETTINGS = Arrays.stream(TopicSetting.values()).map(TopicSetting::key)
            .collect(Collectors.joining(", "));

    /** {@code config} with the override {@code keyValue} ({@code --config retention.ms=3600000}). */
    static TopicConfig withOverride(CommonOptions common, TopicConfig config, String keyValue) {
        int equals = keyValue.indexOf('=');
        String key = equals < 0 ? keyValue : keyValue.substring(0, equals).strip();
        java.util.Optional<TopicSetting> setting = TopicSetting.forKey(key);
        if (equals < 0 || setting.isEmpty()) {
            throw new ParameterException(common.spec.commandLine(), "--config takes KEY=VALUE with KEY one of "
                    + TOPIC_SETTINGS + "; not '" + keyValue + "'");
        }
        try {
            return config.withOverride(setting.get(), setting.get().parse(keyValue.substring(equals + 1)));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(common.spec.commandLine(), "--config " + e.getMessage());
        }
    }

    /** The setting named {@code key}; a usage error of {@code option} if there is none. */
    static TopicSetting setting(CommonOptions common, String option, String key) {
        return TopicSetting.forKey(key.strip()).orElseThrow(() -> new ParameterException(common.spec.commandLine(),
                option + " takes one of " + TOPIC_SETTINGS + "; not '" + key + "'"));
    }

    static String describe(TopicConfig config) {
        StringBuilder text = new StringBuilder("durability " + config.durability().name().toLowerCase(Locale.ROOT)
                + ", compression " + config.compression().name().toLowerCase(Locale.ROOT) + ", hash chain "
                + (config.hashChain() ? "on" : "off"));
        config.overrides().forEach((setting, value) ->
                text.append(", ").append(setting.key()).append('=').append(setting.format(value)));
        return text.toString();
    }
}
