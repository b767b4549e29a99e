package dev.spool.compat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A client run as a child process with a deadline: stdout and stderr merged into a file (kept for
 * the failure message), optional stdin, killed when it overruns. Every non-Java client and every
 * Kafka tool goes through here, so no cell can hang the suite. Public for the module's other test
 * packages.
 */
public final class Proc {
    public static final long TIMEOUT_MS = 60_000;

    private Proc() {
    }

    /** What a finished (or killed) child left: its exit code (-1 when killed at the deadline) and output. */
    public record Result(List<String> command, int exit, String output) {
        public boolean ok() {
            return exit == 0;
        }

        /** The output lines starting with {@code prefix + " "}, without the prefix. */
        public List<String> field(String prefix) {
            List<String> out = new ArrayList<>();
            for (String line : output.split("\n")) {
                if (line.startsWith(prefix + " ")) {
                    out.add(line.substring(prefix.length() + 1).trim());
                }
            }
            return out;
        }

        /** The whole run for a failure message: the command, the exit code, the output's last 40 lines. */
        public String describe() {
            String[] lines = output.split("\n");
            int from = Math.max(0, lines.length - 40);
            StringBuilder b = new StringBuilder(reason(lines)).append("\n$ ").append(String.join(" ", command))
                    .append("\n(exit ").append(exit == -1 ? "none: killed after " + TIMEOUT_MS + " ms" : exit)
                    .append(")\n");
            if (from > 0) {
                b.append("… ").append(from).append(" lines left off …\n");
            }
            for (int i = from; i < lines.length; i++) {
                b.append(lines[i]).append('\n');
            }
            return b.toString();
        }
    }

    /** One line on why the run failed: its "error" line if it printed one, else its last line of output. */
    private static String reason(String[] lines) {
        for (String line : lines) {
            if (line.startsWith("error ")) {
                return line;
            }
        }
        String last = "";
        for (String line : lines) {
            if (line.contains("Exception") || line.startsWith("Error")) {
                return line.strip();
            }
            if (!line.isBlank()) {
                last = line.strip();
            }
        }
        return last.isEmpty() ? "(no output)" : last;
    }

    public static Result run(List<String> command) throws IOException, InterruptedException {
        return run(command, null, Map.of(), () -> false);
    }

    public static Result run(List<String> command, String stdin) throws IOException, InterruptedException {
        return run(command, stdin, Map.of(), () -> false);
    }

    /**
     * Runs {@code command} to its end or the deadline; {@code whileRunning} is called about every
     * 300 ms while the child lives (a cell's side of a conversation, e.g. producing records a
     * consumer waits for) and returns true when it has nothing more to do.
     */
    public static Result run(List<String> command, String stdin, Map<String, String> env, BooleanSupplier whileRunning)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile("spool-compat-", ".out");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(out.toFile());
            builder.environment().putAll(env);
            Process process = builder.start();
            try (OutputStream in = process.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS);
            boolean done = false;
            boolean exited = false;
            try {
                while (!exited && System.nanoTime() < deadline) {
                    exited = process.waitFor(300, TimeUnit.MILLISECONDS);
                    if (!exited && !done) {
                        done = whileRunning.getAsBoolean();
                    }
                }
            } finally {
                if (!exited) { // overran, or the harness's side failed: the child must not outlive the cell
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly().waitFor();
                }
            }
            int exit = exited ? process.exitValue() : -1;
            return new Result(command, exit, Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** {@code java … mainClass args…} on this JVM and the test classpath, as Kafka's shell scripts run a tool. */
    public static List<String> java(String mainClass, String... args) {
        List<String> command = new ArrayList<>(List.of(
                Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(List.of(args));
        return command;
    }
}
