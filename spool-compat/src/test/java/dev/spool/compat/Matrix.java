package dev.spool.compat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The compatibility matrix: one row per (client, operation), one outcome per server, written as a
 * Markdown table followed by the details of every failure. Rows keep the order their cells were
 * declared in, whatever order they ran in.
 * Thread-safe (cells of both servers record from their own threads).
 */
final class Matrix {
    enum Status { PASS, FAIL, SKIP }

    record Outcome(Status status, String detail) {
        /** The table cell: the status and the detail's first line, shortened. */
        String summary() {
            String first = detail == null ? "" : detail.strip().replaceAll("\\s+", " ");
            if (first.length() > 140) {
                first = first.substring(0, 137) + "…";
            }
            first = first.replace("|", "\\|");
            return switch (status) {
                case PASS -> first.isEmpty() ? "pass" : "pass (" + first + ")";
                case FAIL -> "**FAIL**: " + first;
                case SKIP -> "n/a: " + first;
            };
        }
    }

    private record Row(String client, String operation) {
    }

    private final Map<Row, Map<String, Outcome>> rows = new LinkedHashMap<>();

    /** Fixes the table's order of {@code cells}' rows, whatever order the cells then run in. */
    synchronized void declare(List<Cell> cells) {
        for (Cell cell : cells) {
            rows.putIfAbsent(new Row(cell.client(), cell.operation()), new LinkedHashMap<>());
        }
    }

    synchronized void record(Cell cell, Target target, Outcome outcome) {
        rows.computeIfAbsent(new Row(cell.client(), cell.operation()), row -> new LinkedHashMap<>())
                .put(target.name(), outcome);
    }

    synchronized void write(Path file) throws IOException {
        StringBuilder table = new StringBuilder();
        table.append("# Client compatibility matrix\n\n")
                .append("Each operation ran against a real Apache Kafka 4.4 broker and against `spool serve`.\n\n")
                .append("| client | operation | kafka | spool |\n|---|---|---|---|\n");
        List<String> failures = new ArrayList<>();
        int regressions = 0;
        for (Map.Entry<Row, Map<String, Outcome>> entry : rows.entrySet()) {
            if (entry.getValue().isEmpty()) {
                continue; // declared, never run (the client is missing, or a filter left it out)
            }
            Row row = entry.getKey();
            Outcome kafka = entry.getValue().get("kafka");
            Outcome spool = entry.getValue().get("spool");
            table.append("| ").append(row.client()).append(" | ").append(row.operation()).append(" | ")
                    .append(kafka == null ? "" : kafka.summary()).append(" | ")
                    .append(spool == null ? "" : spool.summary()).append(" |\n");
            if (kafka != null && kafka.status() == Status.PASS && spool != null && spool.status() == Status.FAIL) {
                regressions++;
            }
            for (Map.Entry<String, Outcome> each : entry.getValue().entrySet()) {
                if (each.getValue().status() == Status.FAIL) {
                    failures.add("### " + row.client() + " / " + row.operation() + " / " + each.getKey()
                            + "\n\n```\n" + each.getValue().detail().strip() + "\n```\n");
                }
            }
        }
        table.append("\n").append(regressions).append(" operation(s) pass on Kafka and fail on Spool.\n");
        if (!failures.isEmpty()) {
            table.append("\n## Failures\n\n").append(String.join("\n", failures));
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, table.toString(), StandardCharsets.UTF_8);
    }
}
