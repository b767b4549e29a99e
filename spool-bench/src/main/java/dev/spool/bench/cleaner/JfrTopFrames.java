package dev.spool.bench.cleaner;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where each engine's round spends its CPU time, from the JFR recordings of the timed rounds
 * ({@code --jfr}): the share of execution samples ({@code jdk.ExecutionSample}) whose top frame is a
 * method (self time), and the share in which a method appears anywhere on the stack (total time,
 * for the engine's own and the JDK's I/O methods); and the top frames of the samples taken while the
 * thread was in native code ({@code jdk.NativeMethodSample}: system calls such as {@code pread},
 * {@code pwrite}, {@code fsync}, {@code unlink}), which the execution samples do not see.
 */
final class JfrTopFrames {
    private JfrTopFrames() {
    }

    static String report(Path dir, List<String> engines, int top) throws IOException {
        StringBuilder out = new StringBuilder();
        for (String engine : engines) {
            Map<String, Integer> self = new HashMap<>();
            Map<String, Integer> total = new HashMap<>();
            Map<String, Integer> natives = new HashMap<>();
            int samples = 0;
            int nativeSamples = 0;
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, engine + "-pass*.jfr")) {
                for (Path file : files) {
                    for (RecordedEvent event : RecordingFile.readAllEvents(file)) {
                        String type = event.getEventType().getName();
                        RecordedStackTrace stack = event.getStackTrace();
                        if (stack == null || stack.getFrames().isEmpty()) {
                            continue;
                        }
                        if (type.equals("jdk.NativeMethodSample")) {
                            nativeSamples++;
                            natives.merge(name(stack.getFrames().get(0)), 1, Integer::sum);
                            continue;
                        }
                        if (!type.equals("jdk.ExecutionSample")) {
                            continue;
                        }
                        samples++;
                        self.merge(name(stack.getFrames().get(0)), 1, Integer::sum);
                        stack.getFrames().stream().map(JfrTopFrames::name).distinct()
                                .forEach(method -> total.merge(method, 1, Integer::sum));
                    }
                }
            }
            out.append(String.format("%nJFR, %s: %d execution samples in the timed rounds%n", engine, samples));
            out.append("  self (top frame):\n");
            append(out, self, samples, top);
            out.append("  total (on the stack), engine and I/O methods:\n");
            Map<String, Integer> ours = new HashMap<>();
            total.forEach((method, count) -> {
                if (method.startsWith("dev.spool.") || method.startsWith("org.apache.kafka.")
                        || method.startsWith("sun.nio.ch.") || method.startsWith("java.security.")) {
                    ours.put(method, count);
                }
            });
            append(out, ours, samples, top);
            out.append(String.format("  native (top frame), %d samples, every 20 ms of a thread in native code:%n",
                    nativeSamples));
            append(out, natives, nativeSamples, 8);
        }
        return out.toString();
    }

    private static void append(StringBuilder out, Map<String, Integer> counts, int samples, int top) {
        counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(top)
                .forEach(e -> out.append(String.format("    %5.1f%%  %s%n", 100.0 * e.getValue() / Math.max(1, samples),
                        e.getKey())));
    }

    private static String name(RecordedFrame frame) {
        return frame.getMethod().getType().getName() + "." + frame.getMethod().getName();
    }
}
