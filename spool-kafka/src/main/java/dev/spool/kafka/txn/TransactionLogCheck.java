package dev.spool.kafka.txn;

import dev.spool.kafka.InternalLogCheck;
import dev.spool.log.io.FileIO;
import dev.spool.log.tool.BatchContentCheck;
import dev.spool.log.tool.DataDirCheck;
import dev.spool.log.tool.LogVerifier;
import dev.spool.log.tool.LogVerifier.Finding;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * {@code spool verify}'s check of the transaction coordinator's log ({@code __transaction_state}
 * in the data directory, {@link TransactionStore}): its segments and indexes get every check of
 * {@link LogVerifier}, and each record of its valid batches must decode with
 * {@link TransactionLogCodec}, as the replay on open requires (a record that does not, a control
 * batch among them, is an {@code ERROR FILE_CORRUPT} naming the segment, position and offset, and
 * {@code spool repair __transaction_state}). No directory: nothing to check (no transactional
 * producer ever started). Read-only, no lock. The walk is {@link InternalLogCheck}'s.
 */
public final class TransactionLogCheck implements DataDirCheck {
    private final InternalLogCheck check;

    public TransactionLogCheck(FileIO io) {
        this.check = new InternalLogCheck(io, new InternalLogCheck.Spec(TransactionStore.DIR_NAME, TransactionStore.SEGMENT_BYTES,
                "transaction record", "the server cannot replay the transactions' states", false, record -> {
                    try {
                        TransactionLogCodec.decode(record.key().orElse(null), record.value().orElse(null));
                        return Optional.empty();
                    } catch (TransactionLogCodec.MalformedRecordException e) {
                        return Optional.of(e.getMessage());
                    }
                }));
    }

    @Override
    public List<Finding> check(Path dataDir) throws IOException {
        return check.check(dataDir);
    }

    /** What {@code spool repair __transaction_state} removes: a batch this check reports ({@link InternalLogCheck#contents}). */
    public BatchContentCheck contents() {
        return check.contents();
    }
}
