package dev.spool.bench.kafka;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
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
 * One broker in its own child JVM ({@link BrokerMain}), on the parent's classpath.
 *
 * <p>Why a child JVM rather than the benchmark's own: each server gets a heap, GC and JIT of its
 * own, with the same flags for both (Kafka's start-script defaults), instead of sharing them with
 * the clients that load it; Kafka's broker leaves static state (metrics registries, scheduler
 * threads) that would leak from one round into the next; and a fresh process per round is the
 * only way to give both servers the same cold start. The child serves until its stdin closes, so
 * it cannot outlive the benchmark. Its stdout and stderr go to a log file.
 */
public final class BrokerProcess implements AutoCloseable {
    private static final long READY_TIMEOUT_MS = 120_000;
    private static final long STOP_TIMEOUT_MS = 120_000;

    private final Process process;
    private final String bootstrap;

    private BrokerProcess(Process process, String bootstrap) {
        this.process = process;
        this.bootstrap = bootstrap;
    }

    /** Starts {@code BrokerMain brokerArgs…} and returns once it reports the address it serves on. */
    public static BrokerProcess start(List<String> jvmFlags, List<String> brokerArgs, Path log) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmFlags);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(BrokerMain.class.getName());
        command.addAll(brokerArgs);
        Files.createDirectories(log.toAbsolutePath().getParent());
        Files.writeString(log, String.join(" ", command) + "\n", StandardCharsets.UTF_8);
        Process process = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        CompletableFuture<String> ready = new CompletableFuture<>();
        Thread reader = new Thread(() -> copyOutput(process, log, ready), "broker-output-" + log.getFileName());
        reader.setDaemon(true);
        reader.start();
        try {
            return new BrokerProcess(process, ready.get(READY_TIMEOUT_MS, TimeUnit.MILLISECONDS));
        } catch (ExecutionException | TimeoutException e) {
            process.destroyForcibly();
            throw new IOException("Broker " + brokerArgs + " did not start; see " + log, e);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while starting a broker", e);
        }
    }

    /** Copies the child's stdout to the log, completing {@code ready} with the address on its READY line. */
    private static void copyOutput(Process process, Path log, CompletableFuture<String> ready) {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8));
             Writer out = Files.newBufferedWriter(log, StandardCharsets.UTF_8, StandardOpenOption.APPEND)) {
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.startsWith(BrokerMain.READY) && !ready.isDone()) {
                    ready.complete(line.substring(BrokerMain.READY.length()).trim());
                }
                out.write(line);
                out.write('\n');
                out.flush();
            }
        } catch (IOException e) {
            ready.completeExceptionally(new UncheckedIOException(e));
        }
        ready.completeExceptionally(new IOException("The broker exited before it was ready (exit "
                + exitCode(process) + ")"));
    }

    private static String exitCode(Process process) {
        try {
            return Integer.toString(process.waitFor());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    /** {@code host:port} for the clients' {@code bootstrap.servers}. */
    public String bootstrap() {
        return bootstrap;
    }

    public long pid() {
        return process.pid();
    }

    /** Graceful stop (the child flushes its logs), forced after a timeout. */
    @Override
    public void close() throws IOException {
        try {
            process.getOutputStream().close();
            if (!process.waitFor(STOP_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
                throw new IOException("Broker pid " + process.pid() + " did not stop within " + STOP_TIMEOUT_MS
                        + " ms; killed");
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while stopping broker pid " + process.pid(), e);
        }
        if (process.exitValue() != 0) {
            throw new IOException("Broker pid " + process.pid() + " exited with " + process.exitValue());
        }
    }
}
