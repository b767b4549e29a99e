package dev.spool.kafka.api;

import dev.spool.kafka.network.Session;
import dev.spool.kafka.producer.ProducerStateTable;
import dev.spool.kafka.protocol.ParsedRequest;
import dev.spool.kafka.protocol.Response;
import dev.spool.log.Log;
import dev.spool.log.PartitionOfflineException;
import dev.spool.log.ReadResult;
import dev.spool.log.record.RecordBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.DescribeLogDirsRequestData;
import org.apache.kafka.common.message.DescribeLogDirsResponseData;
import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.DescribeProducersResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The describe-only admin APIs: DescribeCluster (this node, the controller of a one-node cluster),
 * DescribeLogDirs (one log directory, the data directory, and each partition's size; no replica
 * lags behind, so every offset lag is 0; an offline partition is left out, as Kafka lists a
 * partition of a failed log directory under no live one) and DescribeProducers (the idempotent
 * producers each partition's producer state holds, with where each one's open transaction on the
 * partition starts, or -1; {@code KAFKA_STORAGE_ERROR} for an offline partition). Thread-safe; reads the producer state under its partition's
 * lock, as Produce does.
 */
final class DescribeHandler {
    private static final Logger LOG = LoggerFactory.getLogger(DescribeHandler.class);
    /** DescribeCluster's endpoint types (KIP-919). */
    static final byte ENDPOINT_BROKERS = 1;
    static final byte ENDPOINT_CONTROLLERS = 2;
    /** Bytes read to find the header of a producer's last batch (a read returns at least one whole batch). */
    private static final int HEADER_READ_BYTES = RecordBatch.HEADER_BYTES;

    private final Partitions partitions;
    private final AdvertisedAddress node;

    DescribeHandler(Partitions partitions, AdvertisedAddress node) {
        this.partitions = partitions;
        this.node = node;
    }

    Response describeCluster(ParsedRequest request, Session session) {
        DescribeClusterRequestData data = (DescribeClusterRequestData) request.request().data();
        DescribeClusterResponseData response = new DescribeClusterResponseData()
                .setClusterId(MetadataHandler.CLUSTER_ID).setControllerId(MetadataHandler.NODE_ID);
        if (request.version() >= 1 && data.endpointType() != ENDPOINT_BROKERS) {
            Errors error = data.endpointType() == ENDPOINT_CONTROLLERS ? Errors.MISMATCHED_ENDPOINT_TYPE
                    : Errors.UNSUPPORTED_ENDPOINT_TYPE;
            return Response.to(request, response.setErrorCode(error.code()).setErrorMessage("This node serves brokers "
                    + "(endpoint type " + ENDPOINT_BROKERS + "), not endpoint type " + data.endpointType()));
        }
        response.brokers().add(new DescribeClusterResponseData.DescribeClusterBroker()
                .setBrokerId(MetadataHandler.NODE_ID).setHost(node.host(session)).setPort(node.port(session)));
        return Response.to(request, response);
    }

    Response describeLogDirs(ParsedRequest request) {
        DescribeLogDirsRequestData data = (DescribeLogDirsRequestData) request.request().data();
        DescribeLogDirsResponseData.DescribeLogDirsResult dir = new DescribeLogDirsResponseData.DescribeLogDirsResult()
                .setLogDir(partitions.manager().dataDir().toAbsolutePath().toString());
        try {
            FileStore store = Files.getFileStore(partitions.manager().dataDir());
            dir.setTotalBytes(store.getTotalSpace()).setUsableBytes(store.getUsableSpace());
        } catch (IOException e) {
            LOG.warn("Cannot read the size of the volume of {}: {}", partitions.manager().dataDir(), e.getMessage());
        }
        if (data.topics() == null) {
            for (String topic : partitions.manager().topics()) {
                List<Integer> all = new ArrayList<>();
                for (int p = 0; p < partitionCount(topic); p++) {
                    all.add(p);
                }
                addTopic(dir, topic, all);
            }
        } else {
            for (DescribeLogDirsRequestData.DescribableLogDirTopic topic : data.topics()) {
                addTopic(dir, topic.topic(), topic.partitions());
            }
        }
        DescribeLogDirsResponseData response = new DescribeLogDirsResponseData();
        response.results().add(dir);
        return Response.to(request, response);
    }

    private int partitionCount(String topic) {
        try {
            return partitions.manager().partitionCount(topic);
        } catch (dev.spool.log.UnknownTopicException e) { // deleted meanwhile
            return 0;
        }
    }

