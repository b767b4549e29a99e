package dev.spool.log.compaction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class OffsetMapTest {
    private static ByteBuffer key(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void keepsTheLatestOffsetPerKeyUpToItsCapacity() {
        OffsetMap map = new OffsetMap(24 * 100);
        assertThat(map.capacity()).isEqualTo(90);
        for (int i = 0; i < map.capacity(); i++) {
            map.put(key("k" + i), i);
        }
        map.put(key("k3"), 1000);
        assertThat(map.isFull()).isTrue();
        assertThat(map.get(key("k3"))).isEqualTo(1000);
        assertThat(map.get(key("k0"))).isZero();
        assertThat(map.get(key("k89"))).isEqualTo(89);
        assertThat(map.get(key("absent"))).isEqualTo(-1);
        assertThatThrownBy(() -> map.put(key("one more"), 5)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("full at 90 keys");
        map.clear();
        assertThat(map.size()).isZero();
        assertThat(map.get(key("k3"))).isEqualTo(-1);
    }

    @Test
    void anEmptyKeyIsAKeyAndTheKeysPositionIsLeftAlone() {
        OffsetMap map = new OffsetMap(1024);
        ByteBuffer empty = ByteBuffer.allocate(0);
        ByteBuffer k = key("xk").position(1);
        map.put(empty, 7);
        map.put(k, 8);
        assertThat(map.get(ByteBuffer.allocate(0))).isEqualTo(7);
        assertThat(map.get(key("k"))).isEqualTo(8);
        assertThat(k.position()).isEqualTo(1);
    }

    @Test
    void aBudgetBelowTwoSlotsIsRefused() {
        assertThatThrownBy(() -> new OffsetMap(47)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("47 bytes");
    }
}
