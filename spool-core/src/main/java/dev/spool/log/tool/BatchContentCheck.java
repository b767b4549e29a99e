package dev.spool.log.tool;

import dev.spool.log.record.CorruptRecordException;
import dev.spool.log.record.RecordBatch;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * A check of a batch's records beyond what opening a log checks (length, magic, CRC, offsets).
 * {@link #RECORDS} is the engine's own: each record's framing, and a compressed batch's
 * decompression, as a read walks them; a batch whose CRC holds over records that do not parse
 * (written so by a faulty producer or tool) opens fine and fails every read. An internal log's
 * owner, such as the Kafka server's transaction log, adds that each record decodes with its codec,
 * as its replay on open requires; the engine cannot know this, so the owner's module passes its
 * decision down. {@link LogRepair#plan(dev.spool.log.TopicPartition, BatchContentCheck)} replaces a
 * batch either check refuses as it replaces a damaged one. The check should be the one
 * {@code spool verify} reports with, so that what verify names is what repair removes. Must not
 * keep or change the buffer it is given.
 */
@FunctionalInterface
public interface BatchContentCheck {
    /** Adds nothing to the engine's checks: an ordinary topic's record contents mean nothing to the engine. */
    BatchContentCheck ANY = batch -> Optional.empty();

    /** The engine's check of every batch's records, the one {@code spool verify} makes ({@link RecordBatch#validateRecords}). */
    BatchContentCheck RECORDS = batch -> {
        try {
            RecordBatch.validateRecords(batch, 0); // compressed batches too: decompression is bounded
            return Optional.empty();
        } catch (CorruptRecordException e) {
            return Optional.of(e.getMessage());
        }
    };

    /**
     * Why the batch's records cannot be used, or empty when they can.
     *
     * @param batch one whole batch, from 0 to its limit, that passed the engine's checks
     */
    Optional<String> problem(ByteBuffer batch);

    /** This check, then {@code next} on a batch this one accepts. */
    default BatchContentCheck then(BatchContentCheck next) {
        return batch -> {
            Optional<String> problem = problem(batch);
            return problem.isPresent() ? problem : next.problem(batch);
        };
    }
}
