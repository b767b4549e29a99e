package dev.spool.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * How the command logs (to stderr): the level, per-logger levels, the format, or a file of them.
 * Global: written before or after the command. What the command line leaves unset comes from
 * {@code SPOOL_LOG_LEVEL}, {@code SPOOL_LOG_FORMAT} and {@code SPOOL_LOG_CONFIG}; {@link LogSetup}
 * applies the result before the command runs.
 */
final class LogOptions {
    @Option(names = "--log-level", paramLabel = "LEVEL", scope = ScopeType.INHERIT,
            description = "Log level: error, warn (the default), info (as --verbose), debug or trace.")
    String level;

    @Option(names = "--log-level-for", paramLabel = "LOGGER=LEVEL", scope = ScopeType.INHERIT,
            description = "The level of one logger and those below it, e.g. dev.spool.kafka=debug (repeatable).")
    List<String> loggerLevels = new ArrayList<>();

    @Option(names = "--log-format", paramLabel = "text|json", scope = ScopeType.INHERIT,
            description = "text (the default: time, level, thread, logger, message) or json (one object per line).")
    String format;

    @Option(names = "--log-config", paramLabel = "FILE", scope = ScopeType.INHERIT,
            description = "A properties file: level=LEVEL, format=text|json, logger.NAME=LEVEL; the options above win.")
    Path configFile;
}
