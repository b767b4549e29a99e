package dev.spool.cli;

import dev.spool.log.LogManager;
import dev.spool.log.LogManagerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Options every command takes, and the way commands reach the data directory and the streams. */
final class CommonOptions {
    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "./spool-data",
            description = "Data directory (default: ${DEFAULT-VALUE}, relative to the current directory).")
    Path dataDir;

    @Option(names = "--verbose", description = "Log at INFO level and print stack traces on errors.")
    boolean verbose;

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

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
