package dev.spool.log.append;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.Durability;
import dev.spool.log.LogConfig;
import dev.spool.log.LogTest;
import dev.spool.log.io.FileIO;
import dev.spool.log.record.RecordBatch;
import dev.spool.log.segment.ChainFile;
import dev.spool.log.segment.HashChain;
import dev.spool.log.segment.SegmentSet;
import dev.spool.log.segment.SegmentSets;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Offsets, chain hashes and runs per segment, as the sequencer places a group. */
class SequencerTest {
    @TempDir
    Path tmp;

    private SegmentSet set(LogConfig config) throws IOException {
        return SegmentSets.create(FileIO.real(), tmp.resolve("t-0"), config, () -> 0L, Runnable::run);
    }

    private static PendingAppend pending(LogConfig config, ByteBuffer batches) {
        return PendingAppend.validated(batches, Durability.NONE, config, "t-0", true);
    }

    @Test
    void placesAGroupAtTheLogEndStampingOnlyBaseOffsetsAndReturnsWhereEachAppendLands() throws IOException {
        LogConfig config = LogConfig.defaults();
        SegmentSet set = set(config);
        SegmentSets.write(set, new Sequencer(set, false, null, ChainFile.VERSION), config, 0L, LogTest.batch(1, "x"));
        Sequencer sequencer = new Sequencer(set, false, null, ChainFile.VERSION);
        ByteBuffer two = LogTest.batch(1, "a", "b");
        ByteBuffer three = LogTest.batch(2, "c", "d", "e");
        int positionBefore = two.position();
        List<PendingAppend> group = List.of(pending(config, two), pending(config, three));

        Sequencer.Run run = sequencer.place(group, 0, config, 0L);

        assertThat(run.segment()).isSameAs(set.active());
        assertThat(run.from()).isZero();
        assertThat(run.count()).isEqualTo(2);
        assertThat(run.end()).isEqualTo(2);
        assertThat(run.lastOffset()).isEqualTo(5);
        int firstPosition = set.active().sizeBytes();
        assertThat(run.placements()[0]).satisfies(p -> {
            assertThat(p.firstOffset()).isEqualTo(1);
            assertThat(p.lastOffset()).isEqualTo(2);
            assertThat(p.segmentBaseOffset()).isZero();
            assertThat(p.position()).isEqualTo(firstPosition);
            assertThat(p.chainHash()).isEmpty();
        });
        assertThat(run.placements()[1].firstOffset()).isEqualTo(3);
        assertThat(run.placements()[1].position()).isEqualTo(firstPosition + two.remaining());
        assertThat(RecordBatch.baseOffset(two, 0)).isEqualTo(1);
        assertThat(RecordBatch.baseOffset(three, 0)).isEqualTo(3);
        assertThat(two.position()).isEqualTo(positionBefore);
        assertThat(group).allSatisfy(append -> assertThat(append.placement()).isNull());
        assertThat(set.logEndOffset()).as("placing publishes nothing").isEqualTo(1);
    }

    @Test
    void aRunStopsWhereTheSegmentIsFullAndTheNextRunStartsInANewSegmentAtTheEnd() throws IOException {
        int batchBytes = LogTest.batch(1, "a").remaining();
        LogConfig config = LogConfig.defaults().withSegmentBytes(batchBytes * 2);
        SegmentSet set = set(config);
        Sequencer sequencer = new Sequencer(set, false, null, ChainFile.VERSION);
        List<PendingAppend> group = List.of(pending(config, LogTest.batch(1, "a")),
                pending(config, LogTest.batch(1, "b")), pending(config, LogTest.batch(1, "c")));

        Sequencer.Run first = sequencer.place(group, 0, config, 0L);
        assertThat(first.count()).isEqualTo(2);
        set.append(first.segment(), first.buffers(), first.count(), first.lastOffset(), 0L, Integer.MAX_VALUE);
        Sequencer.Run second = sequencer.place(group, first.end(), config, 0L);

        assertThat(second.from()).isEqualTo(2);
        assertThat(second.count()).isEqualTo(1);
        assertThat(second.segment().baseOffset()).isEqualTo(2);
        assertThat(set.segments().keySet()).containsExactly(0L, 2L);
        assertThat(second.placements()[0].position()).isZero();
        assertThat(second.placements()[0].firstOffset()).isEqualTo(2);
    }

    @Test
    void anEmptyActiveSegmentIsNeverRolledEvenWhenOld() throws IOException {
        LogConfig config = LogConfig.defaults().withSegmentMs(10);
        SegmentSet set = set(config);
        Sequencer sequencer = new Sequencer(set, false, null, ChainFile.VERSION);
        Sequencer.Run run = sequencer.place(List.of(pending(config, LogTest.batch(1, "a"))), 0, config, 1_000_000L);
        assertThat(run.segment().baseOffset()).isZero();
        set.append(run.segment(), run.buffers(), run.count(), run.lastOffset(), 1_000_000L, Integer.MAX_VALUE);
        Sequencer.Run aged = sequencer.place(List.of(pending(config, LogTest.batch(1, "b"))), 0, config, 2_000_000L);
        assertThat(aged.segment().baseOffset()).as("the segment holding data is past its age").isEqualTo(1);
    }

