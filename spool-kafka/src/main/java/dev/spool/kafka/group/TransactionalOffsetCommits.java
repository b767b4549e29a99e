package dev.spool.kafka.group;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData.TxnOffsetCommitResponsePartition;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData.TxnOffsetCommitResponseTopic;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Offsets committed inside transactions, for {@link ClassicGroupCoordinator}: TxnOffsetCommit
 * (a transactional producer's {@code sendOffsetsToTransaction}) and the end of a transaction,
 * which the transaction coordinator reports once it decided the outcome.
 *
 * <p>A TxnOffsetCommit is checked as Kafka checks it. Each partition first: a topic name Kafka would
 * refuse, a negative partition or one the server does not have gets {@code UNKNOWN_TOPIC_OR_PARTITION},
 * metadata over the limit of OffsetCommit {@code OFFSET_METADATA_TOO_LARGE}. Then the group, under its
 * lock: a group the coordinator does not have takes the offsets from a producer that gives no
 * generation (-1, every version before 3), and answers {@code ILLEGAL_GENERATION} to one that does;
 * an empty group takes them from a producer without a generation; otherwise a request naming a
 * member (generation, member id or instance id given) must name a current member
 * ({@code FENCED_INSTANCE_ID}, {@code UNKNOWN_MEMBER_ID}) of the current generation
 * ({@code ILLEGAL_GENERATION}), and one naming none is taken. Unlike OffsetCommit, a rebalance in
 * progress does not refuse them. The accepted offsets are written as pending for the producer
 * ({@link OffsetStore#commitTransactional}), durably before the answer; that the producer's
 * transaction holds the group's offsets (AddOffsetsToTxn) the transaction coordinator checked
 * before calling.
 *
 * <p>Thread-safe: no state of its own.
 */
final class TransactionalOffsetCommits {
    private static final Logger LOG = LoggerFactory.getLogger(TransactionalOffsetCommits.class);

    private final ClassicGroupCoordinator coordinator;
    private final OffsetStore store;
    private final GroupCoordinatorConfig config;

    TransactionalOffsetCommits(ClassicGroupCoordinator coordinator, OffsetStore store, GroupCoordinatorConfig config) {
        this.coordinator = coordinator;
        this.store = store;
        this.config = config;
    }

    CompletableFuture<TxnOffsetCommitResponseData> commit(TxnOffsetCommitRequestData request,
                                                          KnownPartitions partitions) {
        String groupId = request.groupId();
        Errors refused = coordinator.isClosed() ? Errors.NOT_COORDINATOR
                : groupId == null || groupId.isEmpty()
                        || groupId.getBytes(StandardCharsets.UTF_8).length > OffsetRecordCodec.STRING_BYTES_MAX
                        ? Errors.INVALID_GROUP_ID
                : request.producerId() < 0 ? Errors.INVALID_PRODUCER_ID_MAPPING
                : Errors.NONE;
        if (refused != Errors.NONE) {
            return CompletableFuture.completedFuture(errorResponse(request, refused));
        }
        Errors error = coordinator.withGroup(groupId, false, (group, effects) -> validate(group, request));
        PlannedCommit plan = plan(request, partitions, config.offsetMetadataCharsMax(), config.clockMs().getAsLong());
        if (error != Errors.NONE || plan.commits().isEmpty()) {
            return CompletableFuture.completedFuture(plan.complete(error));
        }
        return store.commitTransactional(groupId, request.producerId(), request.producerEpoch(), plan.commits())
                .handle((ignored, failure) -> {
                    if (failure != null) {
                        return plan.complete(coordinator.writeFailed("write " + plan.commits().size()
                                + " transactional offset(s) of group " + groupId + " for producer "
                                + request.producerId(), failure));
                    }
                    coordinator.maybeQueueCompaction();
                    return plan.complete(Errors.NONE);
                });
    }

    /** The group's answer to a TxnOffsetCommit (see the class note); {@code group} is null when absent. */
    static Errors validate(ClassicGroup group, TxnOffsetCommitRequestData request) {
        int generation = request.generationIdOrMemberEpoch();
        if (group == null) {
            return generation < 0 ? Errors.NONE : Errors.ILLEGAL_GENERATION;
        }
        if (generation < 0 && group.isIn(GroupState.EMPTY)) {
            return Errors.NONE;
        }
        String memberId = request.memberId() == null ? "" : request.memberId();
        String instanceId = request.groupInstanceId();
        if (generation < 0 && memberId.isEmpty() && instanceId == null) {
            return Errors.NONE; // versions 0 to 2 name no member: Kafka takes them whatever the group's state
        }
        if (group.isStaticMemberFenced(instanceId, memberId)) {
            return Errors.FENCED_INSTANCE_ID;
        }
        if (!group.members.containsKey(memberId)) {
            return Errors.UNKNOWN_MEMBER_ID;
        }
        return generation != group.generationId ? Errors.ILLEGAL_GENERATION : Errors.NONE;
    }

    /**
     * Writes the outcome of producer {@code producerId}'s transaction and applies it to the
     * producer's pending offsets (see {@link GroupCoordinator#completeTransaction}).
     */
    CompletableFuture<Void> complete(long producerId, short producerEpoch, boolean commit) {
        if (coordinator.isClosed()) {
            return CompletableFuture.failedFuture(Errors.NOT_COORDINATOR.exception(
                    "The group coordinator is closed; the outcome of producer " + producerId + " was not written"));
        }
        if (producerId < 0) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("Producer id " + producerId
                    + " is negative: a transaction's outcome needs the producer's id"));
        }
        return store.completeTransaction(producerId, producerEpoch, commit).handle((ignored, failure) -> {
            if (failure != null) {
                Errors error = coordinator.writeFailed("write the " + (commit ? "commit" : "abort")
                        + " of producer " + producerId + "'s transaction", failure);
                throw new CompletionException(error.exception("The " + (commit ? "commit" : "abort") + " of producer "
                        + producerId + "'s transaction was not written to the offsets log"));
            }
            LOG.debug("Offsets of producer {} (epoch {}) {}", producerId, producerEpoch,
                    commit ? "committed" : "aborted");
            coordinator.maybeQueueCompaction();
            return null;
        });
    }

    /** A TxnOffsetCommit's response with every partition set to {@code error}. */
    static TxnOffsetCommitResponseData errorResponse(TxnOffsetCommitRequestData request, Errors error) {
        TxnOffsetCommitResponseData response = new TxnOffsetCommitResponseData();
        for (TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic topic : request.topics()) {
            TxnOffsetCommitResponseTopic out = new TxnOffsetCommitResponseTopic().setName(topic.name());
            topic.partitions().forEach(p -> out.partitions().add(new TxnOffsetCommitResponsePartition()
                    .setPartitionIndex(p.partitionIndex()).setErrorCode(error.code())));
            response.topics().add(out);
        }
        return response;
    }

    /** A commit's response, and the offsets to write with the response partitions they answer. */
    record PlannedCommit(TxnOffsetCommitResponseData response, List<OffsetStore.Commit> commits,
                         List<TxnOffsetCommitResponsePartition> pending) {

        /** Sets every partition that waited on the group and the write to {@code error}. */
        TxnOffsetCommitResponseData complete(Errors error) {
            pending.forEach(p -> p.setErrorCode(error.code()));
            return response;
        }
    }

    /** Checks each partition as OffsetCommit does ({@link OffsetRequests#checkPartition}), stamping {@code nowMs}. */
    static PlannedCommit plan(TxnOffsetCommitRequestData request, KnownPartitions partitions, int metadataCharsMax,
                              long nowMs) {
        TxnOffsetCommitResponseData response = new TxnOffsetCommitResponseData();
        List<OffsetStore.Commit> commits = new ArrayList<>();
        List<TxnOffsetCommitResponsePartition> pending = new ArrayList<>();
        for (TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic topic : request.topics()) {
            TxnOffsetCommitResponseTopic out = new TxnOffsetCommitResponseTopic().setName(topic.name());
            boolean validTopic = OffsetRequests.isValidTopic(topic.name());
            for (TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition p : topic.partitions()) {
                TxnOffsetCommitResponsePartition result = new TxnOffsetCommitResponsePartition()
                        .setPartitionIndex(p.partitionIndex());
                String metadata = p.committedMetadata() == null ? "" : p.committedMetadata();
                Errors error = OffsetRequests.checkPartition(topic.name(), validTopic, p.partitionIndex(), metadata,
                        partitions, metadataCharsMax);
                if (error != Errors.NONE) {
                    result.setErrorCode(error.code());
                } else {
                    commits.add(new OffsetStore.Commit(topic.name(), p.partitionIndex(),
                            new CommittedOffset(p.committedOffset(), p.committedLeaderEpoch(), metadata, nowMs)));
                    pending.add(result);
                }
                out.partitions().add(result);
            }
            response.topics().add(out);
        }
        return new PlannedCommit(response, commits, pending);
    }
}
