package dev.spool.kafka.group;

import dev.spool.kafka.InternalLogCheck;
import dev.spool.log.io.FileIO;
import dev.spool.log.record.EndTransactionMarker;
import dev.spool.log.tool.BatchContentCheck;
import dev.spool.log.tool.DataDirCheck;
import dev.spool.log.tool.LogVerifier;
import dev.spool.log.tool.LogVerifier.Finding;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * {@code spool verify}'s check of the committed-offsets log ({@code __consumer_offsets} in the
 * data directory, {@link OffsetStore}): its segments and indexes get every check of
 * {@link LogVerifier}, and each record of its valid batches must decode with
 * {@link OffsetRecordCodec}, and each control batch as a transaction marker
 * ({@link EndTransactionMarker}), as the replay on open requires (a record that does not is an
 * {@code ERROR FILE_CORRUPT} naming the segment, position and offset). No directory: nothing to
 * check (no group ever committed). Read-only, no lock. The walk is {@link InternalLogCheck}'s.
 */
public final class OffsetsLogCheck implements DataDirCheck {
    /** The offsets log's directory under the data directory. */
    public static final String DIR_NAME = "__consumer_offsets";

    private final InternalLogCheck check;

    public OffsetsLogCheck(FileIO io) {
        this.check = new InternalLogCheck(io, new InternalLogCheck.Spec(DIR_NAME, OffsetStore.SEGMENT_BYTES,
                "offsets record", "the server cannot replay the committed offsets", true, record -> {
                    try {
                        OffsetRecordCodec.decode(record.key().orElse(null), record.value().orElse(null));
                        return Optional.empty();
                    } catch (OffsetRecordCodec.MalformedRecordException e) {
                        return Optional.of(e.getMessage());
                    }
                }));
    }

    @Override
    public List<Finding> check(Path dataDir) throws IOException {
        return check.check(dataDir);
    }

    /** What {@code spool repair __consumer_offsets} removes: a batch this check reports ({@link InternalLogCheck#contents}). */
    public BatchContentCheck contents() {
        return check.contents();
    }
}
