package dev.spool.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The matrix file: declared order, one line per outcome, the regressions counted, failures in full. */
class MatrixTest {
    private static final Target KAFKA = new Target("kafka", "127.0.0.1:1");
    private static final Target SPOOL = new Target("spool", "127.0.0.1:2");

    @Test
    void writesRowsInDeclaredOrderAndCountsOnlyKafkaPassSpoolFail(@TempDir Path dir) throws Exception {
        Cell first = new Cell("kcat 1.7", "produce gzip, read back", (f, t) -> null);
        Cell second = new Cell("kcat 1.7", "watermark offsets", (f, t) -> null);
        Cell third = new Cell("kcat 1.7", "admin: delete records", (f, t) -> null);
        Matrix matrix = new Matrix();
        matrix.declare(List.of(first, second, third));
        matrix.record(third, KAFKA, new Matrix.Outcome(Matrix.Status.SKIP, "no such call"));
        matrix.record(second, SPOOL, new Matrix.Outcome(Matrix.Status.FAIL, "error high was 3 | not 4\nmore"));
        matrix.record(second, KAFKA, new Matrix.Outcome(Matrix.Status.PASS, ""));
        matrix.record(first, KAFKA, new Matrix.Outcome(Matrix.Status.FAIL, "both fail"));
        matrix.record(first, SPOOL, new Matrix.Outcome(Matrix.Status.FAIL, "both fail"));

        Path file = dir.resolve("m.md");
        matrix.write(file);

        List<String> rows = Files.readAllLines(file).stream().filter(line -> line.startsWith("| kcat")).toList();
        assertThat(rows).containsExactly(
                "| kcat 1.7 | produce gzip, read back | **FAIL**: both fail | **FAIL**: both fail |",
                "| kcat 1.7 | watermark offsets | pass | **FAIL**: error high was 3 \\| not 4 more |",
                "| kcat 1.7 | admin: delete records | n/a: no such call |  |");
        String text = Files.readString(file);
        assertThat(text).contains("1 operation(s) pass on Kafka and fail on Spool.")
                .contains("### kcat 1.7 / watermark offsets / spool\n\n```\nerror high was 3 | not 4\nmore\n```");
    }

    @Test
    void aCellsTopicIsALegalTopicNameOfItsClientAndOperation() {
        Cell cell = new Cell("Kafka 4.4 tools", "kafka-consumer-groups --reset-offsets --shift-by -1 --execute",
                (f, t) -> null);
        assertThat(cell.topic()).isEqualTo("compat-kafka-kafka-consumer-groups-reset-offsets-shift-by-1-execute")
                .matches("[a-zA-Z0-9._-]{1,249}");
    }
}
