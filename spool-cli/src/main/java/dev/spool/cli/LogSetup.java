package dev.spool.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.slf4j.LoggerFactory;

/**
 * Logback, configured in code rather than from an XML file (no parser on every start): a console
 * appender on stderr, text with an ISO-8601 time, level, thread and logger, or logback's own JSON
 * lines. Loaded by logback itself at the first logger ({@link #configure}, the defaults), then set
 * from the command's {@link LogOptions} before it runs ({@link #apply}).
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_TOP_PRIORITY)
public final class LogSetup extends ContextAwareBase implements Configurator {
    static final String TEXT_PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread] %logger{36} - %msg%n";
    /** Loggers quiet unless asked: a client command against a server that is down warns per connection attempt. */
    private static final Map<String, Level> QUIET = Map.of("org.apache.kafka.clients.NetworkClient", Level.ERROR);

    /** The settings after the command line, the environment and the file are taken together. */
    record Settings(Level level, boolean json, Map<String, Level> loggers) {
        static final Settings DEFAULTS = new Settings(Level.WARN, false, Map.of());
    }

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        configure(context, Settings.DEFAULTS, false);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /**
     * The settings {@code options} ask for, below them the environment's {@code SPOOL_LOG_*}, then
     * the {@code --log-config} file.
     *
     * @throws IllegalArgumentException naming the option, variable or file line with a bad value
     */
    static Settings settings(LogOptions options, boolean verbose, Map<String, String> env) throws IOException {
        Map<String, String> file = new LinkedHashMap<>();
        Optional<Path> configFile = Optional.ofNullable(options.configFile)
                .or(() -> Optional.ofNullable(env.get("SPOOL_LOG_CONFIG")).map(Path::of));
        if (configFile.isPresent()) {
            Properties properties = new Properties();
            try (Reader reader = Files.newBufferedReader(configFile.get(), StandardCharsets.UTF_8)) {
                properties.load(reader);
            }
            properties.stringPropertyNames().forEach(name -> file.put(name, properties.getProperty(name).trim()));
        }
        String source = configFile.map(path -> path + ": ").orElse("");
        Level level = verbose ? Level.INFO : Level.WARN;
        if (options.level != null) {
            level = level("--log-level", options.level);
        } else if (env.containsKey("SPOOL_LOG_LEVEL")) {
            level = level("SPOOL_LOG_LEVEL", env.get("SPOOL_LOG_LEVEL"));
        } else if (file.containsKey("level")) {
            level = level(source + "level", file.get("level"));
        }
        String format = options.format != null ? options.format
                : env.getOrDefault("SPOOL_LOG_FORMAT", file.getOrDefault("format", "text"));
        if (!format.equals("text") && !format.equals("json")) {
            throw new IllegalArgumentException("log format '" + format + "' is not text or json");
        }
        Map<String, Level> loggers = new LinkedHashMap<>();
        for (Map.Entry<String, String> entry : file.entrySet()) {
            if (entry.getKey().startsWith("logger.")) {
                loggers.put(entry.getKey().substring("logger.".length()), level(source + entry.getKey(), entry.getValue()));
            } else if (!entry.getKey().equals("level") && !entry.getKey().equals("format")) {
                throw new IllegalArgumentException(source + "unknown key '" + entry.getKey()
                        + "' (expected level, format or logger.NAME)");
            }
        }
        for (String pair : options.loggerLevels) {
            int equals = pair.indexOf('=');
            if (equals <= 0) {
                throw new IllegalArgumentException("--log-level-for '" + pair + "' is not LOGGER=LEVEL");
            }
            loggers.put(pair.substring(0, equals), level("--log-level-for " + pair, pair.substring(equals + 1)));
        }
        return new Settings(level, format.equals("json"), loggers);
    }

    private static Level level(String where, String text) {
        Level level = Level.toLevel(text.toUpperCase(Locale.ROOT), null);
        if (level == null || level == Level.ALL) {
            throw new IllegalArgumentException(where + ": '" + text + "' is not a log level (error, warn, info, debug, trace, off)");
        }
        return level;
    }

    /** The settings last applied: the defaults until a command asks for others. */
    private static volatile Settings applied = Settings.DEFAULTS;

    /**
     * Applies {@code settings} to the running logback, replacing what was there; nothing to do when
     * they are the ones in force (most commands: the defaults, set when logback started).
     */
    static void apply(Settings settings, boolean verbose) {
        if (settings.equals(applied) && !verbose) {
            return;
        }
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            configure(context, settings, verbose);
            applied = verbose ? null : settings;
        }
    }

    private static void configure(LoggerContext context, Settings settings, boolean verbose) {
        context.reset();
        Encoder<ILoggingEvent> encoder;
        if (settings.json()) {
            JsonEncoder json = new JsonEncoder();
            json.setWithSequenceNumber(false);
            json.setWithNanoseconds(false);
            encoder = json;
        } else {
            PatternLayoutEncoder text = new PatternLayoutEncoder();
            text.setPattern(TEXT_PATTERN);
            encoder = text;
        }
        encoder.setContext(context);
        encoder.start();
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(context);
        console.setName("stderr");
        console.setTarget("System.err");
        console.setEncoder(encoder);
        console.start();
        ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(settings.level());
        root.addAppender(console);
        if (!verbose && settings.level().isGreaterOrEqual(Level.INFO)) {
            QUIET.forEach((name, level) -> context.getLogger(name).setLevel(level));
        }
        settings.loggers().forEach((name, level) -> context.getLogger(name).setLevel(level));
    }
}
