package dev.spool.kafka.protocol;

import io.netty.channel.FileRegion;
import org.apache.kafka.common.record.internal.BaseRecords;
import org.apache.kafka.common.record.internal.RecordsSend;

/**
 * Stored batches to send from their segment file without copying them through the heap: a Netty
 * {@link FileRegion} dressed as kafka-clients' {@link BaseRecords} so a generated
 * {@code FetchResponseData} can carry it. Only {@link ByteBufWritable} knows how to write one; it
 * takes the region out (once) and hands it to the channel, which then owns it.
 */
public final class FileRecordsSlice implements BaseRecords {
    private final FileRegion region;
    private final int sizeBytes;
    private boolean taken;

    public FileRecordsSlice(FileRegion region) {
        if (region.count() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("A records slice holds at most 2 GiB, not " + region.count());
        }
        this.region = region;
        this.sizeBytes = (int) region.count();
    }

    @Override
    public int sizeInBytes() {
        return sizeBytes;
    }

    /** Not used: responses go through {@link ByteBufWritable}, never kafka-clients' own sends. */
    @Override
    public RecordsSend<? extends BaseRecords> toSend() {
        throw new UnsupportedOperationException("FileRecordsSlice is written by ByteBufWritable only");
    }

    FileRegion takeRegion() {
        if (taken) {
            throw new IllegalStateException("The region of this slice was already written");
        }
        taken = true;
        return region;
    }

    /** Releases the region if no response took it (the response was dropped). */
    public void releaseIfUnsent() {
        if (!taken) {
            taken = true;
            region.release();
        }
    }
}
