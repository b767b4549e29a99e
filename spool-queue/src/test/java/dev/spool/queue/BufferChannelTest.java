package dev.spool.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BufferChannelTest {
    @TempDir
    Path dir;

    @Test
    void aProducerAndAConsumerStageExchangeItemsInOrderThroughTheBuffer() throws Exception {
        ExecutorService waiters = Executors.newSingleThreadExecutor();
        try (BufferChannel channel = BufferChannel.open(dir, DiskBufferConfig.defaults("stage"), waiters)) {
            CompletableFuture<BufferItem> first = channel.receiver().receiveAsync();
            channel.sender().send("a".getBytes(StandardCharsets.UTF_8), Map.of("src", "x"));
            channel.sender().sendAsync("b".getBytes(StandardCharsets.UTF_8), Map.of()).join();
            BufferItem a = first.get(30, TimeUnit.SECONDS);
            assertThat(a.payload()).isEqualTo("a".getBytes(StandardCharsets.UTF_8));
            assertThat(a.metadata()).containsEntry("src", "x");
            BufferItem b = channel.receiver().receive(30, TimeUnit.SECONDS).orElseThrow();
            assertThat(b.sequence()).isEqualTo(1);
            channel.receiver().ack(b.sequence());
            assertThat(channel.buffer().sizeItems()).isZero();
        } finally {
            waiters.shutdownNow();
        }
    }

    @Test
    void closingTheChannelFailsAPendingReceive() throws Exception {
        ExecutorService waiters = Executors.newSingleThreadExecutor();
        try {
            BufferChannel channel = BufferChannel.open(dir, DiskBufferConfig.defaults("stage"), waiters);
            CompletableFuture<BufferItem> pending = channel.receiver().receiveAsync();
            channel.close();
            assertThatThrownBy(() -> pending.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(BufferClosedException.class);
        } finally {
            waiters.shutdownNow();
        }
    }
}
