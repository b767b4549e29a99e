package dev.spool.compat;

/**
 * One client operation, run the same way against each server. {@link #run} returns a short note
 * when the operation did what Kafka's semantics say, and throws (an {@link AssertionError} with
 * what differed, or the client's own error) when it did not; {@link Unsupported} marks an
 * operation this client or this installation cannot do at all.
 *
 * @param client    the client's name and version, e.g. {@code kcat 1.7 (librdkafka 2.0)}
 * @param operation what is checked, e.g. {@code produce gzip, read back}
 * @param check     the operation itself, given the harness's fixtures on one server and a topic name
 *                  of its own (the same name on both servers)
 */
record Cell(String client, String operation, Check check) {
    @FunctionalInterface
    interface Check {
        String run(Fixtures fixtures, String topic) throws Exception;
    }

    /** The client cannot do this operation (no such call, codec library not installed …). */
    static final class Unsupported extends RuntimeException {
        Unsupported(String reason) {
            super(reason);
        }
    }

    /** The cell's own topic: client and operation as a legal topic name, unique within the matrix. */
    String topic() {
        String slug = (client.split(" ")[0] + "-" + operation).toLowerCase()
                .replaceAll("[^a-z0-9._-]+", "-").replaceAll("-+", "-").replaceAll("^-|-$", "");
        return "compat-" + slug;
    }
}
