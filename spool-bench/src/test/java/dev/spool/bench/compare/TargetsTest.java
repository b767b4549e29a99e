package dev.spool.bench.compare;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A target's ceiling is there only when the run measured what it is made of: a run without the raw
 * section still reports its targets, with no ceiling, and the chain's ceiling never passes 100%.
 */
class TargetsTest {
    private static Map<String, Double> chainCell(double plainMBps) {
        Map<String, Double> index = new HashMap<>();
        index.put("append.none.100x100.spool.recps", 9e6);
        index.put("append.none.100x100.spool.MBps", plainMBps);
        index.put("append.none.100x100.spool-chain.recps", 4e6);
        return index;
    }

    private static Targets.Target chain(Map<String, Double> index) {
        List<Targets.Target> targets = Targets.of(index);
        assertThat(targets).hasSize(1);
        return targets.get(0);
    }

    @Test
    void withoutTheRawSectionATargetHasNoCeiling() {
        Targets.Target target = chain(chainCell(1000));

        assertThat(target.ceilingText()).isEmpty();
        assertThat(target.json()).doesNotContainKey("ceiling");
    }

    @Test
    void theChainCeilingIsTwoCoresOfWorkAndNeverAboveAll() {
        Map<String, Double> index = chainCell(1000);
        index.put("raw.sha256.MBps", 500.0);
        assertThat(chain(index).ceiling()).isEqualTo(2 * 500.0 / 1500); // 67%
        assertThat(chain(index).json()).containsEntry("ceiling", 2 * 500.0 / 1500);

        index.put("raw.sha256.MBps", 4000.0); // hashing faster than appending: both cores leave room
        assertThat(chain(index).ceilingText()).isEqualTo("100%");
    }
}
