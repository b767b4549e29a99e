package dev.spool.kafka.producer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

class ProducerStateTableTest {
    private static final long PID = 42;

    private static CompletableFuture<Long> at(long offset) {
        return CompletableFuture.completedFuture(offset);
    }

    @Test
    void anUnknownProducerIsAcceptedAtAnySequence() {
        ProducerStateTable table = new ProducerStateTable(10);
        assertThat(table.check(PID, (short) 3, 17, 20)).isInstanceOf(ProducerStateTable.Accept.class);
    }

    @Test
    void eachOfTheLastFiveBatchesIsADuplicateWithItsOwnOffset() {
        ProducerStateTable table = new ProducerStateTable(10);
        for (int batch = 0; batch < 7; batch++) {
            table.record(PID, (short) 0, batch * 10, batch * 10 + 9, at(1000 + batch));
        }
        assertThat(table.retainedFirstSequences(PID)).containsExactly(20, 30, 40, 50, 60);
        for (int batch = 2; batch < 7; batch++) {
            ProducerStateTable.Verdict verdict = table.check(PID, (short) 0, batch * 10, batch * 10 + 9);
            assertThat(verdict).isInstanceOf(ProducerStateTable.Duplicate.class);
            assertThat(((ProducerStateTable.Duplicate) verdict).firstOffset().join()).isEqualTo(1000L + batch);
        }
        // Older than the retained five: no longer recognised, and not the next sequence either.
        assertThat(reject(table.check(PID, (short) 0, 10, 19))).isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER);
        assertThat(table.check(PID, (short) 0, 70, 79)).isInstanceOf(ProducerStateTable.Accept.class);
    }

    @Test
    void epochsFenceOlderOnesAndANewEpochStartsAtZero() {
        ProducerStateTable table = new ProducerStateTable(10);
        table.record(PID, (short) 5, 0, 4, at(0));
        assertThat(reject(table.check(PID, (short) 4, 5, 5))).isEqualTo(Errors.INVALID_PRODUCER_EPOCH);
        assertThat(reject(table.check(PID, (short) 6, 5, 5))).isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER);
        assertThat(table.check(PID, (short) 6, 0, 0)).isInstanceOf(ProducerStateTable.Accept.class);
        table.record(PID, (short) 6, 0, 0, at(5));
        assertThat(table.epochOf(PID)).isEqualTo((short) 6);
        assertThat(table.retainedFirstSequences(PID)).containsExactly(0);
    }

    @Test
    void aBatchWhoseAppendFailedIsForgottenWithEveryLaterOneSoItsRetryIsWritten() {
        ProducerStateTable table = new ProducerStateTable(10);
        for (int batch = 0; batch < 4; batch++) {
            table.record(PID, (short) 0, batch * 10, batch * 10 + 9, at(1000 + batch));
        }
        table.forgetFrom(PID, (short) 1, 20); // another epoch: nothing
        assertThat(table.retainedFirstSequences(PID)).containsExactly(0, 10, 20, 30);
        table.forgetFrom(PID, (short) 0, 20);
        assertThat(table.retainedFirstSequences(PID)).containsExactly(0, 10);
        assertThat(table.check(PID, (short) 0, 20, 29)).isInstanceOf(ProducerStateTable.Accept.class);
        assertThat(reject(table.check(PID, (short) 0, 30, 39))).isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER);
    }

    @Test
    void sequencesWrapAfterIntegerMaxValue() {
        assertThat(ProducerStateTable.lastSequence(Integer.MAX_VALUE - 1, 3)).isEqualTo(0);
        assertThat(ProducerStateTable.nextSequence(Integer.MAX_VALUE)).isEqualTo(0);
        ProducerStateTable table = new ProducerStateTable(10);
        table.record(PID, (short) 0, Integer.MAX_VALUE - 1, Integer.MAX_VALUE, at(0));
        assertThat(table.check(PID, (short) 0, 0, 9)).isInstanceOf(ProducerStateTable.Accept.class);
        assertThat(reject(table.check(PID, (short) 0, 1, 9))).isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER);
    }

    @Test
    void theLeastRecentlyUsedProducerIsForgottenBeyondTheLimit() {
        ProducerStateTable table = new ProducerStateTable(2);
        table.record(1, (short) 0, 0, 0, at(0));
        table.record(2, (short) 0, 0, 0, at(1));
        table.check(1, (short) 0, 1, 1); // touches producer 1, so 2 is the least recently used
        table.record(3, (short) 0, 0, 0, at(2));
        assertThat(table.size()).isEqualTo(2);
        assertThat(table.epochOf(2)).isEqualTo((short) -1);
        assertThat(table.epochOf(1)).isEqualTo((short) 0);
        // Forgotten means unknown: accepted at any sequence.
        assertThat(table.check(2, (short) 0, 9, 9)).isInstanceOf(ProducerStateTable.Accept.class);
    }

    @Test
    void aMarkerWithANewerEpochBumpsTheProducerAndItsSequenceStartsAtZero() {
        ProducerStateTable table = new ProducerStateTable(10);
        table.record(PID, (short) 0, 0, 4, at(0));

        table.recordMarker(PID, (short) 1);

        assertThat(table.epochOf(PID)).isEqualTo((short) 1);
        assertThat(table.retainedFirstSequences(PID)).isEmpty();
        assertThat(reject(table.check(PID, (short) 0, 5, 5))).isEqualTo(Errors.INVALID_PRODUCER_EPOCH);
        assertThat(reject(table.check(PID, (short) 1, 5, 5))).isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER);
        assertThat(table.check(PID, (short) 1, 0, 2)).isInstanceOf(ProducerStateTable.Accept.class);
        table.record(PID, (short) 1, 0, 2, at(10));
        assertThat(table.check(PID, (short) 1, 3, 3)).isInstanceOf(ProducerStateTable.Accept.class);
    }

    @Test
    void aMarkerAtTheSameOrAnOlderEpochChangesNothing() {
        ProducerStateTable table = new ProducerStateTable(10);
        table.record(PID, (short) 2, 0, 4, at(0));

        table.recordMarker(PID, (short) 2); // transactions that keep their epoch continue their sequence
        table.recordMarker(PID, (short) 1);

        assertThat(table.epochOf(PID)).isEqualTo((short) 2);
        assertThat(table.retainedFirstSequences(PID)).containsExactly(0);
        assertThat(table.check(PID, (short) 2, 5, 5)).isInstanceOf(ProducerStateTable.Accept.class);
        // A marker of a producer the table does not hold fences older epochs only.
        table.recordMarker(99, (short) 3);
        assertThat(reject(table.check(99, (short) 2, 0, 0))).isEqualTo(Errors.INVALID_PRODUCER_EPOCH);
        assertThat(table.check(99, (short) 3, 7, 7)).isInstanceOf(ProducerStateTable.Accept.class);
    }

    private static Errors reject(ProducerStateTable.Verdict verdict) {
        assertThat(verdict).isInstanceOf(ProducerStateTable.Reject.class);
        return ((ProducerStateTable.Reject) verdict).error();
    }
}
