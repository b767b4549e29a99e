package dev.spool.kafka.group;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Responses decided under a group's lock, completed after it is released: a future's callbacks
 * (the server encoding and writing a response) then never run while the coordinator holds a lock.
 * One per locked section; not thread-safe.
 */
final class Effects {
    private static final Logger LOG = LoggerFactory.getLogger(Effects.class);
    private final List<Runnable> actions = new ArrayList<>();

    <T> void complete(CompletableFuture<T> future, T value) {
        actions.add(() -> future.complete(value));
    }

    /** Runs what was collected, in order; one failing callback does not stop the others. */
    void run() {
        for (Runnable action : actions) {
            try {
                action.run();
            } catch (RuntimeException e) {
                LOG.error("A group coordinator response callback failed: {}", e.getMessage(), e);
            }
        }
        actions.clear();
    }
}
