package dev.spool.kafka.api;

import dev.spool.kafka.protocol.ParsedRequest;
import dev.spool.kafka.protocol.Response;
import dev.spool.kafka.txn.TransactionCoordinator;
import dev.spool.kafka.txn.TransactionMetadata;
import dev.spool.kafka.txn.TransactionMetadata.PartitionRef;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.apache.kafka.common.message.AddOffsetsToTxnRequestData;
import org.apache.kafka.common.message.AddOffsetsToTxnResponseData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData.AddPartitionsToTxnPartitionResult;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResult;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResultCollection;
import org.apache.kafka.common.message.DescribeTransactionsRequestData;
import org.apache.kafka.common.message.DescribeTransactionsResponseData;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.EndTxnResponseData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.ListTransactionsRequestData;
import org.apache.kafka.common.message.ListTransactionsResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * The transaction APIs a producer and Kafka's tools send (InitProducerId with a transactional id,
 * AddPartitionsToTxn, AddOffsetsToTxn, EndTxn, DescribeTransactions, ListTransactions), turned
 * into calls of the {@link TransactionCoordinator} and answered in Kafka's shapes.
 *
 * <p>AddPartitionsToTxn comes in two shapes: versions 0-3 from producers (one transaction, its
 * partitions added), and 4-5 as brokers send it (several transactions, each either added or, with
 * {@code verifyOnly}, only checked). A partition that does not exist fails the request as Kafka
 * fails it: UNKNOWN_TOPIC_OR_PARTITION for it and OPERATION_NOT_ATTEMPTED for the others.
 */
final class TransactionsHandler {
    private final TransactionCoordinator coordinator;
    private final Partitions partitions;

    TransactionsHandler(TransactionCoordinator coordinator, Partitions partitions) {
        this.coordinator = coordinator;
        this.partitions = partitions;
    }

    CompletableFuture<Response> initProducerId(ParsedRequest request) {
        InitProducerIdRequestData data = (InitProducerIdRequestData) request.request().data();
        return coordinator.initProducerId(data.transactionalId(), data.transactionTimeoutMs(), data.producerId(),
                data.producerEpoch()).thenApply(answer -> Response.to(request, new InitProducerIdResponseData()
                        .setErrorCode(answer.error().code())
                        .setProducerId(answer.error() == Errors.NONE ? answer.producerId() : -1)
                        .setProducerEpoch(answer.error() == Errors.NONE ? answer.producerEpoch() : -1)));
    }

