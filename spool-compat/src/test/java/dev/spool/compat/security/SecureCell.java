package dev.spool.compat.security;

/**
 * One client operation through one secure listener, run the same way against each server.
 * {@link Check#run} returns a short note when the operation did what Kafka does and throws (an
 * {@link AssertionError} with what differed, or the client's own error) when it did not.
 *
 * @param client    the client's name and version
 * @param operation what is checked, naming the way in, e.g. {@code produce, consume back (SASL_SSL/SCRAM-SHA-512)}
 * @param access    the way in
 * @param check     the operation, given the harness's side on one server and a topic of the cell's own
 * @param kafkaBug  when not null, why this client fails this cell on Kafka 4.4 itself (a bug of the
 *                  client's, named with its fix), and a text the failure shows when it is that bug
 */
record SecureCell(String client, String operation, Access access, Check check, KnownBug kafkaBug) {
    /** A client bug that fails a cell on Kafka: what it is, and the text its failure shows. */
    record KnownBug(String reason, String symptom) {
    }

    @FunctionalInterface
    interface Check {
        String run(SecureHarness harness, String topic) throws Exception;
    }

    /** The cell's own topic: client and operation as a legal topic name, unique within the class. */
    String topic() {
        String slug = (client.split(" ")[0] + "-" + operation).toLowerCase()
                .replaceAll("[^a-z0-9._-]+", "-").replaceAll("-+", "-").replaceAll("^-|-$", "");
        return "secure-" + slug;
    }
}
