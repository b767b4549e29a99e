package dev.spool.log.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.LogTest;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The two link formats of {@link HashChain}, each against SHA-256 applied by hand. */
class HashChainFormatTest {
    private static final byte[] PREVIOUS = new byte[HashChain.HASH_BYTES];

    static {
        Arrays.fill(PREVIOUS, (byte) 7);
    }

    private static byte[] sha256(byte[]... parts) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        for (byte[] part : parts) {
            digest.update(part);
        }
        return digest.digest();
    }

    /**
     * A stored batch larger than {@link HashChain#WHOLE_BATCH_BYTES_MAX}: base offset 1234 stamped,
     * in a buffer that does not start at 0.
     */
    private static ByteBuffer batch() {
        return batch("first".repeat(500), "second", "third".repeat(400));
    }

    private static ByteBuffer batch(String... values) {
        ByteBuffer encoded = LogTest.batch(1_000L, values);
        ByteBuffer padded = ByteBuffer.allocate(encoded.remaining() + 9);
        padded.position(9);
        padded.put(encoded).flip().position(9);
        padded.putLong(9, 1234L);
        return padded;
    }

    private static byte[] bytes(ByteBuffer batch, int from, int to) {
        byte[] out = new byte[to - from];
        batch.duplicate().position(batch.position() + from).get(out);
        return out;
    }

    @Test
    void theFirstFormatHashesThePreviousLinkAndTheWholeBatch() throws Exception {
        ByteBuffer batch = batch();
        byte[] hash = PREVIOUS.clone();
        new HashChain().step(ChainFile.VERSION_1, hash, batch);
        assertThat(hash).isEqualTo(sha256(PREVIOUS, bytes(batch, 0, batch.remaining())));
        assertThat(batch.position()).isEqualTo(9);
    }

    @Test
    void theSecondFormatLinksASmallBatchWholeAsTheFirstDoes() throws Exception {
        ByteBuffer small = batch("first", "second", "third");
        assertThat(HashChain.linkedWhole(small.remaining())).isTrue();
        byte[] hash = PREVIOUS.clone();
        new HashChain().step(ChainFile.VERSION_2, hash, small);
        assertThat(hash).isEqualTo(sha256(PREVIOUS, bytes(small, 0, small.remaining())));
        assertThat(HashChain.linkedWhole(HashChain.WHOLE_BATCH_BYTES_MAX)).isTrue();
        assertThat(HashChain.linkedWhole(HashChain.WHOLE_BATCH_BYTES_MAX + 1)).isFalse();
    }

    @Test
    void theSecondFormatHashesALargeBatchsHeaderAndADigestOfTheRest() throws Exception {
        ByteBuffer batch = batch();
        assertThat(HashChain.linkedWhole(batch.remaining())).isFalse();
        byte[] content = sha256(bytes(batch, 21, batch.remaining()));
        byte[] expected = sha256(PREVIOUS, bytes(batch, 0, 21), content);

        byte[] stepped = PREVIOUS.clone();
        HashChain chain = new HashChain();
        chain.step(ChainFile.VERSION_2, stepped, batch);
        assertThat(stepped).isEqualTo(expected);

        byte[] digests = new byte[40]; // taken apart, as the caller and the writer do, at an offset in the array
        chain.content(batch, digests, 8);
        assertThat(Arrays.copyOfRange(digests, 8, 40)).isEqualTo(content);
        byte[] linked = PREVIOUS.clone();
        chain.link(linked, batch, digests, 8);
        assertThat(linked).isEqualTo(expected);
        assertThat(batch.position()).isEqualTo(9);
        assertThat(batch.limit()).isEqualTo(9 + bytes(batch, 0, batch.remaining()).length);
    }

    @Test
    void aBatchInPiecesChainsAsTheSameBatchInOneBuffer() {
        ByteBuffer batch = batch();
        ByteBuffer small = batch("first", "second", "third");
        byte[] smallWhole = PREVIOUS.clone();
        new HashChain().step(ChainFile.VERSION_2, smallWhole, small);
        byte[] smallPieces = PREVIOUS.clone();
        new HashChain().step(ChainFile.VERSION_2, smallPieces, new ByteBuffer[] {
                small.duplicate().limit(small.position() + 70), small.duplicate().position(small.position() + 70)});
        assertThat(smallPieces).isEqualTo(smallWhole);
        ByteBuffer[] pieces = {batch.duplicate().limit(batch.position() + 30), // the header whole in the first
                batch.duplicate().position(batch.position() + 30).limit(batch.position() + 50),
                batch.duplicate().position(batch.position() + 50)};
        HashChain chain = new HashChain();
        for (short version : new short[] {ChainFile.VERSION_1, ChainFile.VERSION_2}) {
            byte[] whole = PREVIOUS.clone();
            chain.step(version, whole, batch);
            byte[] inPieces = PREVIOUS.clone();
            chain.step(version, inPieces, pieces);
            assertThat(inPieces).as("version %d", version).isEqualTo(whole);
        }
        byte[] content = new byte[HashChain.HASH_BYTES];
        chain.content(pieces, content, 0);
        byte[] expected = new byte[HashChain.HASH_BYTES];
        chain.content(batch, expected, 0);
        assertThat(content).isEqualTo(expected);
    }

    @Test
    void stepWithBaseOffsetHashesTheBatchAsIfRenumbered() {
        for (ByteBuffer batch : new ByteBuffer[] {batch(), batch("small")}) {
            stepWithBaseOffsetHashesAsIfRenumbered(batch);
        }
    }

    private static void stepWithBaseOffsetHashesAsIfRenumbered(ByteBuffer batch) {
        ByteBuffer renumbered = ByteBuffer.allocate(batch.remaining()).put(batch.duplicate()).flip();
        renumbered.putLong(0, 99L);
        HashChain chain = new HashChain();
        for (short version : new short[] {ChainFile.VERSION_1, ChainFile.VERSION_2}) {
            byte[] expected = PREVIOUS.clone();
            chain.step(version, expected, renumbered);
            byte[] actual = PREVIOUS.clone();
            chain.stepWithBaseOffset(version, actual, batch, 99L);
            assertThat(actual).as("version %d", version).isEqualTo(expected);
            byte[] asStored = PREVIOUS.clone();
            chain.step(version, asStored, batch);
            assertThat(actual).as("version %d: the offset is part of the link", version).isNotEqualTo(asStored);
        }
    }

    @Test
    void anUnknownFormatIsRefused() {
        assertThatThrownBy(() -> new HashChain().step((short) 3, PREVIOUS.clone(), batch()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3");
    }
}
