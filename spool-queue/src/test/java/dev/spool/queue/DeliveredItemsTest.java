package dev.spool.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DeliveredItemsTest {
    @Test
    void sumsTheSizesOfTheItemsAnAcknowledgementCoversAcrossGrowthAndWrapping() {
        DeliveredItems items = new DeliveredItems();
        long next = 7;
        long expectedSum = 0;
        // Deliver and acknowledge in uneven runs, so the ring wraps, then grows past its first size while wrapped.
        for (int round = 0; round < 6; round++) {
            int run = 100 + round * 150;
            for (int i = 0; i < run; i++) {
                items.add(next, (int) (next % 1000));
                next++;
            }
            long through = next - 1 - round * 20L; // leave some delivered items unacknowledged
            int count = items.countThrough(through);
            long first = through - count + 1;
            expectedSum = 0;
            for (long s = first; s <= through; s++) {
                expectedSum += s % 1000;
            }
            assertThat(items.removeOldest(count)).isEqualTo(expectedSum);
            assertThat(items.countThrough(through)).isZero();
            assertThat(items.countThrough(next - 1)).isEqualTo((int) (next - 1 - through));
        }
        assertThat(items.countThrough(0)).isZero();
    }

    @Test
    void refusesAnItemThatDoesNotFollowTheNewest() {
        DeliveredItems items = new DeliveredItems();
        items.add(3, 10);
        assertThatThrownBy(() -> items.add(5, 10)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("does not follow item 3");
    }
}
