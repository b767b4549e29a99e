package dev.spool.kafka.txn;

import dev.spool.kafka.txn.TransactionMetadata.PartitionRef;
import java.util.concurrent.CompletableFuture;

/**
 * Where the transaction coordinator sends the outcome of a transaction: a commit or abort marker
 * (a control batch, Kafka's format) written to one partition the transaction wrote to. The
 * coordinator completes a prepared transaction only once every partition's marker is written.
 */
public interface TransactionMarkers {
    /**
     * Writes the marker of {@code producerId}'s transaction to {@code partition}, durably (fsync),
     * ending the transaction there: its records become readable to {@code read_committed}
     * consumers (commit) or are recorded as aborted in the partition's transaction index (abort),
     * and the partition's last stable offset moves past them. Writing the marker of a transaction
     * that is no longer open on the partition (a retry after a crash) writes it again, which is
     * harmless to readers. A partition that no longer exists (its topic was deleted) completes
     * normally: there is nothing left to mark.
     *
     * @return completes once the marker (and for an abort its index entry) is durable; exceptionally
     *         when it could not be written (a full disk, a failed fsync), to be retried
     */
    CompletableFuture<Void> writeMarker(PartitionRef partition, long producerId, short producerEpoch, boolean commit,
                                        int coordinatorEpoch);
}