    /** Partitions this directory does not hold are left out, as Kafka does. */
    private void addTopic(DescribeLogDirsResponseData.DescribeLogDirsResult dir, String topic, List<Integer> wanted) {
        DescribeLogDirsResponseData.DescribeLogDirsTopic out = new DescribeLogDirsResponseData.DescribeLogDirsTopic()
                .setName(topic);
        for (int partition : wanted) {
            partitions.find(topic, partition).ifPresent(log -> out.partitions().add(
                    new DescribeLogDirsResponseData.DescribeLogDirsPartition().setPartitionIndex(partition)
                            .setPartitionSize(log.sizeBytes()).setOffsetLag(0).setIsFutureKey(false)));
        }
        if (!out.partitions().isEmpty()) {
            dir.topics().add(out);
        }
    }

    Response describeProducers(ParsedRequest request) throws IOException {
        DescribeProducersRequestData data = (DescribeProducersRequestData) request.request().data();
        DescribeProducersResponseData response = new DescribeProducersResponseData();
        for (DescribeProducersRequestData.TopicRequest topic : data.topics()) {
            DescribeProducersResponseData.TopicResponse topicResponse = new DescribeProducersResponseData.TopicResponse()
                    .setName(topic.name());
            response.topics().add(topicResponse);
            for (int partition : topic.partitionIndexes()) {
                DescribeProducersResponseData.PartitionResponse out = new DescribeProducersResponseData.PartitionResponse()
                        .setPartitionIndex(partition);
                topicResponse.partitions().add(out);
                Optional<Log> log = partitions.find(topic.name(), partition);
                if (log.isEmpty()) { // unknown, or offline (KAFKA_STORAGE_ERROR, with the damage)
                    out.setErrorCode(partitions.missing(topic.name(), partition).code()).setErrorMessage(partitions
                            .offline(topic.name(), partition).map(PartitionOfflineException::getMessage)
                            .orElse("Unknown partition " + topic.name() + "-" + partition));
                    continue;
                }
                try {
                    for (Described producer : producersOf(log.get())) {
                        out.activeProducers().add(new DescribeProducersResponseData.ProducerState()
                                .setProducerId(producer.summary().producerId())
                                .setProducerEpoch(producer.summary().epoch())
                                .setLastSequence(producer.summary().lastSequence())
                                .setLastTimestamp(lastTimestamp(log.get(), producer.summary()))
                                .setCoordinatorEpoch(-1).setCurrentTxnStartOffset(producer.txnStartOffset()));
                    }
                } catch (IllegalStateException e) { // closed: the topic was deleted
                    out.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code()).setErrorMessage(e.getMessage());
                }
            }
        }
        return Response.to(request, response);
    }

    /** A producer's summary, and where its open transaction on the partition starts (-1: none). */
    private record Described(ProducerStateTable.ProducerSummary summary, long txnStartOffset) {
    }

    private List<Described> producersOf(Log log) throws IOException {
        PartitionState state = partitions.state(log);
        synchronized (state) {
            List<ProducerStateTable.ProducerSummary> summaries = state.producers(
                    partitions.config().producerStateScanBytes(), partitions.config().producersPerPartitionMax())
                    .summaries();
            OpenTransactions transactions = state.loadedTransactions();
            List<Described> out = new ArrayList<>(summaries.size());
            for (ProducerStateTable.ProducerSummary summary : summaries) {
                OpenTransactions.Transaction open = transactions.get(summary.producerId());
                out.add(new Described(summary, open == null ? -1 : open.startOffset()));
            }
            return out;
        }
    }

    /**
     * The largest timestamp of the producer's last batch, from that batch's header; -1 while the
     * batch is still being written or once retention removed it.
     */
    private static long lastTimestamp(Log log, ProducerStateTable.ProducerSummary producer) {
        Long offset = producer.lastBatchOffset().isDone() && !producer.lastBatchOffset().isCompletedExceptionally()
                ? producer.lastBatchOffset().getNow(null) : null;
        if (offset == null || offset < log.logStartOffset()) {
            return -1;
        }
        try {
            ReadResult read = log.read(offset, HEADER_READ_BYTES);
            ByteBuffer batches = read.batches();
            int at = batches.position();
            if (batches.remaining() < RecordBatch.HEADER_BYTES || RecordBatch.baseOffset(batches, at) != offset) {
                return -1;
            }
            return RecordBatch.maxTimestamp(batches, at);
        } catch (IOException | RuntimeException e) { // removed or truncated meanwhile: no time to report
            LOG.debug("Cannot read the last batch of producer {} in {}: {}", producer.producerId(), log, e.getMessage());
            return -1;
        }
    }
}
