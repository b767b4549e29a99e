package dev.spool.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** Logs with time and thread, as text or JSON lines, at levels set globally, per logger, by flag, variable or file. */
class LogSetupTest {
    @TempDir
    Path tmp;

    @AfterEach
    void restoreDefaults() {
        LogSetup.apply(LogSetup.Settings.DEFAULTS, false);
    }

    private static LogOptions options(String level, String format, Path file, String... loggers) {
        LogOptions options = new LogOptions();
        options.level = level;
        options.format = format;
        options.configFile = file;
        options.loggerLevels = List.of(loggers);
        return options;
    }

    @Test
    void theCommandLineWinsOverTheEnvironmentWhichWinsOverTheFile() throws Exception {
        Path file = tmp.resolve("log.properties");
        Files.writeString(file, "level=debug\nformat=json\nlogger.dev.spool.kafka=trace\nlogger.org.apache=error\n");
        LogSetup.Settings fromFile = LogSetup.settings(options(null, null, file), false, Map.of());
        assertThat(fromFile.level()).isEqualTo(Level.DEBUG);
        assertThat(fromFile.json()).isTrue();
        assertThat(fromFile.loggers()).containsEntry("dev.spool.kafka", Level.TRACE).containsEntry("org.apache", Level.ERROR);

        LogSetup.Settings fromEnv = LogSetup.settings(options(null, null, file), false,
                Map.of("SPOOL_LOG_LEVEL", "info", "SPOOL_LOG_FORMAT", "text"));
        assertThat(fromEnv.level()).isEqualTo(Level.INFO);
        assertThat(fromEnv.json()).isFalse();

        LogSetup.Settings fromFlags = LogSetup.settings(options("error", "json", file, "dev.spool.kafka=warn"), false,
                Map.of("SPOOL_LOG_LEVEL", "info"));
        assertThat(fromFlags.level()).isEqualTo(Level.ERROR);
        assertThat(fromFlags.loggers()).containsEntry("dev.spool.kafka", Level.WARN);

        assertThat(LogSetup.settings(options(null, null, null), true, Map.of()).level())
                .as("--verbose").isEqualTo(Level.INFO);
        assertThat(LogSetup.settings(options(null, null, null), false, Map.of()).level()).isEqualTo(Level.WARN);
    }

    @Test
    void badLevelsFormatsAndKeysNameWhereTheyCameFrom() throws Exception {
        assertThatThrownBy(() -> LogSetup.settings(options("loud", null, null), false, Map.of()))
                .hasMessageContaining("--log-level: 'loud' is not a log level");
        assertThatThrownBy(() -> LogSetup.settings(options(null, "xml", null), false, Map.of()))
                .hasMessageContaining("'xml' is not text or json");
        assertThatThrownBy(() -> LogSetup.settings(options(null, null, null, "dev.spool"), false, Map.of()))
                .hasMessageContaining("is not LOGGER=LEVEL");
        Path file = tmp.resolve("bad.properties");
        Files.writeString(file, "levle=info\n");
        assertThatThrownBy(() -> LogSetup.settings(options(null, null, file), false, Map.of()))
                .hasMessageContaining(file + ": unknown key 'levle'");
        assertThatThrownBy(() -> LogSetup.settings(options(null, null, null), false, Map.of("SPOOL_LOG_LEVEL", "x")))
                .hasMessageContaining("SPOOL_LOG_LEVEL");
    }

    @Test
    void textLinesCarryTimeLevelThreadAndLoggerAndJsonLinesAreObjects() {
        String text = captureStderr(() -> {
            LogSetup.apply(new LogSetup.Settings(Level.INFO, false, Map.of("quiet.one", Level.ERROR)), false);
            LoggerFactory.getLogger("dev.spool.example").info("hello {}", "there");
            LoggerFactory.getLogger("quiet.one").warn("not shown");
            LoggerFactory.getLogger("dev.spool.example").debug("not shown either");
        });
        assertThat(text.lines().toList()).singleElement().asString()
                .matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}(Z|[+-]\\d{2}:\\d{2}) INFO  \\[[^]]+] "
                        + "dev\\.spool\\.example - hello there");

        String json = captureStderr(() -> {
            LogSetup.apply(new LogSetup.Settings(Level.WARN, true, Map.of()), false);
            LoggerFactory.getLogger("dev.spool.example").warn("disk \"full\"");
        });
        assertThat(json.lines().toList()).singleElement().asString()
                .startsWith("{").endsWith("}")
                .contains("\"level\":\"WARN\"", "\"loggerName\":\"dev.spool.example\"", "\"threadName\":\"",
                        "\"message\":\"disk \\\"full\\\"\"", "\"timestamp\":");
    }

    @Test
    void globalLogOptionsWorkBeforeAndAfterTheCommand() {
        for (String[] args : List.of(new String[] {"--log-level", "nonsense", "topics", "list"},
                new String[] {"topics", "list", "--log-level", "nonsense"})) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code = SpoolCommand.execute(concat(args, "--data-dir", tmp.toString()), new ByteArrayInputStream(new byte[0]),
                    new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));
            assertThat(code).isEqualTo(SpoolCommand.EXIT_USAGE);
            assertThat(err.toString(StandardCharsets.UTF_8)).contains("'nonsense' is not a log level");
        }
        String json = captureStderr(() -> assertThat(SpoolCommand.execute(new String[] {"--log-format", "json",
            "--log-level-for", "dev.spool=debug", "topics", "list", "--data-dir", tmp.toString()},
                new ByteArrayInputStream(new byte[0]), new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(new ByteArrayOutputStream()))).isZero());
        assertThat(json.lines().toList()).isNotEmpty().allSatisfy(line -> assertThat(line).startsWith("{\"").endsWith("}"));
    }

    private static String[] concat(String[] first, String... more) {
        String[] all = java.util.Arrays.copyOf(first, first.length + more.length);
        System.arraycopy(more, 0, all, first.length, more.length);
        return all;
    }

    /** What a run writes to System.err (where the console appender writes; it takes System.err when configured). */
    private static String captureStderr(Runnable run) {
        PrintStream saved = System.err;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setErr(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            run.run();
        } finally {
            System.setErr(saved);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