    @Test
    void chainHashesStepOverTheStampedBatchesAndAnchorTheNextSegment() throws IOException {
        LogConfig config = LogConfig.defaults().withHashChain(true);
        SegmentSet set = set(config);
        Sequencer sequencer = new Sequencer(set, true, HashChain.genesis(), ChainFile.VERSION);
        ByteBuffer a = LogTest.batch(1, "a");
        ByteBuffer b = LogTest.batch(1, "b", "c");
        List<PendingAppend> group = SegmentSets.write(set, sequencer, config, 0L, a, b);

        byte[] expected = HashChain.genesis();
        HashChain chain = new HashChain();
        chain.step(ChainFile.VERSION, expected, a.duplicate());
        byte[] afterA = expected.clone();
        chain.step(ChainFile.VERSION, expected, b.duplicate());
        assertThat(group).allSatisfy(append -> assertThat(append.placement()).isNull());
        assertThat(sequencer.chainHeadHex()).isEqualTo(HashChain.hex(expected));
        assertThat(set.active().chain().lastHash()).isEqualTo(expected);

        sequencer.roll("test", config);
        assertThat(set.active().baseOffset()).isEqualTo(3);
        assertThat(set.active().chain().lastHash()).as("the new segment's anchor").isEqualTo(expected);

        sequencer.truncated(set.segments().firstEntry().getValue());
        assertThat(sequencer.chainHeadHex()).isEqualTo(HashChain.hex(expected));
        assertThat(afterA).isNotEqualTo(expected);
    }

    /**
     * In the current chain format the writer only links a large batch: it takes the batch's content
     * digest from the append, as the caller's thread took it ({@link PendingAppend#digestContents}),
     * and does not read the content again. Shown by changing a value byte after the digest was taken
     * (which the append's contract forbids): the link is the one of the bytes as they were digested.
     * A small batch, an append without digests, and a log in the first format are hashed in the
     * writer from the bytes as stored.
     */
    @Test
    void theWriterLinksTheCallersContentDigestsAndHashesWhatCameWithout() throws IOException {
        LogConfig config = LogConfig.defaults().withHashChain(true);
        SegmentSet set = set(config);
        Sequencer sequencer = new Sequencer(set, true, HashChain.genesis(), ChainFile.VERSION_2);
        assertThat(sequencer.contentDigestedByCallers()).isTrue();
        ByteBuffer one = LogTest.batch(1, "a"); // small: linked whole
        ByteBuffer two = LogTest.batch(1, "b".repeat(3000), "c".repeat(2000)); // large: linked by its digest
        int oneBytes = one.remaining();
        ByteBuffer both = ByteBuffer.allocate(oneBytes + two.remaining()).put(one).put(two).flip();
        PendingAppend digested = pending(config, both).digestContents(true);
        ByteBuffer asDigested = ByteBuffer.allocate(both.remaining()).put(both.duplicate()).flip();
        int lastValueByte = both.limit() - 2; // the second batch's last value byte, before its header count
        both.put(lastValueByte, (byte) (both.get(lastValueByte) ^ 1));
        Sequencer.Run run = sequencer.place(List.of(digested), 0, config, 0L);
        set.append(run.segment(), run.buffers(), run.count(), run.lastOffset(), 0L, config.segmentBytes());

        HashChain chain = new HashChain();
        byte[] expected = HashChain.genesis();
        asDigested.putLong(0, 0L).putLong(oneBytes, 1L); // the offsets the sequencer stamped
        chain.step(ChainFile.VERSION_2, expected, asDigested.duplicate().limit(oneBytes));
        chain.step(ChainFile.VERSION_2, expected, asDigested.duplicate().position(oneBytes));
        assertThat(run.placements()[0].chainHash()).isEqualTo(expected);

        PendingAppend undigested = pending(config, LogTest.batch(1, "d".repeat(5000)));
        ByteBuffer stored = undigested.batches.duplicate();
        run = sequencer.place(List.of(undigested.digestContents(false)), 0, config, 0L);
        chain.step(ChainFile.VERSION_2, expected, stored);
        assertThat(run.placements()[0].chainHash()).as("digested by the writer").isEqualTo(expected);

        Sequencer first = new Sequencer(set, true, HashChain.genesis(), ChainFile.VERSION_1);
        assertThat(first.contentDigestedByCallers()).as("the first format links whole batches").isFalse();
    }

    @Test
    void aLogWithoutAChainPlacesEmptyHashes() throws IOException {
        LogConfig config = LogConfig.defaults();
        SegmentSet set = set(config);
        Sequencer sequencer = new Sequencer(set, false, null, ChainFile.VERSION);
        Sequencer.Run run = sequencer.place(List.of(pending(config, LogTest.batch(1, "a"))), 0, config, 0L);
        assertThat(run.placements()[0].chainHash()).isEmpty();
        assertThat(sequencer.chainHeadHex()).isEmpty();
    }
}
