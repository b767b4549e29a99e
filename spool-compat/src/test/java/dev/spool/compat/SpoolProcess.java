package dev.spool.compat;

import dev.spool.cli.SpoolCommand;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The {@code spool} command in a child JVM, as {@code bin/spool} runs it (this module's class
 * path): {@link #command} for a one-shot run, {@link #serve} for {@code spool serve}, which is
 * ready when it prints its {@code spool: serving} line and stops on SIGTERM ({@link #close}, as a
 * service manager stops it) or dies on SIGKILL ({@link #kill}). Its output goes to a log file.
 * Not thread-safe.
 */
public final class SpoolProcess implements AutoCloseable {
    private static final long READY_TIMEOUT_MS = 60_000;
    private static final long STOP_TIMEOUT_MS = 60_000;
    private static final String READY = "spool: serving";
    private static final List<String> JVM_FLAGS = List.of("-Xms512m", "-Xmx512m", "-XX:+UseG1GC");

    private final Process process;

    private SpoolProcess(Process process) {
        this.process = process;
    }

    /** {@code java … SpoolCommand ARGS} on this module's class path, as {@code bin/spool} runs it. */
    public static List<String> command(String... args) {
        List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JVM_FLAGS);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), SpoolCommand.class.getName()));
        command.addAll(List.of(args));
        return command;
    }

    /** Starts {@code spool serveArgs…} and returns once it serves; its output goes to {@code log}. */
    public static SpoolProcess serve(List<String> serveArgs, Path log) throws IOException {
        List<String> command = command(serveArgs.toArray(String[]::new));
        Files.writeString(log, String.join(" ", command) + "\n", StandardCharsets.UTF_8);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        CompletableFuture<Void> ready = new CompletableFuture<>();
        Thread reader = new Thread(() -> copyOutput(process, log, ready), "spool-serve-output");
        reader.setDaemon(true);
        reader.start();
        try {
            ready.get(READY_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            return new SpoolProcess(process);
        } catch (ExecutionException | TimeoutException e) {
            process.destroyForcibly();
            throw new IOException("spool serve did not start; see " + log, e);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while starting spool serve", e);
        }
    }

    /** Copies the child's output to the log, completing {@code ready} at its serving line. */
    private static void copyOutput(Process process, Path log, CompletableFuture<Void> ready) {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8));
             Writer out = Files.newBufferedWriter(log, StandardCharsets.UTF_8, StandardOpenOption.APPEND)) {
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.startsWith(READY)) {
                    ready.complete(null);
                }
                out.write(line);
                out.write('\n');
                out.flush();
            }
        } catch (IOException e) {
            ready.completeExceptionally(e);
        }
        ready.completeExceptionally(new IOException("spool serve exited before it was ready"));
    }

    /** SIGKILL (kill -9): the server gets no chance to flush or close anything; returns once it is gone. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    /** SIGTERM, as a service manager stops it; killed after a timeout. */
    @Override
    public void close() throws IOException {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(STOP_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
                throw new IOException("spool serve pid " + process.pid() + " did not stop within " + STOP_TIMEOUT_MS
                        + " ms of SIGTERM; killed");
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while stopping spool serve pid " + process.pid(), e);
        }
    }
}
