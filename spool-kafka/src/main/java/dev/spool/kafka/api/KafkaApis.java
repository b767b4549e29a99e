package dev.spool.kafka.api;

import dev.spool.log.AbortedTransaction;
import dev.spool.kafka.KafkaServerConfig;
import dev.spool.kafka.group.GroupCoordinator;
import dev.spool.kafka.metrics.ServerMetrics;
import dev.spool.kafka.network.RequestProcessor;
import dev.spool.kafka.network.Session;
import dev.spool.kafka.producer.ProducerIdManager;
import dev.spool.kafka.protocol.MalformedRequestException;
import dev.spool.kafka.protocol.ParsedRequest;
import dev.spool.kafka.protocol.RequestDecoder;
import dev.spool.kafka.protocol.Response;
import dev.spool.kafka.protocol.SupportedApis;
import dev.spool.kafka.security.Authorizer;
import dev.spool.kafka.security.CredentialStore;
import dev.spool.kafka.security.SaslAuthenticator;
import dev.spool.kafka.security.ScramCredentialsApis;
import dev.spool.kafka.txn.TransactionCoordinator;
import dev.spool.kafka.txn.TransactionStore;
import dev.spool.kafka.txn.TransactionVerifier;
import dev.spool.log.LogManager;
import dev.spool.log.io.FileIO;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request dispatcher: decodes each frame ({@link RequestDecoder}) and hands it to the handler
 * of its API, a Produce on the connection's event loop, anything else on the handler executor. Handlers that wait (Produce with acks=all, long-poll Fetch,
 * a group join) return futures and hold no thread while waiting. Thread-safe.
 */
