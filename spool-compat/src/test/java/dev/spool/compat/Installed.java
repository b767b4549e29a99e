package dev.spool.compat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Optional;

/**
 * Whether each non-Java client is installed here; when not, why, with the command that installs
 * it (all of them: {@code spool-compat/install-clients.sh}). Public for the module's other test packages.
 */
public final class Installed {
    public static final String PYTHON = "/usr/bin/python3";
    public static final Path NODE_DIR = Paths.get("src", "test", "node").toAbsolutePath();
    private static final String SCRIPT = "spool-compat/install-clients.sh";

    private Installed() {
    }

    public static Optional<String> kcat() {
        return works(List.of("kcat", "-V"), "kcat is not installed (apt-get install -y kcat, or " + SCRIPT + ")");
    }

    public static Optional<String> pythonModule(String module, String debianPackage) {
        return works(List.of(PYTHON, "-c", "import " + module),
                "the python module " + module + " is missing for " + PYTHON + " (apt-get install -y " + debianPackage
                        + ", or " + SCRIPT + ")");
    }

    public static Optional<String> kafkajs() {
        String why = "kafkajs is not installed in " + NODE_DIR + " (cd spool-compat/src/test/node && npm ci, or "
                + SCRIPT + ")";
        if (!Files.isDirectory(NODE_DIR.resolve("node_modules").resolve("kafkajs"))) {
            return Optional.of(why);
        }
        return works(List.of("node", "--version"), "node is not on the PATH; " + why);
    }

    private static Optional<String> works(List<String> command, String why) {
        try {
            Proc.Result result = Proc.run(command);
            return result.ok() ? Optional.empty() : Optional.of(why + "\n" + result.describe());
        } catch (Exception e) {
            return Optional.of(why + " (" + e.getMessage() + ")");
        }
    }
}
