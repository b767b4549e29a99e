package dev.spool.kafka.network;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The framing, the pool's reservations and waits, and the read deadline, on an embedded channel. */
class FrameDecoderTest {
    private static final long READ_MS_MAX = 1_000;

    /** What reaches the handler after the decoder. */
    private static final class Collector extends ChannelInboundHandlerAdapter {
        final List<RequestFrame> frames = new ArrayList<>();
        final List<Object> events = new ArrayList<>();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            frames.add((RequestFrame) msg);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            events.add(event);
        }
    }

    private final Collector collector = new Collector();

    private EmbeddedChannel channel(RequestMemoryPool pool, int requestBytesMax) {
        return channel(pool, requestBytesMax, collector);
    }

    private static EmbeddedChannel channel(RequestMemoryPool pool, int requestBytesMax, Collector collector) {
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(8, requestBytesMax, READ_MS_MAX, pool), collector);
        channel.freezeTime();
        return channel;
    }

    private static byte[] body(Random random, int size) {
        byte[] bytes = new byte[size];
        random.nextBytes(bytes);
        return bytes;
    }

    private static ByteBuf framed(byte[]... bodies) {
        ByteBuf out = Unpooled.buffer();
        for (byte[] body : bodies) {
            out.writeInt(body.length).writeBytes(body);
        }
        return out;
    }

    private static byte[] bytesOf(RequestFrame frame) {
        ByteBuffer buffer = frame.buffer();
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }

    @Test
    void framesAreSplitWhereverTheReadsEndAndEachIsReservedUntilReleased() {
        RequestMemoryPool pool = new RequestMemoryPool(1 << 20, 1 << 16);
        EmbeddedChannel channel = channel(pool, 1 << 16);
        Random random = new Random(7);
        byte[][] bodies = {body(random, 8), body(random, 3_000), body(random, 9), body(random, 40_000)};
        ByteBuf all = framed(bodies);
        while (all.isReadable()) { // reads of 1 to 700 bytes, cutting prefixes and bodies anywhere
            channel.writeInbound(all.readRetainedSlice(Math.min(all.readableBytes(), 1 + random.nextInt(700))));
        }
        all.release();

        assertThat(collector.frames).hasSize(bodies.length);
        long total = 0;
        for (int i = 0; i < bodies.length; i++) {
            assertThat(bytesOf(collector.frames.get(i))).isEqualTo(bodies[i]);
            total += bodies[i].length;
        }
        assertThat(pool.reservedBytes()).isEqualTo(total);
        collector.frames.forEach(RequestFrame::release);
        collector.frames.forEach(RequestFrame::release); // twice is harmless
        assertThat(pool.reservedBytes()).isZero();
        channel.advanceTimeBy(2 * READ_MS_MAX, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(channel.isActive()).as("no deadline between frames").isTrue();
        channel.finishAndReleaseAll();
    }

    @Test
    void aLengthOutsideTheLimitsClosesTheConnectionWithoutReserving() {
        for (int length : new int[] {7, (1 << 16) + 1, -1, Integer.MIN_VALUE}) {
            RequestMemoryPool pool = new RequestMemoryPool(1 << 20, 1 << 16);
            EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(8, 1 << 16, READ_MS_MAX, pool));
            channel.writeInbound(Unpooled.buffer().writeInt(length).writeBytes(new byte[20]));
            assertThat(channel.isOpen()).as("length %d", length).isFalse();
            assertThat(pool.reservedBytes()).isZero();
            assertThat((Object) channel.readInbound()).isNull();
        }
    }

    @Test
    void aFrameThatDoesNotFitStopsReadingAndIsPassedOnWhenRoomReturnsWithoutMoreBytes() {
        RequestMemoryPool pool = new RequestMemoryPool(100, 100);
        EmbeddedChannel channel = channel(pool, 100);
        Random random = new Random(11);
        byte[] first = body(random, 80);
        byte[] second = body(random, 30);
        channel.writeInbound(framed(first, second)); // both whole in one read

        assertThat(collector.frames).hasSize(1);
        assertThat(collector.events).containsExactly(FrameDecoder.MemoryWait.STARTED);
        assertThat(channel.config().isAutoRead()).isFalse();
        assertThat(pool.waitingCount()).isEqualTo(1);
        // Waiting for the pool is the server's doing: the read deadline does not run meanwhile.
        channel.advanceTimeBy(10 * READ_MS_MAX, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(channel.isActive()).isTrue();

        collector.frames.get(0).release();
        channel.runPendingTasks();
        assertThat(collector.frames).hasSize(2);
        assertThat(bytesOf(collector.frames.get(1))).isEqualTo(second);
        assertThat(collector.events).containsExactly(FrameDecoder.MemoryWait.STARTED, FrameDecoder.MemoryWait.ENDED);
        assertThat(pool.reservedBytes()).isEqualTo(30);
        collector.frames.get(1).release();
        channel.finishAndReleaseAll();
    }

    @Test
    void aGrantedFrameGetsAFreshDeadlineAndAStalledOneIsClosedAndReleased() {
        RequestMemoryPool pool = new RequestMemoryPool(100, 100);
        EmbeddedChannel holder = channel(pool, 100);
        holder.writeInbound(framed(new byte[90]));
        EmbeddedChannel stalled = channel(pool, 100, new Collector());
        stalled.writeInbound(Unpooled.buffer().writeInt(50).writeBytes(new byte[10])); // waits for room

        collector.frames.get(0).release();
        stalled.runPendingTasks();
        assertThat(pool.reservedBytes()).isEqualTo(50);
        stalled.advanceTimeBy(READ_MS_MAX - 1, TimeUnit.MILLISECONDS);
        stalled.runScheduledPendingTasks();
        assertThat(stalled.isActive()).isTrue();
        stalled.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        stalled.runScheduledPendingTasks();
        assertThat(stalled.isActive()).isFalse();
        assertThat(pool.reservedBytes()).isZero();
        holder.finishAndReleaseAll();
    }

    @Test
    void closingGivesBackAPartlyReadFrameAndCancelsAWait() {
        RequestMemoryPool pool = new RequestMemoryPool(100, 100);
        EmbeddedChannel partial = channel(pool, 100);
        partial.writeInbound(Unpooled.buffer().writeInt(70).writeBytes(new byte[5]));
        Collector other = new Collector();
        EmbeddedChannel waiting = channel(pool, 100, other);
        waiting.writeInbound(Unpooled.buffer().writeInt(60).writeBytes(new byte[60]));
        assertThat(pool.reservedBytes()).isEqualTo(70);
        assertThat(pool.waitingCount()).isEqualTo(1);

        waiting.close();
        assertThat(pool.waitingCount()).isZero();
        partial.close();
        assertThat(pool.reservedBytes()).isZero();
        assertThat(collector.frames).isEmpty();
        assertThat(other.frames).isEmpty();
    }
}
