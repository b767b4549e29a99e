package dev.spool.kafka.api;

import dev.spool.kafka.producer.ProducerStateLoader;
import dev.spool.kafka.producer.ProducerStateTable;
import dev.spool.log.Log;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the server keeps for one partition beside its log: the lock under which a produced batch
 * is checked against the producer state and handed to the log (so check-and-append is atomic,
 * and offsets follow the order of the checks), and that producer state, built on first use.
 */
final class PartitionState {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionState.class);

    final Log log;
    private ProducerStateTable producers;

    PartitionState(Log log) {
        this.log = log;
    }

    /** The producer table, rebuilt from the log's tail the first time; call with this object locked. */
    ProducerStateTable producers(long scanBytes, int producersMax) throws IOException {
        if (!Thread.holdsLock(this)) {
            throw new IllegalStateException("The producer state of " + log + " is read without its lock");
        }
        if (producers == null) {
            ProducerStateTable table = new ProducerStateTable(producersMax);
            long read = ProducerStateLoader.load(log, scanBytes, table);
            LOG.debug("Rebuilt the producer state of {} from {} bytes: {} producer(s)", log.dir().getFileName(), read,
                    table.size());
            producers = table;
        }
        return producers;
    }
}
