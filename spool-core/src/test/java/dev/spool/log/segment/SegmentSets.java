package dev.spool.log.segment;

import dev.spool.log.Durability;
import dev.spool.log.LogConfig;
import dev.spool.log.append.PendingAppend;
import dev.spool.log.append.Sequencer;
import dev.spool.log.io.FileIO;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;

/** Builds segment sets for tests, and writes to them the way the append pipeline does. */
public final class SegmentSets {
    private SegmentSets() {
    }

    /** A new set in {@code dir} with one empty segment at offset 0 (the hash chain from genesis if asked). */
    public static SegmentSet create(FileIO io, Path dir, LogConfig config, LongSupplier clockMs, Executor executor)
            throws IOException {
        io.createDirectories(dir);
        Segment first = Segment.create(io, dir, 0, config.indexIntervalBytes(), config.segmentIndexBytes(),
                clockMs.getAsLong(), config.hashChain() ? HashChain.genesis() : null, ChainFile.VERSION,
                java.util.Optional.empty());
        return new SegmentSet(io, dir, List.of(first), 0, 0, 0, clockMs, executor);
    }

    /** Places and writes {@code batches} as one group at time {@code nowMs}; returns where each landed. */
    public static List<PendingAppend> write(SegmentSet set, Sequencer sequencer, LogConfig config, long nowMs,
                                            ByteBuffer... batches) throws IOException {
        List<PendingAppend> group = new ArrayList<>();
        for (ByteBuffer batch : batches) {
            group.add(PendingAppend.validated(batch, Durability.NONE, config, "test", true));
        }
        for (int i = 0; i < group.size(); ) {
            Sequencer.Run run = sequencer.place(group, i, config, nowMs);
            set.append(run.segment(), run.buffers(), run.count(), run.lastOffset(), nowMs, config.segmentBytes());
            i = run.end();
        }
        return group;
    }
}
