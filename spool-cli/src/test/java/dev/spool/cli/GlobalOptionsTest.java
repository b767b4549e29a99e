package dev.spool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --data-dir} and {@code --verbose} work before the command, between its levels and after it. */
class GlobalOptionsTest {
    @TempDir
    Path tmp;

    @Test
    void dataDirBeforeBetweenOrAfterTheCommandNamesTheSameDirectory() {
        String data = tmp.resolve("data").toString();
        assertThat(Cli.exact("--data-dir", data, "topics", "create", "a").code()).isZero();
        assertThat(Cli.exact("topics", "--data-dir", data, "create", "b").code()).isZero();
        assertThat(Cli.exact("topics", "create", "c", "--data-dir", data).code()).isZero();
        assertThat(Cli.exact("--data-dir=" + data, "topics", "list").out()).isEqualTo("a\nb\nc\n");
        assertThat(Cli.exact("topics", "list", "--data-dir", data).out()).isEqualTo("a\nb\nc\n");
        assertThat(Cli.exact("v\n".getBytes(), "--data-dir", data, "produce", "a").code()).isZero();
        assertThat(Cli.exact("--data-dir", data, "consume", "a").out()).isEqualTo("v\n");
    }

    @Test
    void theDataDirNearestTheCommandWins() {
        String first = tmp.resolve("first").toString();
        String second = tmp.resolve("second").toString();
        assertThat(Cli.exact("--data-dir", first, "topics", "create", "x", "--data-dir", second).code()).isZero();
        assertThat(Cli.exact("topics", "list", "--data-dir", second).out()).isEqualTo("x\n");
        assertThat(Cli.exact("topics", "list", "--data-dir", first).err()).startsWith("spool: no data directory");
    }

    @Test
    void verboseBeforeOrAfterTheCommandPrintsTheStackTrace() {
        String missing = tmp.resolve("missing").toString();
        Cli.Run quiet = Cli.exact("--data-dir", missing, "topics", "list");
        assertThat(quiet.code()).isEqualTo(SpoolCommand.EXIT_ERROR);
        assertThat(quiet.err()).hasLineCount(1);
        for (String[] args : new String[][] {{"--verbose", "--data-dir", missing, "topics", "list"},
            {"--data-dir", missing, "topics", "list", "--verbose"}, {"topics", "--verbose", "list", "--data-dir", missing}}) {
            Cli.Run verbose = Cli.exact(args);
            assertThat(verbose.code()).as(String.join(" ", args)).isEqualTo(SpoolCommand.EXIT_ERROR);
            assertThat(verbose.err()).as(String.join(" ", args)).startsWith("spool: no data directory")
                    .contains("at dev.spool.cli.");
        }
    }

    /**
     * Picocli renders each description line with {@code String.format}, and falls back to the raw
     * text with a warning on System.err when that fails (a kcat token such as {@code %t} written
     * with one percent sign): every line of every command must format.
     */
    @Test
    void everyDescriptionOfEveryCommandFormats() {
        java.util.List<String> broken = new java.util.ArrayList<>();
        java.util.Deque<picocli.CommandLine> commands = new java.util.ArrayDeque<>();
        commands.add(new picocli.CommandLine(new SpoolCommand(System.in, System.out, System.err)));
        while (!commands.isEmpty()) {
            picocli.CommandLine command = commands.pop();
            commands.addAll(command.getSubcommands().values());
            java.util.List<picocli.CommandLine.Model.ArgSpec> args = new java.util.ArrayList<>(
                    command.getCommandSpec().args());
            for (picocli.CommandLine.Model.ArgSpec arg : args) {
                if (!(arg.userObject() instanceof java.lang.reflect.Field field)) {
                    continue; // the help options' texts come from picocli
                }
                picocli.CommandLine.Option option = field.getAnnotation(picocli.CommandLine.Option.class);
                picocli.CommandLine.Parameters parameters = field.getAnnotation(picocli.CommandLine.Parameters.class);
                String[] lines = option != null ? option.description()
                        : parameters != null ? parameters.description() : new String[0];
                for (String line : lines) { // as written in the source, before picocli formats it
                    try {
                        String.format(line);
                    } catch (java.util.IllegalFormatException e) {
                        broken.add(command.getCommandSpec().qualifiedName() + " " + arg.paramLabel() + ": " + line);
                    }
                }
            }
        }
        assertThat(broken).isEmpty();
        assertThat(Cli.exact("consume", "--help").out().replaceAll("\\s+", " "))
                .contains("kcat's format string: %t topic, %p partition").contains("--format '%k\\t%s\\n'");
    }

    @Test
    void rootHelpListsTheGlobalOptions() {
        Cli.Run help = Cli.exact("--help");
        assertThat(help.code()).isZero();
        assertThat(help.out()).contains("--data-dir=DIR").contains("--verbose");
    }
}
