package dev.spool.kafka.group;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator of every consumer group of one Spool server, speaking Kafka's classic group
 * protocol (what kafka-clients 4.x uses with {@code group.protocol=classic}, its default).
 *
 * <h2>Design</h2>
 * Groups live in memory, each behind its own lock; a request or timer task locks one group, applies
 * {@link GroupStateMachine}'s rules, and completes the responses it decided only after unlocking
 * ({@link Effects}). A group that has no members and no pending member ids is removed (it restarts at
 * generation 0 if it comes back). Committed offsets are kept apart, in an {@link OffsetStore}: a
 * Spool log of their own, written with strict durability before a commit is acknowledged (no group
 * lock is held meanwhile) and replayed on open. Group membership is not written down: after a
 * restart every member finds itself unknown ({@code UNKNOWN_MEMBER_ID} on its next heartbeat, so a
 * commit of the old generation gets {@code ILLEGAL_GENERATION}) and rejoins, as it would after a
 * session timeout, and resumes from the committed offsets.
 *
 * <p>Deviations from Kafka 4.x, each to keep the classic Java consumer on its recoverable paths: an
 * OffsetCommit for a group the coordinator does not know, from a member (generation >= 0), gets
 * {@code ILLEGAL_GENERATION} at every version (Kafka says {@code GROUP_ID_NOT_FOUND} from version 9,
 * which the classic consumer treats as fatal, and which after a Spool restart is the normal case).
 * The static-member rejoin always rebalances (see {@link GroupStateMachine}).
 *
 * <p>Offsets committed inside transactions (TxnOffsetCommit, and the transaction's outcome) are
 * {@link TransactionalOffsetCommits}'s: pending in the same store until the outcome is written.
 * The administration of groups (ListGroups, DescribeGroups, DeleteGroups, OffsetDelete) is
 * {@link GroupAdministration}'s, over the same groups and store; a deletion takes the group's lock
 * like any other request, so membership and offsets are checked and changed in one step.
 *
 * <p>{@link #close()} answers every waiting join and sync with {@code NOT_COORDINATOR} (clients look
 * the coordinator up again and retry), waits for commits in flight, and closes the offsets log;
 * requests after that get {@code NOT_COORDINATOR}. Thread-safe.
 */
public final class ClassicGroupCoordinator implements GroupCoordinator {
    private static final Logger LOG = LoggerFactory.getLogger(ClassicGroupCoordinator.class);

    private final GroupCoordinatorConfig config;
    private final OffsetStore store;
    private final GroupScheduler scheduler;
    private final ExecutorService offsetsIo;
    private final GroupStateMachine machine;
    private final GroupAdministration administration;
    private final TransactionalOffsetCommits transactions;
    private final ConcurrentHashMap<String, ClassicGroup> groups = new ConcurrentHashMap<>();
    private final AtomicBoolean compactionQueued = new AtomicBoolean();
    private final List<Meter> meters = new ArrayList<>();
    private final Counter offsetCommits;
    private volatile boolean closed;
    /** Tests turn this on to check every group's invariants after each step. */
    private volatile boolean checkInvariants;

    private ClassicGroupCoordinator(GroupCoordinatorConfig config, OffsetStore store, GroupScheduler scheduler,
                                    ExecutorService offsetsIo) {
        this.config = config;
        this.store = store;
        this.scheduler = scheduler;
        this.offsetsIo = offsetsIo;
        MeterRegistry registry = config.meterRegistry();
        Counter rebalances = Counter.builder("spool.group.rebalances")
                .description("Generations formed by completed rebalances").register(registry);
        this.offsetCommits = Counter.builder("spool.group.offset.commits")
                .description("Partition offsets committed durably").register(registry);
        meters.add(rebalances);
        meters.add(offsetCommits);
        meters.add(Gauge.builder("spool.groups", groups, ConcurrentHashMap::size)
                .description("Consumer groups with members").register(registry));
        meters.add(Gauge.builder("spool.group.offsets", store, OffsetStore::liveCount)
                .description("Committed offsets held").register(registry));
        this.machine = new GroupStateMachine(config, scheduler, this::runTimer, rebalances);
        this.administration = new GroupAdministration(this, groups, store);
        this.transactions = new TransactionalOffsetCommits(this, store, config);
    }

    /**
     * Opens the coordinator, with its offsets log in {@code offsetsDir} (created if missing; a
     * second open of the same directory, in this or another process, fails while this one is open),
     * and replays the committed offsets.
     *
     * @throws CorruptOffsetRecordException if a record of the offsets log does not decode
     * @throws dev.spool.log.CorruptLogException if the offsets log is damaged other than at its tail
     */
    public static ClassicGroupCoordinator open(Path offsetsDir, GroupCoordinatorConfig config) throws IOException {
        return open(offsetsDir, config, GroupScheduler.singleThread("spool-group-timer"));
    }

    /** As {@link #open(Path, GroupCoordinatorConfig)}, with the scheduler that runs the timeouts (tests). */
    static ClassicGroupCoordinator open(Path offsetsDir, GroupCoordinatorConfig config, GroupScheduler scheduler)
            throws IOException {
        ExecutorService offsetsIo = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "spool-group-offsets-io");
            thread.setDaemon(true);
            return thread;
        });
        try {
            OffsetStore store = OffsetStore.open(config.io(), offsetsDir, config.clockMs(), offsetsIo,
                    config.meterRegistry(), config.compactionRecordsMin());
            return new ClassicGroupCoordinator(config, store, scheduler, offsetsIo);
        } catch (IOException | RuntimeException e) {
            scheduler.close();
            offsetsIo.shutdownNow();
            throw e;
        }
    }

    @Override
    public CompletableFuture<JoinGroupResponseData> joinGroup(JoinGroupRequestData request, short apiVersion,
                                                              String clientId, String clientHost) {
        String memberId = request.memberId();
        Errors error = Errors.NONE;
        if (closed) {
            error = Errors.NOT_COORDINATOR;
        } else if (request.groupId() == null || request.groupId().isEmpty()) {
            error = Errors.INVALID_GROUP_ID;
        } else if (request.sessionTimeoutMs() < config.sessionTimeoutMsMin()
                || request.sessionTimeoutMs() > config.sessionTimeoutMsMax()) {
            error = Errors.INVALID_SESSION_TIMEOUT;
        } else if (request.protocolType() == null || request.protocolType().isEmpty()
                || request.protocols().isEmpty()) {
            error = Errors.INCONSISTENT_GROUP_PROTOCOL;
        }
        if (error != Errors.NONE) {
            return CompletableFuture.completedFuture(GroupResponses.joinError(memberId, error, apiVersion));
        }
        CompletableFuture<JoinGroupResponseData> future = new CompletableFuture<>();
        Errors outcome = withGroup(request.groupId(), memberId.isEmpty(), (group, effects) -> {
            if (group == null) {
                return Errors.UNKNOWN_MEMBER_ID; // a member id for a group that does not exist
            }
            machine.join(group, request, apiVersion, clientId == null ? "" : clientId,
                    clientHost == null ? "" : clientHost, future, effects);
            return Errors.NONE;
        });
        if (outcome != Errors.NONE) {
            future.complete(GroupResponses.joinError(memberId, outcome, apiVersion));
        }
        return future;
    }

    @Override
    public CompletableFuture<SyncGroupResponseData> syncGroup(SyncGroupRequestData request, short apiVersion) {
        CompletableFuture<SyncGroupResponseData> future = new CompletableFuture<>();
        Errors outcome = closed ? Errors.NOT_COORDINATOR : withGroup(request.groupId(), false, (group, effects) -> {
            if (group == null) {
                return Errors.UNKNOWN_MEMBER_ID;
            }
            machine.sync(group, request, future, effects);
            return Errors.NONE;
        });
        if (outcome != Errors.NONE) {
            future.complete(GroupResponses.syncError(outcome));
        }
        return future;
    }

    @Override
    public List<GroupPartitionOffset> committedOffsets() {
        List<GroupPartitionOffset> out = new ArrayList<>();
        for (String group : store.groupsWithOffsets()) {
            store.groupOffsets(group).forEach((topic, partitions) -> partitions.forEach((partition, committed) ->
                    out.add(new GroupPartitionOffset(group, topic, partition, committed.offset()))));
        }
        return out;
    }

    @Override
    public CompletableFuture<HeartbeatResponseData> heartbeat(HeartbeatRequestData request, short apiVersion) {
        Errors error = closed ? Errors.NOT_COORDINATOR : withGroup(request.groupId(), false, (group, effects) ->
                group == null ? Errors.UNKNOWN_MEMBER_ID : machine.heartbeat(group, request.memberId(),
                        request.groupInstanceId(), request.generationId()));
        return CompletableFuture.completedFuture(new HeartbeatResponseData().setErrorCode(error.code()));
    }

    @Override
    public CompletableFuture<LeaveGroupResponseData> leaveGroup(LeaveGroupRequestData request, short apiVersion) {
        List<LeaveGroupRequestData.MemberIdentity> leaving = apiVersion >= 3 ? request.members()
                : List.of(new LeaveGroupRequestData.MemberIdentity().setMemberId(request.memberId()));
        List<Errors> results = new ArrayList<>();
        Errors groupError = closed ? Errors.NOT_COORDINATOR : withGroup(request.groupId(), false, (group, effects) -> {
            if (group == null) {
                leaving.forEach(m -> results.add(Errors.UNKNOWN_MEMBER_ID));
                return Errors.UNKNOWN_MEMBER_ID;
            }
            boolean membersLeft = false;
            for (LeaveGroupRequestData.MemberIdentity identity : leaving) {
                int before = group.members.size();
                results.add(machine.leave(group, identity.memberId(), identity.groupInstanceId(), effects));
                membersLeft |= group.members.size() < before;
            }
            machine.afterLeave(group, membersLeft, effects);
            return Errors.NONE;
        });
        LeaveGroupResponseData response = new LeaveGroupResponseData();
        if (apiVersion < 3) { // one member: its error is the response's
            return CompletableFuture.completedFuture(response.setErrorCode(
                    (groupError == Errors.NONE ? results.get(0) : groupError).code()));
        }
        for (int i = 0; i < leaving.size(); i++) {
            Errors memberError = i < results.size() ? results.get(i) : groupError;
            response.members().add(new LeaveGroupResponseData.MemberResponse()
                    .setMemberId(leaving.get(i).memberId()).setGroupInstanceId(leaving.get(i).groupInstanceId())
                    .setErrorCode(memberError.code()));
        }
        return CompletableFuture.completedFuture(response.setErrorCode(groupError.code()));
    }

    @Override
    public CompletableFuture<OffsetCommitResponseData> commitOffsets(OffsetCommitRequestData request,
                                                                     short apiVersion, KnownPartitions partitions) {
        String groupId = request.groupId();
        if (closed) {
            return CompletableFuture.completedFuture(OffsetRequests.commitError(request, Errors.NOT_COORDINATOR));
        }
        if (groupId == null || groupId.isEmpty() || groupId.getBytes(java.nio.charset.StandardCharsets.UTF_8).length
                > OffsetRecordCodec.STRING_BYTES_MAX) { // the wire allows as much, but text it could not decode grows
            return CompletableFuture.completedFuture(OffsetRequests.commitError(request, Errors.INVALID_GROUP_ID));
        }
        int generation = request.generationIdOrMemberEpoch();
        Errors error = withGroup(groupId, false, (group, effects) -> group == null
                ? (generation < 0 ? Errors.NONE : Errors.ILLEGAL_GENERATION)
                : machine.validateCommit(group, request.memberId(), request.groupInstanceId(), generation));
        // Partitions the server does not have answer UNKNOWN_TOPIC_OR_PARTITION whatever the group says.
        OffsetRequests.PlannedCommit plan = OffsetRequests.plan(request, partitions, config.offsetMetadataCharsMax(),
                config.clockMs().getAsLong());
        if (error != Errors.NONE) {
            return CompletableFuture.completedFuture(plan.complete(error));
        }
        return store.commit(groupId, plan.commits()).handle((ignored, failure) -> {
            if (failure == null) {
                offsetCommits.increment(plan.commits().size());
                maybeQueueCompaction();
                return plan.complete(Errors.NONE);
            }
            return plan.complete(writeFailed("write " + plan.commits().size() + " offset(s) of group " + groupId,
                    failure));
        });
    }

    @Override
    public CompletableFuture<TxnOffsetCommitResponseData> txnOffsetCommit(TxnOffsetCommitRequestData request,
                                                                         short apiVersion, KnownPartitions partitions) {
        return transactions.commit(request, partitions);
    }

    @Override
    public CompletableFuture<Void> completeTransaction(long producerId, short producerEpoch, boolean commit) {
        return transactions.complete(producerId, producerEpoch, commit);
    }

    @Override
    public CompletableFuture<OffsetFetchResponseData> fetchOffsets(OffsetFetchRequestData request, short apiVersion) {
        if (closed) {
            return CompletableFuture.completedFuture(OffsetRequests.fetchError(request, apiVersion,
                    Errors.NOT_COORDINATOR));
        }
        return CompletableFuture.completedFuture(OffsetRequests.fetch(request, apiVersion, store));
    }

    @Override
    public CompletableFuture<ListGroupsResponseData> listGroups(ListGroupsRequestData request, short apiVersion) {
        return CompletableFuture.completedFuture(administration.listGroups(request, apiVersion));
    }

    @Override
    public CompletableFuture<DescribeGroupsResponseData> describeGroups(DescribeGroupsRequestData request,
                                                                        short apiVersion) {
        return CompletableFuture.completedFuture(administration.describeGroups(request, apiVersion));
    }

    @Override
    public CompletableFuture<DeleteGroupsResponseData> deleteGroups(DeleteGroupsRequestData request, short apiVersion) {
        return administration.deleteGroups(request, apiVersion);
    }

    @Override
    public CompletableFuture<OffsetDeleteResponseData> deleteOffsets(OffsetDeleteRequestData request,
                                                                     short apiVersion, KnownPartitions partitions) {
        return administration.deleteOffsets(request, partitions);
    }

    /** The error for a write to the offsets log that failed: logged unless the coordinator is closing. */
    Errors writeFailed(String what, Throwable failure) {
        if (closed) {
            return Errors.NOT_COORDINATOR;
        }
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        LOG.error("Could not {}: {}", what, cause.getMessage(), cause);
        return Errors.COORDINATOR_NOT_AVAILABLE;
    }

    void maybeQueueCompaction() {
        if (store.needsCompaction() && !closed && compactionQueued.compareAndSet(false, true)) {
            scheduler.schedule(0, () -> {
                try {
                    store.maybeCompact();
                } catch (IOException | RuntimeException e) {
                    LOG.error("Compacting the offsets log {} failed: {}", store.dir(), e.getMessage(), e);
                } finally {
                    compactionQueued.set(false);
                }
            });
        }
    }

    /** What a request does with its group, locked; {@code group} is null when absent and not created. */
    interface GroupAction<T> {
        T apply(ClassicGroup group, Effects effects);
    }

    /**
     * Runs {@code action} with the group locked (creating it if {@code create}), removes the group
     * if it ended empty, then completes the decided responses. A group removed between lookup and
     * lock is looked up again; once closed, the action is not run and {@code NOT_COORDINATOR} returned.
     */
    Errors withGroup(String groupId, boolean create, GroupAction<Errors> action) {
        while (true) {
            ClassicGroup group = create ? groups.computeIfAbsent(groupId, ClassicGroup::new) : groups.get(groupId);
            if (group == null) {
                return action.apply(null, new Effects());
            }
            Effects effects = new Effects();
            Errors result;
            group.lock.lock();
            try {
                if (group.isIn(GroupState.DEAD)) {
                    continue;
                }
                if (closed) {
                    return Errors.NOT_COORDINATOR;
                }
                result = action.apply(group, effects);
                afterStep(group);
            } finally {
                group.lock.unlock();
            }
            effects.run();
            return result;
        }
    }

    /** A timer task of {@link GroupStateMachine}, under the group's lock. */
    private void runTimer(ClassicGroup group, Consumer<Effects> action) {
        Effects effects = new Effects();
        group.lock.lock();
        try {
            if (closed || group.isIn(GroupState.DEAD)) {
                return;
            }
            action.accept(effects);
            afterStep(group);
        } finally {
            group.lock.unlock();
        }
        effects.run();
    }

    private void afterStep(ClassicGroup group) {
        if (group.isIn(GroupState.EMPTY) && group.members.isEmpty() && group.pendingMembers.isEmpty()) {
            group.transitionTo(GroupState.DEAD);
            groups.remove(group.groupId, group);
        }
        if (checkInvariants) {
            group.checkInvariants();
        }
    }

    /** Turns on the invariant check after every step (tests). */
    void checkInvariantsAfterEachStep() {
        this.checkInvariants = true;
    }

    /** The group's state, or empty when it does not exist (tests). */
    java.util.Optional<ClassicGroup> findGroup(String groupId) {
        return java.util.Optional.ofNullable(groups.get(groupId));
    }

    boolean isClosed() {
        return closed;
    }

    OffsetStore offsetStore() {
        return store;
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        scheduler.close();
        for (ClassicGroup group : groups.values()) {
            Effects effects = new Effects();
            group.lock.lock();
            try {
                machine.failAll(group, Errors.NOT_COORDINATOR, effects);
                group.transitionTo(GroupState.DEAD);
            } finally {
                group.lock.unlock();
            }
            effects.run();
        }
        groups.clear();
        try {
            store.close();
        } catch (IOException e) {
            LOG.error("Closing the offsets log {} failed: {}", store.dir(), e.getMessage(), e);
        }
        offsetsIo.shutdown();
        try {
            if (!offsetsIo.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("The offsets log's I/O thread did not stop within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        meters.forEach(config.meterRegistry()::remove);
        LOG.info("Closed the group coordinator; committed offsets stay in {}", store.dir());
    }
}
