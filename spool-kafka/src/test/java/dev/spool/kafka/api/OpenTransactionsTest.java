package dev.spool.kafka.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The first unstable offset of a partition: a transaction starts at the log end taken when its
 * first batch was handed off (a lower bound) until that batch's offset is known, ends only when
 * told its marker is done, and comes back when the marker failed.
 */
class OpenTransactionsTest {
    private static final long P = 1L;
    private static final long Q = 2L;

    @Test
    void aTransactionStartsAtItsLowerBoundUntilItsFirstBatchLands() {
        OpenTransactions open = new OpenTransactions();
        assertThat(open.firstUnstableOffset()).isEqualTo(OpenTransactions.NONE);
        CompletableFuture<Long> first = new CompletableFuture<>();

        open.begin(P, 10, first); // other appends are still ahead of it in the log's queue

        assertThat(open.firstUnstableOffset()).isEqualTo(10);
        first.complete(14L);
        assertThat(open.firstUnstableOffset()).as("not before a refresh").isEqualTo(10);
        open.refresh();
        assertThat(open.firstUnstableOffset()).isEqualTo(14);
        // Later batches of the same transaction do not move its start.
        open.begin(P, 20, CompletableFuture.completedFuture(20L));
        assertThat(open.get(P).startOffset()).isEqualTo(14);
    }

    @Test
    void aTransactionWhoseFirstBatchFailedIsBegunAgainByTheNext() {
        OpenTransactions open = new OpenTransactions();
        open.begin(P, 10, CompletableFuture.failedFuture(new IOException("disk full")));
        assertThat(open.firstUnstableOffset()).as("held until replaced or ended").isEqualTo(10);

        open.begin(P, 12, CompletableFuture.completedFuture(12L));

        assertThat(open.firstUnstableOffset()).isEqualTo(12);
    }

    @Test
    void anEndingTransactionHoldsTheOffsetUntilEndedWhileTheProducerBeginsItsNext() {
        OpenTransactions open = new OpenTransactions();
        open.loaded(P, 5);
        open.loaded(Q, 8);

        OpenTransactions.Transaction ending = open.startEnding(P);

        assertThat(open.get(P)).isNull();
        assertThat(open.firstUnstableOffset()).isEqualTo(5);
        assertThat(open.stableOffsetAfter(ending, 12)).as("Q's start").isEqualTo(8);
        open.begin(P, 13, CompletableFuture.completedFuture(13L));
        open.ended(ending);
        assertThat(open.firstUnstableOffset()).isEqualTo(8);
        assertThat(open.startEnding(Q)).isNotNull();
        assertThat(open.stableOffsetAfter(open.get(P), 20)).as("Q, still ending").isEqualTo(8);
    }

    @Test
    void aFailedMarkerPutsItsTransactionBackKeepingTheEarlierStart() {
        OpenTransactions open = new OpenTransactions();
        open.loaded(P, 5);
        OpenTransactions.Transaction ending = open.startEnding(P);
        open.begin(P, 9, CompletableFuture.completedFuture(9L));

        open.restore(ending);

        assertThat(open.get(P).startOffset()).isEqualTo(5);
        assertThat(open.firstUnstableOffset()).isEqualTo(5);
        assertThat(open.startEnding(P)).isSameAs(ending);
        assertThat(open.stableOffsetAfter(ending, 11)).as("no other transaction: after the marker").isEqualTo(12);
        open.ended(ending);
        assertThat(open.isEmpty()).isTrue();
        assertThat(open.firstUnstableOffset()).isEqualTo(OpenTransactions.NONE);
    }
}
