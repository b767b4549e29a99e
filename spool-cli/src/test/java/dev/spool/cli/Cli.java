package dev.spool.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs {@code spool} in-process on one data directory, with captured streams. */
final class Cli {
    private final Path dataDir;

    Cli(Path dataDir) {
        this.dataDir = dataDir;
    }

    record Run(int code, String out, String err) {
    }

    /** Runs the command with {@code --data-dir} appended. */
    Run run(String stdin, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--data-dir");
        all.add(dataDir.toString());
        return exact(stdin.getBytes(StandardCharsets.UTF_8), all.toArray(String[]::new));
    }

    /** Runs the command line as given. */
    static Run exact(byte[] stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = SpoolCommand.execute(args, new ByteArrayInputStream(stdin),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static Run exact(String... args) {
        return exact(new byte[0], args);
    }
}