    CompletableFuture<Response> addPartitions(ParsedRequest request) {
        AddPartitionsToTxnRequestData data = (AddPartitionsToTxnRequestData) request.request().data();
        if (request.version() <= 3) {
            return add(data.v3AndBelowTransactionalId(), data.v3AndBelowProducerId(), data.v3AndBelowProducerEpoch(),
                    data.v3AndBelowTopics(), false).thenApply(results -> Response.to(request,
                            new AddPartitionsToTxnResponseData().setResultsByTopicV3AndBelow(results)));
        }
        List<CompletableFuture<AddPartitionsToTxnResponseData.AddPartitionsToTxnResult>> each = new ArrayList<>();
        for (AddPartitionsToTxnRequestData.AddPartitionsToTxnTransaction txn : data.transactions()) {
            each.add(add(txn.transactionalId(), txn.producerId(), txn.producerEpoch(), txn.topics(), txn.verifyOnly())
                    .thenApply(results -> new AddPartitionsToTxnResponseData.AddPartitionsToTxnResult()
                            .setTransactionalId(txn.transactionalId()).setTopicResults(results)));
        }
        return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new)).thenApply(ignored -> {
            AddPartitionsToTxnResponseData response = new AddPartitionsToTxnResponseData().setErrorCode(Errors.NONE.code());
            each.forEach(result -> response.resultsByTransaction().add(result.join()));
            return Response.to(request, response);
        });
    }

    private CompletableFuture<AddPartitionsToTxnTopicResultCollection> add(
            String transactionalId, long producerId, short producerEpoch,
            AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection topics, boolean verifyOnly) {
        Map<PartitionRef, Errors> unknown = new LinkedHashMap<>();
        List<PartitionRef> asked = new ArrayList<>();
        for (AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic topic : topics) {
            for (int partition : topic.partitions()) {
                if (partition < 0 || Partitions.isInternal(topic.name()) || !partitions.exists(topic.name(), partition)) {
                    unknown.put(new PartitionRef(topic.name(), Math.max(partition, 0)), Errors.UNKNOWN_TOPIC_OR_PARTITION);
                } else {
                    asked.add(new PartitionRef(topic.name(), partition));
                }
            }
        }
        if (!unknown.isEmpty()) {
            Map<PartitionRef, Errors> errors = new LinkedHashMap<>(unknown);
            asked.forEach(p -> errors.putIfAbsent(p, Errors.OPERATION_NOT_ATTEMPTED));
            return CompletableFuture.completedFuture(results(errors));
        }
        if (verifyOnly) {
            Map<PartitionRef, Errors> errors = new LinkedHashMap<>();
            asked.forEach(p -> errors.put(p, coordinator.verify(producerId, producerEpoch, p.topic(), p.partition())));
            return CompletableFuture.completedFuture(results(errors));
        }
        return coordinator.addPartitions(transactionalId, producerId, producerEpoch, asked).thenApply(answer -> {
            Map<PartitionRef, Errors> errors = new LinkedHashMap<>();
            asked.forEach(p -> errors.put(p, answer.error()));
            return results(errors);
        });
    }

    private static AddPartitionsToTxnTopicResultCollection results(Map<PartitionRef, Errors> errors) {
        AddPartitionsToTxnTopicResultCollection out = new AddPartitionsToTxnTopicResultCollection();
        errors.forEach((partition, error) -> {
            AddPartitionsToTxnTopicResult topic = out.find(partition.topic());
            if (topic == null) {
                topic = new AddPartitionsToTxnTopicResult().setName(partition.topic());
                out.add(topic);
            }
            topic.resultsByPartition().add(new AddPartitionsToTxnPartitionResult()
                    .setPartitionIndex(partition.partition()).setPartitionErrorCode(error.code()));
        });
        return out;
    }

    CompletableFuture<Response> addOffsets(ParsedRequest request) {
        AddOffsetsToTxnRequestData data = (AddOffsetsToTxnRequestData) request.request().data();
        if (data.groupId() == null || data.groupId().isEmpty()) {
            return CompletableFuture.completedFuture(Response.to(request, new AddOffsetsToTxnResponseData()
                    .setErrorCode(Errors.INVALID_GROUP_ID.code())));
        }
        return coordinator.addPartitions(data.transactionalId(), data.producerId(), data.producerEpoch(),
                List.of(TransactionCoordinator.GROUP_OFFSETS)).thenApply(answer -> Response.to(request,
                        new AddOffsetsToTxnResponseData().setErrorCode(answer.error().code())));
    }

    CompletableFuture<Response> endTxn(ParsedRequest request) {
        EndTxnRequestData data = (EndTxnRequestData) request.request().data();
        return coordinator.endTxn(data.transactionalId(), data.producerId(), data.producerEpoch(), data.committed())
                .thenApply(answer -> Response.to(request, new EndTxnResponseData().setErrorCode(answer.error().code())
                        .setProducerId(answer.producerId()).setProducerEpoch(answer.producerEpoch())));
    }

    Response describeTransactions(ParsedRequest request) {
        DescribeTransactionsRequestData data = (DescribeTransactionsRequestData) request.request().data();
        DescribeTransactionsResponseData response = new DescribeTransactionsResponseData();
        for (String id : data.transactionalIds()) {
            DescribeTransactionsResponseData.TransactionState out = new DescribeTransactionsResponseData.TransactionState()
                    .setTransactionalId(id);
            Optional<TransactionMetadata> state = coordinator.describe(id);
            if (state.isEmpty()) {
                out.setErrorCode(Errors.TRANSACTIONAL_ID_NOT_FOUND.code()).setTransactionState("")
                        .setProducerId(-1).setProducerEpoch((short) -1).setTransactionStartTimeMs(-1);
            } else {
                TransactionMetadata s = state.get();
                out.setTransactionState(s.state().kafkaName).setTransactionTimeoutMs(s.timeoutMs())
                        .setTransactionStartTimeMs(s.startMs()).setProducerId(s.producerId())
                        .setProducerEpoch(s.producerEpoch());
                for (PartitionRef partition : s.partitions()) {
                    DescribeTransactionsResponseData.TopicData topic = out.topics().find(partition.topic());
                    if (topic == null) {
                        topic = new DescribeTransactionsResponseData.TopicData().setTopic(partition.topic());
                        out.topics().add(topic);
                    }
                    topic.partitions().add(partition.partition());
                }
            }
            response.transactionStates().add(out);
        }
        return Response.to(request, response);
    }

    /** ListTransactions, with Kafka's filters: states, producer ids, running longer than, id pattern (v2). */
    Response listTransactions(ParsedRequest request) {
        ListTransactionsRequestData data = (ListTransactionsRequestData) request.request().data();
        ListTransactionsResponseData response = new ListTransactionsResponseData().setErrorCode(Errors.NONE.code());
        Set<String> knownStates = new HashSet<>();
        for (dev.spool.kafka.txn.TransactionState state : dev.spool.kafka.txn.TransactionState.values()) {
            knownStates.add(state.kafkaName);
        }
        data.stateFilters().stream().filter(s -> !knownStates.contains(s)).forEach(response.unknownStateFilters()::add);
        Pattern pattern;
        try {
            pattern = data.transactionalIdPattern() == null || data.transactionalIdPattern().isEmpty() ? null
                    : Pattern.compile(data.transactionalIdPattern());
        } catch (PatternSyntaxException e) {
            return Response.to(request, response.setErrorCode(Errors.INVALID_REGULAR_EXPRESSION.code()));
        }
        long now = System.currentTimeMillis();
        coordinator.all().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(entry -> {
            TransactionMetadata s = entry.getValue();
            boolean keep = (data.stateFilters().isEmpty() || data.stateFilters().contains(s.state().kafkaName))
                    && (data.producerIdFilters().isEmpty() || data.producerIdFilters().contains(s.producerId()))
                    && (data.durationFilter() < 0 || (s.startMs() >= 0 && now - s.startMs() >= data.durationFilter()))
                    && (pattern == null || pattern.matcher(entry.getKey()).matches());
            if (keep) {
                response.transactionStates().add(new ListTransactionsResponseData.TransactionState()
                        .setTransactionalId(entry.getKey()).setProducerId(s.producerId())
                        .setTransactionState(s.state().kafkaName));
            }
        });
        return Response.to(request, response);
    }
}