public final class KafkaApis implements RequestProcessor, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaApis.class);
    /** How long the start waits for the transactions left by the last run to end. */
    private static final long RECOVERY_WAIT_MS = 60_000;
    /** The logs' transaction indexes (.txnindex), where aborted transactions are recorded and found. */
    private static final AbortedTransactionIndex ABORTED_TRANSACTIONS = AbortedTransactionIndex.of(
            dev.spool.log.Log::recordAbortedTransaction, dev.spool.log.Log::abortedTransactions);

    private final SupportedApis apis;
    private final RequestDecoder decoder;
    private final ExecutorService executor;
    private final ServerMetrics metrics;
    private final ProducerIdManager producerIds;
    private final MetadataHandler metadata;
    private final ProduceHandler produce;
    private final FetchHandler fetch;
    private final FetchWaiters fetchWaiters;
    private final ListOffsetsHandler listOffsets;
    private final TopicsHandler topics;
    private final ConfigsHandler configs;
    private final PartitionAdminHandler partitionAdmin;
    private final DescribeHandler describe;
    private final GroupRouter groups;
    private final AclsHandler acls;
    private final RequestAuthorization authorization;
    private final SaslAuthenticator sasl;
    private final ScramCredentialsApis scramCredentials;
    /** The transaction coordinator and its APIs; empty when the server has no transaction log. */
    private final Optional<TransactionCoordinator> transactions;
    private final Optional<TransactionsHandler> transactionApis;
    /** Whether Fetch sends records straight from the segment files (then it runs on the event loop). */
    private final boolean zeroCopyFetch;

    /**
     * @param node      where clients are told to connect
     * @param executor  runs decoding and handlers
     * @param timer     runs the long-poll timeouts
     * @param credentials the users who may authenticate with SASL
     * @param transactionLog the transaction coordinator's state, when the server serves transactions;
     *                       owned (closed) by this object from now on. Transactions left open or
     *                       prepared by the last run are ended before this returns.
     * @throws IOException when the authorizer is on and its ACL file cannot be read
     */
    public KafkaApis(LogManager manager, KafkaServerConfig config, AdvertisedAddress node,
                     Optional<GroupCoordinator> coordinator, ProducerIdManager producerIds, ExecutorService executor,
                     ScheduledExecutorService timer, ServerMetrics metrics, CredentialStore credentials,
                     Optional<TransactionStore> transactionLog) throws IOException {
        Authorizer authorizer = Authorizer.open(config.security().authorizer(), FileIO.real(), manager.dataDir());
        this.apis = SupportedApis.of(coordinator.isPresent(), transactionLog.isPresent());
        this.decoder = new RequestDecoder(apis);
        this.executor = executor;
        this.metrics = metrics;
        this.producerIds = producerIds;
        Partitions partitions = new Partitions(manager, config);
        this.metadata = new MetadataHandler(partitions, node);
        this.fetchWaiters = new FetchWaiters(timer, executor);
        this.transactions = transactionLog.map(log -> new TransactionCoordinator(log,
                new PartitionMarkers(partitions, ABORTED_TRANSACTIONS, fetchWaiters::appended, executor,
                        System::currentTimeMillis),
                coordinator.<TransactionCoordinator.OffsetsOutcome>map(groups -> groups::completeTransaction)
                        .orElse((producerId, epoch, commit) -> CompletableFuture.completedFuture(null)),
                producerIds::nextProducerId, System::currentTimeMillis, executor, timer,
                TransactionCoordinator.Config.defaults()));
        this.transactionApis = transactions.map(txn -> new TransactionsHandler(txn, partitions));
        TransactionVerifier verifier = transactions.<TransactionVerifier>map(txn -> txn)
                .orElse((producerId, epoch, topic, partition) -> Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
        this.produce = new ProduceHandler(partitions, fetchWaiters::appended, producerIds::issued, verifier);
        this.fetch = new FetchHandler(partitions, fetchWaiters,
                config.zeroCopyFetch() ? StoredRecords.zeroCopy() : StoredRecords.copying(), config.limits().fetchBytesMax(),
                ABORTED_TRANSACTIONS);
        this.zeroCopyFetch = config.zeroCopyFetch();
        this.listOffsets = new ListOffsetsHandler(partitions);
        this.topics = new TopicsHandler(partitions);
        this.configs = new ConfigsHandler(partitions);
        this.partitionAdmin = new PartitionAdminHandler(partitions);
        this.describe = new DescribeHandler(partitions, node);
        this.groups = new GroupRouter(coordinator, node, partitions::exists, transactions.isPresent());
        this.acls = new AclsHandler(authorizer);
        this.authorization = new RequestAuthorization(authorizer, partitions);
        this.sasl = new SaslAuthenticator(config.security().sasl(), credentials);
        this.scramCredentials = new ScramCredentialsApis(credentials);
        partitions.trackAll(); // before the coordinator's recovery: the cleaner must not pass an open transaction
        transactions.ifPresent(txn -> txn.recover(RECOVERY_WAIT_MS));
    }

    /**
     * A Produce is decoded and handled on the calling thread, the connection's event loop, up to
     * the hand-off of its batches to the logs' writers: it crosses no other thread on its way in,
     * and its place in each log is fixed when this returns (what {@link RequestProcessor} asks).
     * Handing a Produce to the log blocks only when the log's in-flight budget is full, which is
     * backpressure on the loop's connections. A zero-copy Fetch is handled there too: it only
     * looks up where its records lie in the segment files (the event loop sends them); a long
     * poll waits without a thread. Every other request, and a Fetch that copies its records (TLS,
     * or zero copy off), goes to the handler executor.
     */
    @Override
    public CompletableFuture<Optional<Response>> process(ByteBuffer frame, Session session) {
        long started = System.nanoTime();
        short key = frame.remaining() >= 2 ? frame.getShort(frame.position()) : -1;
        if (key == ApiKeys.PRODUCE.id || (key == ApiKeys.FETCH.id && zeroCopyFetch && !session.listener().usesTls())) {
            try {
                return handle(decode(frame), session, started);
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        // Decoding and handling in one task: a stage chained after the decoding would run on this
        // thread (the event loop) whenever the decoding finished first, and handlers may do I/O.
        return CompletableFuture.supplyAsync(() -> handle(decode(frame), session, started), executor)
                .thenCompose(Function.identity());
    }

    private CompletableFuture<Optional<Response>> handle(RequestDecoder.Decoded decoded, Session session,
                                                         long started) {
        requireAuthenticated(decoded, session);
        if (decoded instanceof RequestDecoder.Answer answer) {
            LOG.debug("{} from {}: {}", answer.response().apiKey(), session.clientHost(), answer.note());
            return CompletableFuture.completedFuture(Optional.of(answer.response()));
        }
        ParsedRequest request = ((RequestDecoder.Dispatch) decoded).request();
        return dispatch(request, session).whenComplete((response, error) -> {
            if (error == null) {
                metrics.requestHandled(request, response, System.nanoTime() - started);
            } else {
                metrics.requestFailed(request.apiKey());
            }
        });
    }

    /**
     * On a SASL listener, a connection that has not authenticated may send ApiVersions and the SASL
     * exchange only; anything else closes it unanswered, as Kafka's broker does.
     */
    private static void requireAuthenticated(RequestDecoder.Decoded decoded, Session session) {
        if (session.isAuthenticated()) {
            return;
        }
        ApiKeys key = decoded instanceof RequestDecoder.Answer answer
                ? answer.response().apiKey() : ((RequestDecoder.Dispatch) decoded).request().apiKey();
        if (!SaslAuthenticator.allowedBeforeAuthentication(key)) {
            throw new CompletionException(new MalformedRequestException("Unexpected Kafka request of type " + key
                    + " before SASL authentication completed"));
        }
    }

    private RequestDecoder.Decoded decode(ByteBuffer frame) {
        try {
            return decoder.decode(frame);
        } catch (MalformedRequestException e) {
            throw new CompletionException(e);
        }
    }

    private CompletableFuture<Optional<Response>> dispatch(ParsedRequest request, Session session) {
        if (!authorization.enabled()) {
            return handle(request, session);
        }
        try {
            return authorization.handle(request, session, this::handle);
        } catch (UncheckedIOException e) {
            LOG.error("{} failed: {}", request.apiKey(), e.getMessage(), e);
            return now(RequestDecoder.errorResponse(request, Errors.KAFKA_STORAGE_ERROR));
        }
    }

    private CompletableFuture<Optional<Response>> handle(ParsedRequest request, Session session) {
        try {
            return switch (request.apiKey()) {
                case PRODUCE -> produce.handle(request);
                case FETCH -> fetch.handle(request);
                case API_VERSIONS -> now(apiVersions(request));
                case METADATA -> now(metadata.handle(request, session));
                case LIST_OFFSETS -> now(listOffsets.handle(request));
                case INIT_PRODUCER_ID -> initProducerId(request);
                case ADD_PARTITIONS_TO_TXN -> transactionApi(request, TransactionsHandler::addPartitions);
                case ADD_OFFSETS_TO_TXN -> transactionApi(request, TransactionsHandler::addOffsets);
                case END_TXN -> transactionApi(request, TransactionsHandler::endTxn);
                case DESCRIBE_TRANSACTIONS -> transactionApi(request,
                        (handler, r) -> CompletableFuture.completedFuture(handler.describeTransactions(r)));
                case LIST_TRANSACTIONS -> transactionApi(request,
                        (handler, r) -> CompletableFuture.completedFuture(handler.listTransactions(r)));
                case TXN_OFFSET_COMMIT -> txnOffsetCommit(request, session);
                case FIND_COORDINATOR -> now(groups.findCoordinator(request, session));
                case CREATE_TOPICS -> now(topics.createTopics(request));
                case DELETE_TOPICS -> now(topics.deleteTopics(request));
                case DESCRIBE_CONFIGS -> now(configs.describeConfigs(request));
                case ALTER_CONFIGS -> now(configs.alterConfigs(request));
                case INCREMENTAL_ALTER_CONFIGS -> now(configs.incrementalAlterConfigs(request));
                case CREATE_PARTITIONS -> now(partitionAdmin.createPartitions(request));
                case DELETE_RECORDS -> now(partitionAdmin.deleteRecords(request));
                case OFFSET_FOR_LEADER_EPOCH -> now(partitionAdmin.offsetForLeaderEpoch(request));
                case DESCRIBE_CLUSTER -> now(describe.describeCluster(request, session));
                case DESCRIBE_LOG_DIRS -> now(describe.describeLogDirs(request));
                case DESCRIBE_PRODUCERS -> now(describe.describeProducers(request));
                case DESCRIBE_ACLS -> now(acls.describeAcls(request, session));
                case CREATE_ACLS -> now(acls.createAcls(request, session));
                case DELETE_ACLS -> now(acls.deleteAcls(request, session));
                case SASL_HANDSHAKE -> now(sasl.handshake(request, session));
                case SASL_AUTHENTICATE -> now(sasl.authenticate(request, session));
                case DESCRIBE_USER_SCRAM_CREDENTIALS -> now(scramCredentials.describe(request));
                case ALTER_USER_SCRAM_CREDENTIALS -> now(scramCredentials.alter(request));
                case JOIN_GROUP, SYNC_GROUP, HEARTBEAT, LEAVE_GROUP, OFFSET_COMMIT, OFFSET_FETCH ->
                        groups.route(request, session);
                case LIST_GROUPS, DESCRIBE_GROUPS, DELETE_GROUPS, OFFSET_DELETE -> groups.route(request, session);
                default -> now(RequestDecoder.errorResponse(request, Errors.UNSUPPORTED_VERSION));
            };
        } catch (IOException | UncheckedIOException e) {
            LOG.error("{} failed: {}", request.apiKey(), e.getMessage(), e);
            return now(RequestDecoder.errorResponse(request, Errors.KAFKA_STORAGE_ERROR));
        }
    }

    private static CompletableFuture<Optional<Response>> now(Response response) {
        return CompletableFuture.completedFuture(Optional.of(response));
    }

    private Response apiVersions(ParsedRequest request) {
        ApiVersionsResponseData body = new ApiVersionsResponseData()
                .setErrorCode(Errors.NONE.code())
                .setApiKeys(apis.advertised())
                .setFinalizedFeaturesEpoch(-1);
        return Response.to(request, body);
    }

    private CompletableFuture<Optional<Response>> initProducerId(ParsedRequest request) throws IOException {
        InitProducerIdRequestData data = (InitProducerIdRequestData) request.request().data();
        if (data.transactionalId() != null && transactionApis.isPresent()) {
            return transactionApi(request, TransactionsHandler::initProducerId);
        }
        InitProducerIdResponseData body = new InitProducerIdResponseData().setProducerId(-1).setProducerEpoch((short) -1);
        if (data.transactionalId() != null) {
            body.setErrorCode(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code());
        } else if (producerIds.failure().isPresent()) {
            // A damaged id file: no id may be handed out (the start logged the file). Not a retriable
            // error such as KAFKA_STORAGE_ERROR, on which a producer would retry forever: it fails now.
            body.setErrorCode(Errors.UNKNOWN_SERVER_ERROR.code());
        } else {
            body.setProducerId(producerIds.nextProducerId()).setProducerEpoch((short) 0);
        }
        return now(Response.to(request, body));
    }

    /** A transaction API, answered by the transaction coordinator (not advertised without one). */
    private CompletableFuture<Optional<Response>> transactionApi(
            ParsedRequest request, java.util.function.BiFunction<TransactionsHandler, ParsedRequest,
                    CompletableFuture<Response>> api) {
        if (transactionApis.isEmpty()) {
            return now(RequestDecoder.errorResponse(request, Errors.COORDINATOR_NOT_AVAILABLE));
        }
        return api.apply(transactionApis.get(), request).thenApply(Optional::of);
    }

    /**
     * TxnOffsetCommit: the group coordinator keeps the offsets pending until the transaction ends,
     * once the transaction coordinator confirms that the producer's open transaction holds the
     * group's offsets (AddOffsetsToTxn came first). Check and commit run in the transactional id's
     * order, so the transaction's outcome cannot be sent to the group coordinator in between.
     */
    private CompletableFuture<Optional<Response>> txnOffsetCommit(ParsedRequest request, Session session) {
        TxnOffsetCommitRequestData data = (TxnOffsetCommitRequestData) request.request().data();
        if (transactions.isEmpty()) {
            return now(RequestDecoder.errorResponse(request, Errors.COORDINATOR_NOT_AVAILABLE));
        }
        return transactions.get().inTransaction(data.transactionalId(), data.producerId(), data.producerEpoch(),
                TransactionCoordinator.GROUP_OFFSETS, verified -> verified == Errors.NONE ? groups.route(request, session)
                        : now(RequestDecoder.errorResponse(request, verified == Errors.INVALID_PRODUCER_EPOCH
                                ? Errors.PRODUCER_FENCED : verified)));
    }

    /** How many fetches are waiting for data (long poll). */
    public int waitingFetches() {
        return fetchWaiters.waiting();
    }

    /** Answers every waiting fetch now (the first step of a graceful shutdown). */
    public void wakeWaitingFetches() {
        fetchWaiters.close();
    }

    @Override
    public void close() {
        fetchWaiters.close();
        metrics.close();
        transactions.ifPresent(txn -> {
            try {
                txn.close();
            } catch (IOException e) {
                LOG.warn("Could not close the transaction log: {}", e.getMessage());
            }
        });
    }
}
