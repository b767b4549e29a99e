package dev.spool.kafka.producer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** What DescribeProducers reads from a partition's producer table. */
class ProducerSummariesTest {
    @Test
    void eachProducerIsSummedUpByItsEpochAndLatestBatchWithoutChangingTheUseOrder() {
        ProducerStateTable table = new ProducerStateTable(2);
        table.record(7, (short) 0, 0, 4, CompletableFuture.completedFuture(100L));
        table.record(7, (short) 0, 5, 9, CompletableFuture.completedFuture(105L));
        table.record(8, (short) 3, 0, 0, CompletableFuture.completedFuture(110L));
        table.record(7, (short) 1, 0, 1, CompletableFuture.completedFuture(111L)); // a new epoch starts again at 0

        assertThat(table.summaries()).extracting(ProducerStateTable.ProducerSummary::producerId,
                ProducerStateTable.ProducerSummary::epoch, ProducerStateTable.ProducerSummary::lastSequence,
                s -> s.lastBatchOffset().join()).containsExactly(
                org.assertj.core.groups.Tuple.tuple(8L, (short) 3, 0, 110L),
                org.assertj.core.groups.Tuple.tuple(7L, (short) 1, 1, 111L));

        table.summaries(); // reading changes nothing: 8 is still the least recently used, so it goes first
        table.record(9, (short) 0, 0, 0, CompletableFuture.completedFuture(120L));
        assertThat(table.summaries()).extracting(ProducerStateTable.ProducerSummary::producerId).containsExactly(7L, 9L);
    }
}
