package dev.spool.bench.compare;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report's two halves agree: the harness's JSON ({@link Report}, {@link Targets}) is what
 * {@code plots.py} reads, so a field renamed on one side fails here rather than in a release's
 * benchmark run. Figures are made up; only their flow is checked.
 */
class ReportChartsTest {
    @TempDir
    Path temp;

    private static Series series(double recordsPerSecond, int recordBytes) {
        Series s = new Series();
        long records = (long) recordsPerSecond;
        s.add(records, records * recordBytes, TimeUnit.SECONDS.toNanos(1));
        return s;
    }

    private Path results() throws Exception {
        Report report = new Report(Options.parse(new String[0]), temp.resolve("root"));
        Histogram fsync = new Histogram(3_600_000_000_000L, 3);
        fsync.recordValue(200_000);
        report.raw(series(2000, 1 << 20), series(1500, 1 << 20), series(4000, 4096), fsync);
        report.rawRead(series(10_000, 1 << 20));
        report.ceilings(series(1800, 1 << 20), series(500, 1 << 20));
        report.wakes(64, series(100_000, 0));
        for (int batch : new int[] {1, 100}) {
            Map<Subjects, Series> appends = new EnumMap<>(Subjects.class);
            appends.put(Subjects.SPOOL, series(batch == 1 ? 3e6 : 9e6, 120));
            appends.put(Subjects.KAFKA, series(batch == 1 ? 0.3e6 : 4e6, 120));
            appends.put(Subjects.CHRONICLE, series(2.5e6, 120));
            if (batch == 100) {
                appends.put(Subjects.SPOOL_CHAIN, series(8.5e6, 120));
            }
            Workload workload = new Workload(100, batch);
            report.append(workload, false, appends);
            appends.remove(Subjects.SPOOL_CHAIN);
            report.read(workload, appends);
        }
        Map<Subjects, Series> kibAppends = new EnumMap<>(Subjects.class);
        kibAppends.put(Subjects.SPOOL, series(1.5e6, 1100));
        kibAppends.put(Subjects.KAFKA, series(1e6, 1100));
        report.append(new Workload(1024, 100), false, kibAppends);
        Histogram acks = new Histogram(3_600_000_000_000L, 3);
        acks.recordValue(500_000);
        report.writers(new StrictWriters.Result(1, 4000, TimeUnit.SECONDS.toNanos(1), acks));
        report.writers(new StrictWriters.Result(64, 160_000, TimeUnit.SECONDS.toNanos(1), acks));
        Path json = temp.resolve("compare-results.json");
        report.writeJson(json);
        return json;
    }

    @Test
    void plotsDrawsTheHarnessResultsAndTabulatesItsTargets() throws Exception {
        Path json = results();
        Path out = temp.resolve("img");
        Path script = Path.of("plots.py").toAbsolutePath();
        Process process = new ProcessBuilder("python3", script.toString(), "--compare", json.toString(),
                "--out", out.toString(), "--table").redirectErrorStream(false).start();
        String table = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String errors = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(errors).isZero();

        assertThat(out.resolve("append-none.svg")).content().contains("<svg", "Chronicle Queue", "100 B × 100");
        assertThat(out.resolve("read-none.svg")).exists();
        assertThat(out.resolve("writers-throughput.svg")).exists();
        // The ceilings: 1 KiB appends, a checked write (1,887 MB/s) over the raw write (2,097); the
        // chain, 2 × SHA-256 (524 MB/s) over the unchained 100 B × 100 (1,080 MB/s) plus SHA-256;
        // 64 writers, 100,000 wakes/s over one strict writer's 4,000/s. No ceiling: an empty cell.
        assertThat(table)
                .contains("| append 100 B × 1 | 3 M/s | Chronicle Queue: 2.5 M/s | 1.20× | ≥ 1.00× |  | met |")
                .contains("| append 100 B × 100 | 9 M/s | Kafka log: 4 M/s | 2.25× | ≥ 2.00× |  | met |")
                .contains("| append 1 KiB × 100, of raw sequential write | 1,650 MB/s | raw write: 2,097 MB/s | 79% | ≥ 90% | 90% | **missed** |")
                .contains("| append 100 B × 100 with the hash chain, of without | 8.5 M/s | no chain: 9 M/s | 94% | ≥ 90% | 65% | met |")
                .contains("| 64 strict writers, of 1 strict writer | 0.16 M/s | 1 writer: 4,000/s | 40.00× | ≥ 30.00× | 25.00× | met |")
                .contains("64 strict writers' ack p99, of the disk's fdatasync p99 | 0.5 ms | fdatasync p99: 0.2 ms | 2.50× | ≤ 3.00× |  | met |");
        assertThat(Files.readString(json)).contains("\"targets\"");
    }
}
