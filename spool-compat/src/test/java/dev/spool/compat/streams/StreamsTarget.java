package dev.spool.compat.streams;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A server the word-count application runs against: Spool in this JVM, or a real Kafka broker in a
 * child JVM. Either serves one listener on loopback until closed.
 */
interface StreamsTarget extends AutoCloseable {
    /** {@code host:port} for {@code bootstrap.servers}. */
    String bootstrap();

    /** Where this target's server log is, for failure messages; empty if it logs to this JVM's output. */
    String logHint();

    @Override
    void close() throws IOException;

    /** The kinds of target, each able to start a fresh server over a directory of its own. */
    enum Kind {
        SPOOL {
            @Override
            StreamsTarget start(Path dir) throws IOException {
                return InProcessSpool.start(dir);
            }
        },
        KAFKA {
            @Override
            StreamsTarget start(Path dir) throws IOException {
                return ChildKafkaBroker.start(dir);
            }
        };

        abstract StreamsTarget start(Path dir) throws IOException;
    }
}
