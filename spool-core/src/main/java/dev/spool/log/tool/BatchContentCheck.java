package dev.spool.log.tool;

import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * What a log's owner requires of a batch's records beyond what the engine checks (length, magic,
 * CRC, offsets): for an internal log such as the Kafka server's transaction log, that each record
 * decodes with the owner's codec, as its replay on open requires. The engine cannot know this; the
 * owner's module passes its decision down, and {@link LogRepair#plan(dev.spool.log.TopicPartition,
 * BatchContentCheck)} replaces a batch the check refuses as it replaces a damaged one. The check
 * should be the one {@code spool verify} reports with, so that what verify names is what repair
 * removes. Must not keep or change the buffer it is given.
 */
@FunctionalInterface
public interface BatchContentCheck {
    /** Accepts every batch: an ordinary topic's records mean nothing to the engine. */
    BatchContentCheck ANY = batch -> Optional.empty();

    /**
     * Why the batch's records cannot be used, or empty when they can.
     *
     * @param batch one whole batch, from 0 to its limit, that passed the engine's checks
     */
    Optional<String> problem(ByteBuffer batch);
}
