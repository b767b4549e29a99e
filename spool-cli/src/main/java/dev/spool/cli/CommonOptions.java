package dev.spool.cli;

import dev.spool.log.LogManager;
import dev.spool.log.LogManagerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * Options every command takes, and the way commands reach the data directory and the streams.
 *
 * <p>The options are global: the root command and each command along the way mix them in, so
 * {@code spool --data-dir D topics list} and {@code spool topics list --data-dir D} mean the same.
 * Picocli fills each level's copy separately; {@link #propagate} then gives every level the value
 * the user wrote (the one nearest the command, if written twice), before any command runs.
 */
final class CommonOptions {
    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "./spool-data", scope = ScopeType.LOCAL,
            description = "Data directory (default: ${DEFAULT-VALUE}, relative to the current directory).")
    Path dataDir;

    @Option(names = "--verbose", scope = ScopeType.LOCAL,
            description = "Log at INFO level and print stack traces on errors.")
    boolean verbose;

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    /**
     * Copies the {@code --data-dir} written at any level of the command line (the last one, if
     * several) and {@code --verbose} written at any level to every level's options.
     */
    static void propagate(ParseResult parsed) {
        List<CommonOptions> levels = new ArrayList<>();
        Path dataDir = null;
        boolean verbose = false;
        for (ParseResult level = parsed; level != null; level = level.subcommand()) {
            for (CommandSpec mixin : level.commandSpec().mixins().values()) {
                if (mixin.userObject() instanceof CommonOptions options) {
                    levels.add(options);
                    if (level.hasMatchedOption("--data-dir")) {
                        dataDir = options.dataDir;
                    }
                    verbose |= options.verbose;
                }
            }
        }
        for (CommonOptions options : levels) {
            if (dataDir != null) {
                options.dataDir = dataDir;
            }
            options.verbose = verbose;
        }
    }

    SpoolCommand root() {
        return (SpoolCommand) spec.root().userObject();
    }

    /** How the CLI runs the engine: no background threads, since every command is short-lived. */
    static LogManagerConfig managerConfig() {
        return LogManagerConfig.defaults().withoutBackgroundTasks();
    }

    /** Opens the data directory, creating it if asked; otherwise a missing one is an error. */
    LogManager openManager(boolean create) throws IOException {
        if (!create) {
            requireDataDir();
        }
        return LogManager.open(dataDir, managerConfig());
    }

    void requireDataDir() throws NoSuchFileException {
        if (!Files.isDirectory(dataDir)) {
            throw new NoSuchFileException(dataDir.toString(), null,
                    "no data directory (nothing produced yet? pass --data-dir)");
        }
    }
}
