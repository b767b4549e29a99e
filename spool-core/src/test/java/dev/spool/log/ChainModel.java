package dev.spool.log;

import dev.spool.log.record.RecordBatch;
import dev.spool.log.segment.SegmentFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The hash chain recomputed the simplest way, independently of the engine: every {@code .log}
 * of a partition in name order, from a given anchor, per batch SHA-256(previous || batch bytes
 * [0, 21) || SHA-256(batch bytes [21, end))) as new logs chain a batch of more than 4096 bytes,
 * or SHA-256(previous || batch bytes) as they chain a smaller one and as logs of the first format
 * chain every batch.
 */
final class ChainModel {
    /** One link: the batch's offsets, where it is, and the chain after it. */
    record Link(long baseOffset, long lastOffset, long segmentBaseOffset, long position, byte[] hash) {
    }

    private ChainModel() {
    }

    static List<Link> links(Path dir, byte[] anchor) throws IOException {
        return links(dir, anchor, false);
    }

    /** As {@link #links(Path, byte[])}, in the first format when {@code firstFormat}. */
    static List<Link> links(Path dir, byte[] anchor, boolean firstFormat) throws IOException {
        List<Path> logs;
        try (Stream<Path> files = Files.list(dir)) {
            logs = files.filter(p -> p.getFileName().toString().endsWith(SegmentFiles.LOG_SUFFIX)).sorted().toList();
        }
        List<Link> out = new ArrayList<>();
        byte[] previous = anchor.clone();
        for (Path log : logs) {
            long segmentBase = SegmentFiles.baseOffsetOf(log.getFileName().toString(), SegmentFiles.LOG_SUFFIX)
                    .getAsLong();
            ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(log));
            for (int at = 0; at + RecordBatch.LOG_OVERHEAD_BYTES <= bytes.limit(); ) {
                if (RecordBatch.batchLength(bytes, at) == 0) {
                    break; // an active segment's space allocated ahead: its batches end here
                }
                int size = RecordBatch.sizeInBytes(bytes, at);
                previous = firstFormat || size <= 4096 ? sha256(previous, bytes.array(), at, size)
                        : sha256(concat(previous, java.util.Arrays.copyOfRange(bytes.array(), at, at + 21)),
                        sha256(new byte[0], bytes.array(), at + 21, size - 21), 0, 32);
                out.add(new Link(RecordBatch.baseOffset(bytes, at), RecordBatch.lastOffset(bytes, at), segmentBase,
                        at, previous));
                at += size;
            }
        }
        return out;
    }

    static List<Link> links(Path dir) throws IOException {
        return links(dir, new byte[32]);
    }

    static byte[] head(Path dir) throws IOException {
        List<Link> links = links(dir);
        return links.isEmpty() ? new byte[32] : links.get(links.size() - 1).hash();
    }

    /** The link whose batch holds {@code lastOffset} as its last offset. */
    static Link at(List<Link> links, long lastOffset) {
        return links.stream().filter(l -> l.lastOffset() == lastOffset).findFirst().orElseThrow();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    static byte[] sha256(byte[] previous, byte[] bytes, int from, int length) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(previous);
            digest.update(bytes, from, length);
            return digest.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
