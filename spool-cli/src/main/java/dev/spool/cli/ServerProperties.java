package dev.spool.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * {@code spool serve}'s settings from a properties file ({@code --config FILE}) and the environment,
 * under Kafka's key names where Kafka has the setting ({@code listeners}, {@code log.dirs},
 * {@code num.partitions} …), so a broker's {@code server.properties} lines carry over.
 *
 * <p>Precedence, highest first: the command line, the environment ({@code SPOOL_} and the key in
 * capitals with dots as underscores: {@code SPOOL_NUM_PARTITIONS=3}), the file, the built-in
 * default. Each key sets one serve option ({@link #KEYS}); an unknown key in the file is an
 * error naming the closest known one, so a typo never passes silently. An unknown {@code SPOOL_}
 * variable is ignored (the environment holds many things).
 */
final class ServerProperties {
    /** The variables of the environment that set a key: this prefix, then the key in capitals, dots as underscores. */
    static final String ENV_PREFIX = "SPOOL_";

    /** One setting: its Kafka-style key, the option it sets, and how a value becomes the option's value. */
    record Key(String name, String option, UnaryOperator<String> toOption, String note) {
        String envName() {
            return ENV_PREFIX + name.toUpperCase(Locale.ROOT).replace('.', '_');
        }
    }

    /** Every key, in the order the configuration reference lists them. */
    static final List<Key> KEYS = List.of(
            key("listeners", "--listeners", "PROTOCOL://host:port, comma-separated"),
            key("advertised.listeners", "--advertised-listeners", "PROTOCOL://host:port, comma-separated"),
            new Key("log.dirs", "--data-dir", ServerProperties::oneDirectory, "one directory (Kafka allows a list)"),
            key("num.partitions", "--partitions", ""),
            new Key("auto.create.topics.enable", "--no-auto-create-topics", ServerProperties::inverted,
                    "true or false"),
            new Key("log.retention.hours", "--retention-ms", value -> times(value, 3_600_000L), "hours"),
            new Key("log.retention.minutes", "--retention-ms", value -> times(value, 60_000L), "minutes"),
            key("log.retention.ms", "--retention-ms", ""),
            key("log.retention.bytes", "--retention-bytes", ""),
            key("log.segment.bytes", "--segment-bytes", ""),
            key("message.max.bytes", "--message-max-bytes", ""),
            key("socket.request.max.bytes", "--request-bytes-max", ""),
            key("max.connections", "--connections-max", ""),
            key("max.connections.per.ip", "--max-connections-per-ip", ""),
            key("connections.max.idle.ms", "--connections-max-idle-ms", ""),
            key("fetch.max.bytes", "--fetch-max-bytes", ""),
            key("max.partitions", "--max-partitions", ""),
            key("queued.max.request.bytes", "--queued-max-request-bytes", ""),
            key("ssl.keystore.location", "--ssl-keystore", "a file"),
            key("ssl.truststore.location", "--ssl-truststore", "a file"),
            key("ssl.client.auth", "--ssl-client-auth", "none, requested or required"),
            key("sasl.enabled.mechanisms", "--sasl-mechanisms", "PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, comma-separated"),
            key("super.users", "--super-users", "User:NAME;User:OTHER"),
            key("metrics.listen", "--metrics-listen", "host:port of the Prometheus endpoint"));

    /** Options that stand for a key's option on the command line: given, the key is not applied. */
    private static final Map<String, List<String>> ALTERNATIVES = Map.of("--listeners", List.of("--listen"),
            "--advertised-listeners", List.of("--advertise"));

    private ServerProperties() {
    }

    private static Key key(String name, String option, String note) {
        return new Key(name, option, UnaryOperator.identity(), note);
    }

    /**
     * Sets every option of {@code spec} that the command line left alone from the environment or,
     * failing that, the file (when {@code file} is present).
     *
     * @throws ParameterException naming the file, key and value for an unreadable file, an unknown
     *                            key or a value the option does not take
     */
    static void apply(CommandSpec spec, Optional<Path> file, Map<String, String> env) {
        Map<String, String> fromFile = file.map(path -> read(spec, path)).orElse(Map.of());
        for (Key key : KEYS) {
            OptionSpec option = spec.findOption(key.option());
            if (option == null) {
                throw new IllegalStateException("configuration key " + key.name() + " names no option " + key.option());
            }
            if (givenOnCommandLine(spec, key.option())
                    || ALTERNATIVES.getOrDefault(key.option(), List.of()).stream().anyMatch(o -> givenOnCommandLine(spec, o))) {
                continue;
            }
            String source;
            String value;
            if (env.containsKey(key.envName())) {
                source = "environment variable " + key.envName();
                value = env.get(key.envName());
            } else if (fromFile.containsKey(key.name())) {
                source = file.orElseThrow() + ": " + key.name();
                value = fromFile.get(key.name());
            } else {
                continue;
            }
            set(spec, option, key, source, value.trim());
        }
    }

    /** Whether the user wrote {@code option} at any level of the command line ({@code spool --data-dir D serve}). */
    private static boolean givenOnCommandLine(CommandSpec spec, String option) {
        for (ParseResult level = spec.root().commandLine().getParseResult(); level != null; level = level.subcommand()) {
            if (level.hasMatchedOption(option)) {
                return true;
            }
        }
        return false;
    }

    private static void set(CommandSpec spec, OptionSpec option, Key key, String source, String value) {
        String converted;
        try {
            converted = key.toOption().apply(value);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), source + "=" + value + ": " + e.getMessage());
        }
        Class<?> type = option.type();
        try {
            if (type == int.class || type == Integer.class) {
                option.setValue(Integer.parseInt(converted));
            } else if (type == long.class || type == Long.class) {
                option.setValue(Long.parseLong(converted));
            } else if (type == boolean.class || type == Boolean.class) {
                option.setValue(parseBoolean(converted));
            } else if (List.class.isAssignableFrom(type)) {
                String[] parts = option.splitRegex().isEmpty() ? new String[] {converted}
                        : converted.split(option.splitRegex());
                option.setValue(new ArrayList<>(List.of(parts)));
            } else if (type == Path.class) {
                option.setValue(Path.of(converted));
            } else {
                option.setValue(converted);
            }
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), source + "=" + value + ": expected "
                    + (type == boolean.class ? "true or false" : "a number" + (key.note().isEmpty() ? "" : " (" + key.note() + ")"))
                    + " for " + key.option());
        }
    }

    private static boolean parseBoolean(String value) {
        if (value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(value);
        }
        throw new IllegalArgumentException("expected true or false");
    }

    private static String inverted(String value) {
        return String.valueOf(!parseBoolean(value));
    }

    private static String times(String value, long factor) {
        long number = Long.parseLong(value);
        return String.valueOf(number < 0 ? -1 : Math.multiplyExact(number, factor));
    }

    private static String oneDirectory(String value) {
        if (value.contains(",")) {
            throw new IllegalArgumentException("Spool keeps its data in one directory; name one");
        }
        return value;
    }

    private static Map<String, String> read(CommandSpec spec, Path path) {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (NoSuchFileException e) {
            throw new ParameterException(spec.commandLine(), "--config " + path + ": no such file");
        } catch (IOException | IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--config " + path + ": cannot be read: " + e.getMessage());
        }
        Map<String, String> values = new LinkedHashMap<>();
        List<String> unknown = new ArrayList<>();
        for (String name : new TreeSet<>(properties.stringPropertyNames())) {
            if (KEYS.stream().anyMatch(key -> key.name().equals(name))) {
                values.put(name, properties.getProperty(name));
            } else {
                unknown.add(name);
            }
        }
        if (!unknown.isEmpty()) {
            String first = unknown.get(0);
            throw new ParameterException(spec.commandLine(), "--config " + path + ": unknown key" + (unknown.size() > 1 ? "s " : " ")
                    + String.join(", ", unknown) + closest(first).map(k -> " (did you mean " + k + "?)").orElse("")
                    + "; the keys Spool takes are listed in docs/configuration.md");
        }
        return Collections.unmodifiableMap(values);
    }

    /** The known key nearest {@code name} by edit distance, if it is near enough to be a typo. */
    static Optional<String> closest(String name) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (Key key : KEYS) {
            int distance = distance(name, key.name());
            if (distance < bestDistance) {
                best = key.name();
                bestDistance = distance;
            }
        }
        return bestDistance <= Math.max(2, name.length() / 4) ? Optional.ofNullable(best) : Optional.empty();
    }

    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
