package dev.spool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code spool produce} without {@code --partition}: keys go where Kafka's Java producer would put them. */
class ProducePartitionTest {
    @TempDir
    Path tmp;
    Cli cli;

    @BeforeEach
    void topic() {
        cli = new Cli(tmp.resolve("data"));
        assertThat(cli.run("", "topics", "create", "p", "--partitions", "5").code()).isZero();
    }

    @Test
    void eachKeyGoesToThePartitionKafkasProducerPicks() {
        List<String> keys = List.of("alpha", "beta", "user-42", "order:7", "", "ключ", "🙂", "a-much-longer-key-0123456789");
        StringBuilder lines = new StringBuilder();
        for (int round = 0; round < 3; round++) {
            keys.forEach(key -> lines.append(key).append('=').append("v\n"));
        }
        Cli.Run produced = cli.run(lines.toString(), "produce", "p", "--key-separator", "=");
        assertThat(produced.code()).as(produced.err()).isZero();
        assertThat(produced.err()).startsWith("produced 24 record(s) to p: ");

        Map<String, Integer> seen = new HashMap<>();
        for (String line : cli.run("", "consume", "p", "--format", "%p %k\\n").out().split("\n")) {
            int space = line.indexOf(' ');
            Integer before = seen.put(line.substring(space + 1), Integer.parseInt(line.substring(0, space)));
            assertThat(before).as("key '%s' always in one partition", line.substring(space + 1))
                    .isIn(null, Integer.parseInt(line.substring(0, space)));
        }
        assertThat(seen.keySet()).containsExactlyInAnyOrderElementsOf(keys);
        for (String key : keys) {
            byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
            int expected = Utils.toPositive(Utils.murmur2(bytes)) % 5;
            assertThat(seen.get(key)).as("key '%s'", key).isEqualTo(expected)
                    .isEqualTo(BuiltInPartitioner.partitionForKey(bytes, 5));
        }
        assertThat(new java.util.HashSet<>(seen.values())).as("the keys spread over several partitions")
                .hasSizeGreaterThan(1);
    }

    @Test
    void thePartitionerAgreesWithKafkaForManyRandomKeys() {
        Random random = new Random(17);
        for (int i = 0; i < 10_000; i++) {
            byte[] key = new byte[random.nextInt(40)];
            random.nextBytes(key);
            int partitions = 1 + random.nextInt(64);
            byte[] line = java.util.Arrays.copyOf(key, key.length + 5); // the key is a prefix of the line
            assertThat(new Partitioner(partitions, random).partitionOf(line, key.length))
                    .as("seed 17, key %d", i).isEqualTo(BuiltInPartitioner.partitionForKey(key, partitions));
        }
    }

    @Test
    void keylessLinesFillOneBatchOfAPartitionThenMoveOn() {
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < ProduceCommand.BATCH_RECORDS_MAX * 3; i++) {
            lines.append("line ").append(i).append('\n');
        }
        Cli.Run produced = cli.run(lines.toString(), "produce", "p");
        assertThat(produced.code()).as(produced.err()).isZero();
        String[] out = cli.run("", "consume", "p", "--format", "%p\\n").out().split("\n");
        Map<String, Integer> perPartition = new HashMap<>();
        for (String p : out) {
            perPartition.merge(p, 1, Integer::sum);
        }
        assertThat(perPartition).hasSize(3).allSatisfy((p, count) ->
                assertThat(count).isEqualTo(ProduceCommand.BATCH_RECORDS_MAX));
    }

    @Test
    void anExplicitPartitionTakesEveryLineAndABadOneIsRefused() {
        assertThat(cli.run("a=1\nb=2\n", "produce", "p", "--key-separator", "=", "--partition", "3").err())
                .contains("produced 2 record(s) to p-3, offsets 0..1");
        Cli.Run missing = cli.run("x\n", "produce", "p", "--partition", "5");
        assertThat(missing.code()).isEqualTo(SpoolCommand.EXIT_ERROR);
        assertThat(missing.err()).startsWith("spool: Topic 'p' has 5 partition").hasLineCount(1);
        Cli.Run negative = cli.run("x\n", "produce", "p", "--partition", "-1");
        assertThat(negative.code()).isEqualTo(SpoolCommand.EXIT_USAGE);
        assertThat(negative.err()).startsWith("spool: --partition must be 0 or more, not -1");
        assertThat(cli.run("", "topics", "describe", "p").out()).contains("2 record(s)");
    }

    @Test
    void printOffsetsNamesThePartitionWhenThereAreSeveral() {
        Cli.Run run = cli.run("alpha=1\n", "produce", "p", "--key-separator", "=", "--print-offsets");
        assertThat(run.out()).isEqualTo(BuiltInPartitioner.partitionForKey("alpha".getBytes(StandardCharsets.UTF_8), 5)
                + " 0\n");
        assertThat(cli.run("x\n", "produce", "p", "--partition", "1", "--print-offsets").out()).isEqualTo("0\n");
    }
}
