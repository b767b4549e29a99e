package dev.spool.kafka.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.List;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ObjectSerializationCache;

/**
 * Encodes a {@link Response} as a Kafka response frame: a 4-byte size, the response header at its
 * version, then the body at its version, all through the generated classes' own
 * {@code size}/{@code write} (one {@link ObjectSerializationCache} shared by both, as they
 * require). Returns the frame as parts to write in order (see {@link ByteBufWritable}).
 */
public final class ResponseEncoder {
    private ResponseEncoder() {
    }

    public static List<Object> encode(Response response, ByteBufAllocator allocator) {
        ObjectSerializationCache cache = new ObjectSerializationCache();
        ResponseHeaderData header = new ResponseHeaderData().setCorrelationId(response.correlationId());
        int headerBytes = header.size(cache, response.headerVersion());
        int bodyBytes = response.body().size(cache, response.version());
        int frameBytes = headerBytes + bodyBytes;
        ByteBufWritable out = new ByteBufWritable(allocator, 4 + Math.min(frameBytes, 64 << 10));
        try {
            out.writeInt(frameBytes);
            header.write(out, cache, response.headerVersion());
            response.body().write(out, cache, response.version());
            List<Object> parts = out.finish();
            long written = 0;
            for (Object part : parts) {
                written += part instanceof ByteBuf buf ? buf.readableBytes()
                        : ((io.netty.channel.FileRegion) part).count();
            }
            if (written != 4L + frameBytes) {
                throw new IllegalStateException("Encoded " + response.apiKey() + " v" + response.version() + " as "
                        + written + " bytes, but its size said " + (4L + frameBytes));
            }
            return parts;
        } catch (RuntimeException e) {
            out.discard();
            throw e;
        }
    }
}
