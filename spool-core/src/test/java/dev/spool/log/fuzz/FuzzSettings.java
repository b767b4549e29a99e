package dev.spool.log.fuzz;

import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.PropagationMode;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;

/**
 * The knobs of the fuzz properties, as system properties, so a soak needs no code change:
 * {@code -Dspool.fuzz.tries=N} runs every property N times instead of its CI count, and
 * {@code -Dspool.fuzz.seed=S} replays the seed jqwik printed for a failure. Each property's tries
 * are also written to the log (one line per property), which is where the counts in
 * {@code docs/durability.md} come from.
 */
public final class FuzzSettings implements AroundPropertyHook {
    static final String TRIES_PROPERTY = "spool.fuzz.tries";
    static final String SEED_PROPERTY = "spool.fuzz.seed";
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(FuzzSettings.class);
    private static final Map<String, Integer> TRIED = new ConcurrentSkipListMap<>();

    @Override
    public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) {
        Integer tries = Integer.getInteger(TRIES_PROPERTY);
        boolean example = context.targetMethod().isAnnotationPresent(net.jqwik.api.Example.class);
        if (tries != null && !example) { // an example is one fixed input: trying it again tells nothing new
            context.attributes().setTries(tries);
        }
        String seed = System.getProperty(SEED_PROPERTY);
        if (seed != null && !seed.isBlank()) {
            context.attributes().setSeed(seed);
        }
        Bounded.resetLargestAllocation();
        PropertyExecutionResult result = property.execute();
        String name = context.containerClass().getSimpleName() + "." + context.targetMethod().getName();
        TRIED.put(name, result.countTries());
        LOG.info("fuzz {}: {} inputs tried, largest allocation of one call {} KiB, seed {}, {}", name,
                result.countTries(), Bounded.resetLargestAllocation() >> 10, result.seed().orElse("?"), result.status());
        return result;
    }

    @Override
    public PropagationMode propagateTo() {
        return PropagationMode.ALL_DESCENDANTS;
    }

    /** Tries per property run so far in this JVM, by {@code Class.method}. */
    static Map<String, Integer> tried() {
        return Map.copyOf(TRIED);
    }
}
