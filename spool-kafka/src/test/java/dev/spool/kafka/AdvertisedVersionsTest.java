package dev.spool.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.DescribeLogDirsRequestData;
import org.apache.kafka.common.message.DescribeLogDirsResponseData;
import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.DescribeProducersResponseData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.AddOffsetsToTxnRequestData;
import org.apache.kafka.common.message.AddOffsetsToTxnResponseData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData;
import org.apache.kafka.common.message.DescribeTransactionsRequestData;
import org.apache.kafka.common.message.DescribeTransactionsResponseData;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.EndTxnResponseData;
import org.apache.kafka.common.message.ListTransactionsRequestData;
import org.apache.kafka.common.message.ListTransactionsResponseData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every version of every API the server advertises, by construction: the test asks the server
 * for its ApiVersions, then for each API and each version in the advertised range builds a request
 * with kafka-clients' generated message classes at that version, sends it over a bare socket,
 * decodes the response at that version and checks the fields that version has. An advertised API
 * without a case here fails the test, so a new API cannot be advertised untested.
 *
 * <p>The one exception is Produce below {@code kafka-clients}' oldest version (0 to 2): listed so
 * that old librdkafka enables compression, refused on use as Kafka 4 refuses them; the message
 * classes cannot even write them.
 */
class AdvertisedVersionsTest {
    private static final String TOPIC = "conformance";
    private static final int RECORDS = 3;
    private static final String GROUP = "conformance-group";

    @TempDir
    Path dir;

    /** One API: its request at a version, and what its response at that version must hold. */
    private interface Case {
        ApiMessage request(short version);

        void check(short version, ApiMessage response);
    }

    @Test
    @Timeout(120)
    void everyAdvertisedVersionOfEveryApiIsAnsweredAndDecodes() throws Exception {
        RunningServer.CoordinatorFactory groups = RunningServer.groups();
        try (RunningServer server = new RunningServer(dir, KafkaServerConfig.defaults(), groups);
             RawClient client = new RawClient(server.port())) {
            server.manager().createTopic(TOPIC, 1);
            ApiVersionsResponseData advertised = (ApiVersionsResponseData) client.call(ApiKeys.API_VERSIONS, (short) 3,
                    new ApiVersionsRequestData().setClientSoftwareName("conformance").setClientSoftwareVersion("1"));
            Map<ApiKeys, Case> cases = cases(server, client);
            for (int i = 0; i < RECORDS; i++) { // something to fetch and list before Produce's own turn
                short version = ApiKeys.PRODUCE.latestVersion();
                version = (short) Math.min(version, advertised.apiKeys().find(ApiKeys.PRODUCE.id).maxVersion());
                cases.get(ApiKeys.PRODUCE).check(version, call(client, ApiKeys.PRODUCE, version,
                        cases.get(ApiKeys.PRODUCE).request(version)));
            }
            List<String> checked = new ArrayList<>();
            for (ApiVersionsResponseData.ApiVersion api : advertised.apiKeys()) {
                ApiKeys key = ApiKeys.forId(api.apiKey());
                if (isGroupMembershipApi(key)) {
                    continue; // one join-sync-heartbeat-leave flow below covers all four
                }
                Case apiCase = cases.get(key);
                if (apiCase == null) {
                    fail(key + " is advertised (versions " + api.minVersion() + "-" + api.maxVersion()
                            + ") but this test has no case for it: add one");
                }
                for (short version = api.minVersion(); version <= api.maxVersion(); version++) {
                    if (version < key.oldestVersion()) {
                        assertThat(key).as("only Produce lists versions kafka-clients cannot write")
                                .isEqualTo(ApiKeys.PRODUCE);
                        continue;
                    }
                    ApiMessage response = call(client, key, version, apiCase.request(version));
                    apiCase.check(version, response);
                    checked.add(key.name + " v" + version);
                }
            }
            checked.addAll(groupMembershipFlow(client, advertised));
            assertThat(server.server().encodingFailureCount()).as("responses that could not be encoded").isZero();
            assertThat(checked).contains("ListOffsets v1", "ListOffsets v2", "ListOffsets v3", "Fetch v4",
                    "Metadata v0", "OffsetCommit v2", "JoinGroup v0", "LeaveGroup v5");
        }
    }

    private static ApiMessage call(RawClient client, ApiKeys key, short version, ApiMessage request) {
        try {
            return client.call(key, version, request);
        } catch (Exception e) {
            throw new AssertionError(key.name + " v" + version + ": no decodable response (" + e + ")", e);
        }
    }

    private static boolean isGroupMembershipApi(ApiKeys key) {
        return key == ApiKeys.JOIN_GROUP || key == ApiKeys.SYNC_GROUP || key == ApiKeys.HEARTBEAT
                || key == ApiKeys.LEAVE_GROUP;
    }

    private static void assertNoError(ApiKeys key, short version, short errorCode) {
        assertThat(Errors.forCode(errorCode)).as(key.name + " v" + version).isEqualTo(Errors.NONE);
    }

    private Map<ApiKeys, Case> cases(RunningServer server, RawClient client) {
        Map<ApiKeys, Case> cases = new EnumMap<>(ApiKeys.class);
        int[] produced = {0};
        cases.put(ApiKeys.PRODUCE, new Case() {
            public ApiMessage request(short version) {
                MemoryRecords records = MemoryRecords.withRecords(Compression.NONE,
                        new SimpleRecord(System.currentTimeMillis(), null, ("v" + version).getBytes(StandardCharsets.UTF_8)));
                ProduceRequestData.TopicProduceDataCollection topics = new ProduceRequestData.TopicProduceDataCollection();
                topics.add(new ProduceRequestData.TopicProduceData().setName(TOPIC).setPartitionData(List.of(
                        new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(records))));
                return new ProduceRequestData().setAcks((short) 1).setTimeoutMs(10_000).setTopicData(topics);
            }

            public void check(short version, ApiMessage response) {
                ProduceResponseData.PartitionProduceResponse partition = ((ProduceResponseData) response).responses()
                        .iterator().next().partitionResponses().get(0);
                assertNoError(ApiKeys.PRODUCE, version, partition.errorCode());
                assertThat(partition.baseOffset()).isEqualTo(produced[0]++);
            }
        });
        cases.put(ApiKeys.FETCH, new Case() {
            public ApiMessage request(short version) {
                FetchRequestData.FetchTopic topic = new FetchRequestData.FetchTopic().setPartitions(List.of(
                        new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(0)
                                .setPartitionMaxBytes(1 << 20)));
                if (version >= 13) {
                    topic.setTopicId(topicId(server)); // from 13 on, topics are named by id only
                } else {
                    topic.setTopic(TOPIC);
                }
                return new FetchRequestData().setReplicaId(-1).setMaxWaitMs(0).setMinBytes(0).setMaxBytes(1 << 20)
                        .setTopics(List.of(topic));
            }

            public void check(short version, ApiMessage response) {
                FetchResponseData.FetchableTopicResponse topic = ((FetchResponseData) response).responses().get(0);
                if (version >= 13) {
                    assertThat(topic.topicId()).isEqualTo(topicId(server));
                } else {
                    assertThat(topic.topic()).isEqualTo(TOPIC);
                }
                FetchResponseData.PartitionData partition = topic.partitions().get(0);
                assertNoError(ApiKeys.FETCH, version, partition.errorCode());
                assertThat(partition.highWatermark()).isGreaterThanOrEqualTo(RECORDS);
                assertThat(partition.records().sizeInBytes()).isPositive();
                if (version >= 5) {
                    assertThat(partition.logStartOffset()).isZero();
                }
            }
        });
        cases.put(ApiKeys.LIST_OFFSETS, new Case() {
            public ApiMessage request(short version) {
                return new ListOffsetsRequestData().setReplicaId(-1).setTopics(List.of(
                        new ListOffsetsRequestData.ListOffsetsTopic().setName(TOPIC).setPartitions(List.of(
                                new ListOffsetsRequestData.ListOffsetsPartition().setPartitionIndex(0)
                                        .setTimestamp(-2)))));
            }

            public void check(short version, ApiMessage response) {
                ListOffsetsResponseData.ListOffsetsPartitionResponse partition = ((ListOffsetsResponseData) response)
                        .topics().get(0).partitions().get(0);
                assertNoError(ApiKeys.LIST_OFFSETS, version, partition.errorCode());
                assertThat(partition.offset()).isZero();
                assertThat(partition.leaderEpoch()).isEqualTo(version >= 4 ? 0 : -1);
            }
        });
        cases.put(ApiKeys.METADATA, new Case() {
            public ApiMessage request(short version) {
                MetadataRequestData request = new MetadataRequestData().setTopics(List.of(
                        new MetadataRequestData.MetadataRequestTopic().setName(TOPIC)));
                return version >= 4 ? request.setAllowAutoTopicCreation(false) : request;
            }

            public void check(short version, ApiMessage response) {
                MetadataResponseData data = (MetadataResponseData) response;
                assertThat(data.brokers()).hasSize(1);
                assertThat(data.brokers().iterator().next().port()).isEqualTo(server.port());
                MetadataResponseData.MetadataResponseTopic topic = data.topics().find(TOPIC);
                assertNoError(ApiKeys.METADATA, version, topic.errorCode());
                assertThat(topic.partitions()).hasSize(1);
                assertThat(topic.partitions().get(0).leaderId()).isEqualTo(data.brokers().iterator().next().nodeId());
            }
        });
        cases.put(ApiKeys.FIND_COORDINATOR, new Case() {
            public ApiMessage request(short version) {
                FindCoordinatorRequestData request = new FindCoordinatorRequestData();
                return version < 4 ? request.setKey(GROUP) : request.setCoordinatorKeys(List.of(GROUP));
            }

            public void check(short version, ApiMessage response) {
                FindCoordinatorResponseData data = (FindCoordinatorResponseData) response;
                if (version < 4) {
                    assertNoError(ApiKeys.FIND_COORDINATOR, version, data.errorCode());
                    assertThat(data.port()).isEqualTo(server.port());
                } else {
                    assertNoError(ApiKeys.FIND_COORDINATOR, version, data.coordinators().get(0).errorCode());
                    assertThat(data.coordinators().get(0).port()).isEqualTo(server.port());
                }
            }
        });
        cases.put(ApiKeys.API_VERSIONS, new Case() {
            public ApiMessage request(short version) {
                ApiVersionsRequestData request = new ApiVersionsRequestData();
                return version < 3 ? request
                        : request.setClientSoftwareName("conformance").setClientSoftwareVersion("1");
            }

            public void check(short version, ApiMessage response) {
                ApiVersionsResponseData data = (ApiVersionsResponseData) response;
                assertNoError(ApiKeys.API_VERSIONS, version, data.errorCode());
                assertThat(data.apiKeys().find(ApiKeys.LIST_OFFSETS.id)).isNotNull();
            }
        });
        cases.put(ApiKeys.CREATE_TOPICS, new Case() {
            public ApiMessage request(short version) {
                CreateTopicsRequestData.CreatableTopicCollection topics = new CreateTopicsRequestData.CreatableTopicCollection();
                topics.add(new CreateTopicsRequestData.CreatableTopic().setName("created-v" + version)
                        .setNumPartitions(2).setReplicationFactor((short) 1));
                return new CreateTopicsRequestData().setTopics(topics).setTimeoutMs(10_000);
            }

            public void check(short version, ApiMessage response) {
                CreateTopicsResponseData.CreatableTopicResult result = ((CreateTopicsResponseData) response).topics()
                        .find("created-v" + version);
                assertNoError(ApiKeys.CREATE_TOPICS, version, result.errorCode());
                assertThat(server.manager().partitionCount("created-v" + version)).isEqualTo(2);
                if (version >= 5) {
                    assertThat(result.numPartitions()).isEqualTo(2);
                }
            }
        });
        cases.put(ApiKeys.DELETE_TOPICS, new Case() {
            public ApiMessage request(short version) {
                String name = "deleted-v" + version;
                try {
                    server.manager().createTopic(name, 1);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                DeleteTopicsRequestData request = new DeleteTopicsRequestData().setTimeoutMs(10_000);
                return version < 6 ? request.setTopicNames(List.of(name))
                        : request.setTopics(List.of(new DeleteTopicsRequestData.DeleteTopicState().setName(name)));
            }

            public void check(short version, ApiMessage response) {
                DeleteTopicsResponseData.DeletableTopicResult result = ((DeleteTopicsResponseData) response)
                        .responses().iterator().next();
                assertNoError(ApiKeys.DELETE_TOPICS, version, result.errorCode());
                assertThat(server.manager().topicExists("deleted-v" + version)).isFalse();
            }
        });
        cases.put(ApiKeys.INIT_PRODUCER_ID, new Case() {
            public ApiMessage request(short version) {
                return new InitProducerIdRequestData().setTransactionalId(null).setTransactionTimeoutMs(60_000);
            }

            public void check(short version, ApiMessage response) {
                InitProducerIdResponseData data = (InitProducerIdResponseData) response;
                assertNoError(ApiKeys.INIT_PRODUCER_ID, version, data.errorCode());
                assertThat(data.producerId()).isNotNegative();
            }
        });
        cases.put(ApiKeys.DESCRIBE_CONFIGS, new Case() {
            public ApiMessage request(short version) {
                return new DescribeConfigsRequestData().setResources(List.of(
                        new DescribeConfigsRequestData.DescribeConfigsResource()
                                .setResourceType(ConfigResource.Type.TOPIC.id()).setResourceName(TOPIC)
                                .setConfigurationKeys(null))); // all of them, as Admin asks
            }

            public void check(short version, ApiMessage response) {
                DescribeConfigsResponseData.DescribeConfigsResult result = ((DescribeConfigsResponseData) response)
                        .results().get(0);
                assertNoError(ApiKeys.DESCRIBE_CONFIGS, version, result.errorCode());
                assertThat(result.configs()).anySatisfy(config -> assertThat(config.name()).isEqualTo("retention.ms"));
            }
        });
        long[] committed = {0};
        cases.put(ApiKeys.OFFSET_COMMIT, new Case() {
            public ApiMessage request(short version) {
                committed[0] = version;
                return new OffsetCommitRequestData().setGroupId(GROUP).setGenerationIdOrMemberEpoch(-1).setMemberId("")
                        .setTopics(List.of(new OffsetCommitRequestData.OffsetCommitRequestTopic().setName(TOPIC)
                                .setPartitions(List.of(new OffsetCommitRequestData.OffsetCommitRequestPartition()
                                        .setPartitionIndex(0).setCommittedOffset(version)))));
            }

            public void check(short version, ApiMessage response) {
                OffsetCommitResponseData data = (OffsetCommitResponseData) response;
                assertNoError(ApiKeys.OFFSET_COMMIT, version, data.topics().get(0).partitions().get(0).errorCode());
            }
        });
        cases.put(ApiKeys.OFFSET_FETCH, new Case() {
            public ApiMessage request(short version) {
                if (version < 8) {
                    return new OffsetFetchRequestData().setGroupId(GROUP).setTopics(List.of(
                            new OffsetFetchRequestData.OffsetFetchRequestTopic().setName(TOPIC)
                                    .setPartitionIndexes(List.of(0))));
                }
                return new OffsetFetchRequestData().setGroups(List.of(new OffsetFetchRequestData.OffsetFetchRequestGroup()
                        .setGroupId(GROUP).setTopics(List.of(new OffsetFetchRequestData.OffsetFetchRequestTopics()
                                .setName(TOPIC).setPartitionIndexes(List.of(0))))));
            }

            public void check(short version, ApiMessage response) {
                OffsetFetchResponseData data = (OffsetFetchResponseData) response;
                long offset;
                short error;
                if (version < 8) {
                    offset = data.topics().get(0).partitions().get(0).committedOffset();
                    error = data.topics().get(0).partitions().get(0).errorCode();
                } else {
                    OffsetFetchResponseData.OffsetFetchResponsePartitions partition = data.groups().get(0).topics()
                            .get(0).partitions().get(0);
                    offset = partition.committedOffset();
                    error = partition.errorCode();
                }
                assertNoError(ApiKeys.OFFSET_FETCH, version, error);
                assertThat(offset).as("the offset committed last (OffsetCommit v" + committed[0] + ")")
                        .isEqualTo(committed[0]);
            }
        });
        groupAdministrationCases(cases, client);
        configCases(cases, server);
        partitionAdminCases(cases, server);
        describeCases(cases, server);
        transactionCases(cases, client);
        return cases;
    }

    /**
     * The transaction APIs, each version on a transactional id of its own, brought by raw requests
     * (InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn at one fixed version) to the state the API
     * under test needs.
     */
    private static void transactionCases(Map<ApiKeys, Case> cases, RawClient client) {
        cases.put(ApiKeys.ADD_PARTITIONS_TO_TXN, new Case() {
            public ApiMessage request(short version) {
                String id = "add-partitions-v" + version;
                InitProducerIdResponseData producer = initTransactions(client, id);
                var topics = new AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection();
                topics.add(new AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic().setName(TOPIC)
                        .setPartitions(List.of(0)));
                AddPartitionsToTxnRequestData request = new AddPartitionsToTxnRequestData();
                if (version <= 3) {
                    return request.setV3AndBelowTransactionalId(id).setV3AndBelowProducerId(producer.producerId())
                            .setV3AndBelowProducerEpoch(producer.producerEpoch()).setV3AndBelowTopics(topics);
                }
                var transactions = new AddPartitionsToTxnRequestData.AddPartitionsToTxnTransactionCollection();
                transactions.add(new AddPartitionsToTxnRequestData.AddPartitionsToTxnTransaction()
                        .setTransactionalId(id).setProducerId(producer.producerId())
                        .setProducerEpoch(producer.producerEpoch()).setVerifyOnly(false).setTopics(topics));
                return request.setTransactions(transactions);
            }

            public void check(short version, ApiMessage response) {
                var data = (AddPartitionsToTxnResponseData) response;
                var topics = version <= 3 ? data.resultsByTopicV3AndBelow()
                        : data.resultsByTransaction().iterator().next().topicResults();
                assertNoError(ApiKeys.ADD_PARTITIONS_TO_TXN, version,
                        topics.find(TOPIC).resultsByPartition().find(0).partitionErrorCode());
            }
        });
        cases.put(ApiKeys.ADD_OFFSETS_TO_TXN, new Case() {
            public ApiMessage request(short version) {
                String id = "add-offsets-v" + version;
                InitProducerIdResponseData producer = initTransactions(client, id);
                return new AddOffsetsToTxnRequestData().setTransactionalId(id).setProducerId(producer.producerId())
                        .setProducerEpoch(producer.producerEpoch()).setGroupId(GROUP);
            }

            public void check(short version, ApiMessage response) {
                assertNoError(ApiKeys.ADD_OFFSETS_TO_TXN, version, ((AddOffsetsToTxnResponseData) response).errorCode());
            }
        });
        cases.put(ApiKeys.END_TXN, new Case() {
            public ApiMessage request(short version) {
                String id = "end-v" + version;
                InitProducerIdResponseData producer = addOffsets(client, id);
                return new EndTxnRequestData().setTransactionalId(id).setProducerId(producer.producerId())
                        .setProducerEpoch(producer.producerEpoch()).setCommitted(version % 2 == 0);
            }

            public void check(short version, ApiMessage response) {
                assertNoError(ApiKeys.END_TXN, version, ((EndTxnResponseData) response).errorCode());
            }
        });
        cases.put(ApiKeys.TXN_OFFSET_COMMIT, new Case() {
            public ApiMessage request(short version) {
                String id = "txn-offset-commit-v" + version;
                InitProducerIdResponseData producer = addOffsets(client, id);
                return new TxnOffsetCommitRequestData().setTransactionalId(id).setGroupId(GROUP)
                        .setProducerId(producer.producerId()).setProducerEpoch(producer.producerEpoch())
                        .setGenerationIdOrMemberEpoch(-1).setMemberId("").setTopics(List.of(
                                new TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic().setName(TOPIC)
                                        .setPartitions(List.of(new TxnOffsetCommitRequestData
                                                .TxnOffsetCommitRequestPartition().setPartitionIndex(0)
                                                .setCommittedOffset(1)))));
            }

            public void check(short version, ApiMessage response) {
                assertNoError(ApiKeys.TXN_OFFSET_COMMIT, version, ((TxnOffsetCommitResponseData) response).topics()
                        .get(0).partitions().get(0).errorCode());
            }
        });
        cases.put(ApiKeys.DESCRIBE_TRANSACTIONS, new Case() {
            public ApiMessage request(short version) {
                initTransactions(client, "described-v" + version);
                return new DescribeTransactionsRequestData().setTransactionalIds(List.of("described-v" + version));
            }

            public void check(short version, ApiMessage response) {
                var state = ((DescribeTransactionsResponseData) response).transactionStates().get(0);
                assertNoError(ApiKeys.DESCRIBE_TRANSACTIONS, version, state.errorCode());
                assertThat(state.transactionState()).isEqualTo("Empty");
            }
        });
        cases.put(ApiKeys.LIST_TRANSACTIONS, new Case() {
            public ApiMessage request(short version) {
                initTransactions(client, "listed-v" + version);
                return new ListTransactionsRequestData();
            }

            public void check(short version, ApiMessage response) {
                var data = (ListTransactionsResponseData) response;
                assertNoError(ApiKeys.LIST_TRANSACTIONS, version, data.errorCode());
                assertThat(data.transactionStates()).extracting(ListTransactionsResponseData.TransactionState::transactionalId)
                        .contains("listed-v" + version);
            }
        });
    }

    /** InitProducerId for a transactional id: its producer id and epoch. */
    private static InitProducerIdResponseData initTransactions(RawClient client, String transactionalId) {
        var response = (InitProducerIdResponseData) call(client, ApiKeys.INIT_PRODUCER_ID, (short) 4,
                new InitProducerIdRequestData().setTransactionalId(transactionalId).setTransactionTimeoutMs(60_000)
                        .setProducerId(-1).setProducerEpoch((short) -1));
        assertNoError(ApiKeys.INIT_PRODUCER_ID, (short) 4, response.errorCode());
        return response;
    }

    /** A transaction of {@code transactionalId} opened with the group's offsets in it (AddOffsetsToTxn v3). */
    private static InitProducerIdResponseData addOffsets(RawClient client, String transactionalId) {
        InitProducerIdResponseData producer = initTransactions(client, transactionalId);
        var added = (AddOffsetsToTxnResponseData) call(client, ApiKeys.ADD_OFFSETS_TO_TXN, (short) 3,
                new AddOffsetsToTxnRequestData().setTransactionalId(transactionalId)
                        .setProducerId(producer.producerId()).setProducerEpoch(producer.producerEpoch())
                        .setGroupId(GROUP));
        assertNoError(ApiKeys.ADD_OFFSETS_TO_TXN, (short) 3, added.errorCode());
        return producer;
    }

    /** AlterConfigs and IncrementalAlterConfigs: each version sets its own retention.ms on {@link #TOPIC}. */
    private static void configCases(Map<ApiKeys, Case> cases, RunningServer server) {
        cases.put(ApiKeys.ALTER_CONFIGS, new Case() {
            public ApiMessage request(short version) {
                AlterConfigsRequestData.AlterableConfigCollection configs = new AlterConfigsRequestData.AlterableConfigCollection();
                configs.add(new AlterConfigsRequestData.AlterableConfig().setName("retention.ms")
                        .setValue(Long.toString(retentionMs(ApiKeys.ALTER_CONFIGS, version))));
                AlterConfigsRequestData.AlterConfigsResourceCollection resources =
                        new AlterConfigsRequestData.AlterConfigsResourceCollection();
                resources.add(new AlterConfigsRequestData.AlterConfigsResource()
                        .setResourceType(ConfigResource.Type.TOPIC.id()).setResourceName(TOPIC).setConfigs(configs));
                return new AlterConfigsRequestData().setResources(resources);
            }

            public void check(short version, ApiMessage response) {
                assertNoError(ApiKeys.ALTER_CONFIGS, version,
                        ((AlterConfigsResponseData) response).responses().get(0).errorCode());
                assertThat(server.manager().log(TOPIC, 0).config().retentionMs())
                        .isEqualTo(retentionMs(ApiKeys.ALTER_CONFIGS, version));
            }
        });
        cases.put(ApiKeys.INCREMENTAL_ALTER_CONFIGS, new Case() {
            public ApiMessage request(short version) {
                IncrementalAlterConfigsRequestData.AlterableConfigCollection configs =
                        new IncrementalAlterConfigsRequestData.AlterableConfigCollection();
                configs.add(new IncrementalAlterConfigsRequestData.AlterableConfig().setName("retention.ms")
                        .setConfigOperation((byte) 0) // SET
                        .setValue(Long.toString(retentionMs(ApiKeys.INCREMENTAL_ALTER_CONFIGS, version))));
                IncrementalAlterConfigsRequestData.AlterConfigsResourceCollection resources =
                        new IncrementalAlterConfigsRequestData.AlterConfigsResourceCollection();
                resources.add(new IncrementalAlterConfigsRequestData.AlterConfigsResource()
                        .setResourceType(ConfigResource.Type.TOPIC.id()).setResourceName(TOPIC).setConfigs(configs));
                return new IncrementalAlterConfigsRequestData().setResources(resources);
            }

            public void check(short version, ApiMessage response) {
                assertNoError(ApiKeys.INCREMENTAL_ALTER_CONFIGS, version,
                        ((IncrementalAlterConfigsResponseData) response).responses().get(0).errorCode());
                assertThat(server.manager().log(TOPIC, 0).config().retentionMs())
                        .isEqualTo(retentionMs(ApiKeys.INCREMENTAL_ALTER_CONFIGS, version));
            }
        });
    }

    private static Uuid topicId(RunningServer server) {
        java.util.UUID id = server.manager().topicId(TOPIC);
        return new Uuid(id.getMostSignificantBits(), id.getLeastSignificantBits());
    }

    /**
     * CreatePartitions grows {@link #TOPIC} by one per version; DeleteRecords raises its start to
     * version + 1; OffsetForLeaderEpoch finds its end for epoch 0.
     */
    private static void partitionAdminCases(Map<ApiKeys, Case> cases, RunningServer server) {
        int[] partitionsBefore = {0};
        cases.put(ApiKeys.CREATE_PARTITIONS, new Case() {
            public ApiMessage request(short version) {
                partitionsBefore[0] = server.manager().partitionCount(TOPIC);
                CreatePartitionsRequestData request = new CreatePartitionsRequestData().setTimeoutMs(10_000);
                request.topics().add(new CreatePartitionsRequestData.CreatePartitionsTopic().setName(TOPIC)
                        .setCount(partitionsBefore[0] + 1).setAssignments(null));
                return request;
            }

            public void check(short version, ApiMessage response) {
                assertNoError(ApiKeys.CREATE_PARTITIONS, version,
                        ((CreatePartitionsResponseData) response).results().get(0).errorCode());
                assertThat(server.manager().partitionCount(TOPIC)).isEqualTo(partitionsBefore[0] + 1);
            }
        });
        cases.put(ApiKeys.DELETE_RECORDS, new Case() {
            public ApiMessage request(short version) {
                DeleteRecordsRequestData request = new DeleteRecordsRequestData().setTimeoutMs(10_000);
                request.topics().add(new DeleteRecordsRequestData.DeleteRecordsTopic().setName(TOPIC).setPartitions(
                        List.of(new DeleteRecordsRequestData.DeleteRecordsPartition().setPartitionIndex(0)
                                .setOffset(version + 1))));
                return request;
            }

            public void check(short version, ApiMessage response) {
                DeleteRecordsResponseData.DeleteRecordsPartitionResult partition = ((DeleteRecordsResponseData) response)
                        .topics().find(TOPIC).partitions().find(0);
                assertNoError(ApiKeys.DELETE_RECORDS, version, partition.errorCode());
                assertThat(partition.lowWatermark()).isEqualTo(version + 1);
                assertThat(server.manager().log(TOPIC, 0).logStartOffset()).isEqualTo(version + 1);
            }
        });
        cases.put(ApiKeys.OFFSET_FOR_LEADER_EPOCH, new Case() {
            public ApiMessage request(short version) {
                OffsetForLeaderEpochRequestData.OffsetForLeaderTopicCollection topics =
                        new OffsetForLeaderEpochRequestData.OffsetForLeaderTopicCollection();
                topics.add(new OffsetForLeaderEpochRequestData.OffsetForLeaderTopic().setTopic(TOPIC).setPartitions(
                        List.of(new OffsetForLeaderEpochRequestData.OffsetForLeaderPartition().setPartition(0)
                                .setCurrentLeaderEpoch(-1).setLeaderEpoch(0))));
                return new OffsetForLeaderEpochRequestData().setReplicaId(-1).setTopics(topics);
            }

            public void check(short version, ApiMessage response) {
                OffsetForLeaderEpochResponseData.EpochEndOffset partition = ((OffsetForLeaderEpochResponseData) response)
                        .topics().find(TOPIC).partitions().get(0);
                assertNoError(ApiKeys.OFFSET_FOR_LEADER_EPOCH, version, partition.errorCode());
                assertThat(partition.leaderEpoch()).isZero();
                assertThat(partition.endOffset()).isEqualTo(server.manager().log(TOPIC, 0).logEndOffset());
            }
        });
    }

    /** DescribeCluster, DescribeLogDirs, DescribeProducers. */
    private static void describeCases(Map<ApiKeys, Case> cases, RunningServer server) {
        cases.put(ApiKeys.DESCRIBE_CLUSTER, new Case() {
            public ApiMessage request(short version) {
                return new DescribeClusterRequestData();
            }

            public void check(short version, ApiMessage response) {
                DescribeClusterResponseData data = (DescribeClusterResponseData) response;
                assertNoError(ApiKeys.DESCRIBE_CLUSTER, version, data.errorCode());
                assertThat(data.brokers()).hasSize(1);
                assertThat(data.brokers().iterator().next().port()).isEqualTo(server.port());
                assertThat(data.clusterId()).isNotEmpty();
            }
        });
        cases.put(ApiKeys.DESCRIBE_LOG_DIRS, new Case() {
            public ApiMessage request(short version) {
                return new DescribeLogDirsRequestData().setTopics(null); // every topic
            }

            public void check(short version, ApiMessage response) {
                DescribeLogDirsResponseData.DescribeLogDirsResult dir = ((DescribeLogDirsResponseData) response)
                        .results().get(0);
                assertNoError(ApiKeys.DESCRIBE_LOG_DIRS, version, dir.errorCode());
                DescribeLogDirsResponseData.DescribeLogDirsTopic topic = dir.topics().stream()
                        .filter(t -> t.name().equals(TOPIC)).findFirst().orElseThrow();
                assertThat(topic.partitions().stream().filter(p -> p.partitionIndex() == 0).findFirst().orElseThrow()
                        .partitionSize()).isEqualTo(server.manager().log(TOPIC, 0).sizeBytes());
                if (version >= 4) {
                    assertThat(dir.totalBytes()).isPositive();
                }
            }
        });
        cases.put(ApiKeys.DESCRIBE_PRODUCERS, new Case() {
            public ApiMessage request(short version) {
                DescribeProducersRequestData request = new DescribeProducersRequestData();
                request.topics().add(new DescribeProducersRequestData.TopicRequest().setName(TOPIC)
                        .setPartitionIndexes(List.of(0)));
                return request;
            }

            public void check(short version, ApiMessage response) {
                DescribeProducersResponseData.PartitionResponse partition = ((DescribeProducersResponseData) response)
                        .topics().get(0).partitions().get(0);
                assertNoError(ApiKeys.DESCRIBE_PRODUCERS, version, partition.errorCode());
                assertThat(partition.activeProducers()).isEmpty(); // this test's producers are not idempotent
            }
        });
        cases.put(ApiKeys.DESCRIBE_ACLS, new Case() {
            public ApiMessage request(short version) {
                return new org.apache.kafka.common.message.DescribeAclsRequestData().setResourceTypeFilter((byte) 1)
                        .setPatternTypeFilter((byte) 1).setOperation((byte) 1).setPermissionType((byte) 1);
            }

            public void check(short version, ApiMessage response) {
                var data = (org.apache.kafka.common.message.DescribeAclsResponseData) response;
                assertThat(data.errorCode()).as("DescribeAcls v%d without an authorizer", version)
                        .isEqualTo(Errors.SECURITY_DISABLED.code());
                assertThat(data.resources()).isEmpty();
            }
        });
        // With an authorizer these are checked at every version by AclApisTest.
        cases.put(ApiKeys.CREATE_ACLS, new Case() {
            public ApiMessage request(short version) {
                return new org.apache.kafka.common.message.CreateAclsRequestData().setCreations(List.of(
                        new org.apache.kafka.common.message.CreateAclsRequestData.AclCreation().setResourceType((byte) 2)
                                .setResourceName(TOPIC).setResourcePatternType((byte) 3).setPrincipal("User:alice")
                                .setHost("*").setOperation((byte) 3).setPermissionType((byte) 3)));
            }

            public void check(short version, ApiMessage response) {
                var data = (org.apache.kafka.common.message.CreateAclsResponseData) response;
                assertThat(data.results()).hasSize(1);
                assertThat(data.results().get(0).errorCode()).as("CreateAcls v%d without an authorizer", version)
                        .isEqualTo(Errors.SECURITY_DISABLED.code());
            }
        });
        cases.put(ApiKeys.DELETE_ACLS, new Case() {
            public ApiMessage request(short version) {
                return new org.apache.kafka.common.message.DeleteAclsRequestData().setFilters(List.of(
                        new org.apache.kafka.common.message.DeleteAclsRequestData.DeleteAclsFilter()
                                .setResourceTypeFilter((byte) 1).setPatternTypeFilter((byte) 1).setOperation((byte) 1)
                                .setPermissionType((byte) 1)));
            }

            public void check(short version, ApiMessage response) {
                var data = (org.apache.kafka.common.message.DeleteAclsResponseData) response;
                assertThat(data.filterResults()).hasSize(1);
                assertThat(data.filterResults().get(0).errorCode()).as("DeleteAcls v%d without an authorizer", version)
                        .isEqualTo(Errors.SECURITY_DISABLED.code());
                assertThat(data.filterResults().get(0).matchingAcls()).isEmpty();
            }
        });
        saslCases(cases);
    }

    /**
     * The SASL exchange on this test's plaintext listener is out of place, as on Kafka's broker
     * (ILLEGAL_SASL_STATE); the SCRAM credential APIs work on any listener (Describe, key 50, runs
     * before Alter, key 51, and finds no user yet).
     */
    private static void saslCases(Map<ApiKeys, Case> cases) {
        cases.put(ApiKeys.SASL_HANDSHAKE, new Case() {
            public ApiMessage request(short version) {
                return new org.apache.kafka.common.message.SaslHandshakeRequestData().setMechanism("PLAIN");
            }

            public void check(short version, ApiMessage response) {
                var data = (org.apache.kafka.common.message.SaslHandshakeResponseData) response;
                assertThat(Errors.forCode(data.errorCode())).as("SaslHandshake v%d on PLAINTEXT", version)
                        .isEqualTo(Errors.ILLEGAL_SASL_STATE);
            }
        });
        cases.put(ApiKeys.SASL_AUTHENTICATE, new Case() {
            public ApiMessage request(short version) {
                return new org.apache.kafka.common.message.SaslAuthenticateRequestData()
                        .setAuthBytes("\0u\0p".getBytes(StandardCharsets.UTF_8));
            }

            public void check(short version, ApiMessage response) {
                var data = (org.apache.kafka.common.message.SaslAuthenticateResponseData) response;
                assertThat(Errors.forCode(data.errorCode())).as("SaslAuthenticate v%d on PLAINTEXT", version)
                        .isEqualTo(Errors.ILLEGAL_SASL_STATE);
                assertThat(data.errorMessage()).isNotEmpty();
            }
        });
        cases.put(ApiKeys.DESCRIBE_USER_SCRAM_CREDENTIALS, new Case() {
            public ApiMessage request(short version) {
                return new org.apache.kafka.common.message.DescribeUserScramCredentialsRequestData().setUsers(null);
            }

            public void check(short version, ApiMessage response) {
                var data = (org.apache.kafka.common.message.DescribeUserScramCredentialsResponseData) response;
                assertNoError(ApiKeys.DESCRIBE_USER_SCRAM_CREDENTIALS, version, data.errorCode());
                assertThat(data.results()).isEmpty();
            }
        });
        cases.put(ApiKeys.ALTER_USER_SCRAM_CREDENTIALS, new Case() {
            public ApiMessage request(short version) {
                return new org.apache.kafka.common.message.AlterUserScramCredentialsRequestData().setUpsertions(List.of(
                        new org.apache.kafka.common.message.AlterUserScramCredentialsRequestData.ScramCredentialUpsertion()
                                .setName("conformance-user").setMechanism((byte) 1).setIterations(4096)
                                .setSalt(new byte[16]).setSaltedPassword(new byte[32])));
            }

            public void check(short version, ApiMessage response) {
                var data = (org.apache.kafka.common.message.AlterUserScramCredentialsResponseData) response;
                assertThat(data.results()).hasSize(1);
                assertNoError(ApiKeys.ALTER_USER_SCRAM_CREDENTIALS, version, data.results().get(0).errorCode());
            }
        });
    }

    /** A retention distinct per API and version, so each check sees its own request's effect. */
    private static long retentionMs(ApiKeys key, short version) {
        return 86_400_000L + key.id * 100L + version;
    }

    /** ListGroups, DescribeGroups, DeleteGroups, OffsetDelete: after OffsetCommit made {@link #GROUP} (lower keys run first). */
    private static void groupAdministrationCases(Map<ApiKeys, Case> cases, RawClient client) {
        cases.put(ApiKeys.LIST_GROUPS, new Case() {
            public ApiMessage request(short version) {
                return new ListGroupsRequestData();
            }

            public void check(short version, ApiMessage response) {
                ListGroupsResponseData data = (ListGroupsResponseData) response;
                assertNoError(ApiKeys.LIST_GROUPS, version, data.errorCode());
                assertThat(data.groups()).anySatisfy(group -> assertThat(group.groupId()).isEqualTo(GROUP));
            }
        });
        cases.put(ApiKeys.DESCRIBE_GROUPS, new Case() {
            public ApiMessage request(short version) {
                return new DescribeGroupsRequestData().setGroups(List.of(GROUP));
            }

            public void check(short version, ApiMessage response) {
                DescribeGroupsResponseData.DescribedGroup group = ((DescribeGroupsResponseData) response).groups().get(0);
                assertNoError(ApiKeys.DESCRIBE_GROUPS, version, group.errorCode());
                assertThat(group.groupId()).isEqualTo(GROUP);
                assertThat(group.groupState()).isEqualTo("Empty");
                assertThat(group.members()).isEmpty();
            }
        });
        cases.put(ApiKeys.DELETE_GROUPS, new Case() {
            public ApiMessage request(short version) {
                String group = "deleted-group-v" + version;
                OffsetCommitResponseData committed = (OffsetCommitResponseData) call(client, ApiKeys.OFFSET_COMMIT,
                        (short) 9, new OffsetCommitRequestData().setGroupId(group).setGenerationIdOrMemberEpoch(-1)
                                .setMemberId("").setTopics(List.of(new OffsetCommitRequestData.OffsetCommitRequestTopic()
                                        .setName(TOPIC).setPartitions(List.of(
                                                new OffsetCommitRequestData.OffsetCommitRequestPartition()
                                                        .setPartitionIndex(0).setCommittedOffset(1))))));
                assertNoError(ApiKeys.OFFSET_COMMIT, (short) 9, committed.topics().get(0).partitions().get(0).errorCode());
                return new DeleteGroupsRequestData().setGroupsNames(List.of(group));
            }

            public void check(short version, ApiMessage response) {
                DeleteGroupsResponseData.DeletableGroupResult result = ((DeleteGroupsResponseData) response).results()
                        .iterator().next();
                assertThat(result.groupId()).isEqualTo("deleted-group-v" + version);
                assertNoError(ApiKeys.DELETE_GROUPS, version, result.errorCode());
            }
        });
        cases.put(ApiKeys.OFFSET_DELETE, new Case() {
            public ApiMessage request(short version) {
                OffsetDeleteRequestData.OffsetDeleteRequestTopicCollection topics =
                        new OffsetDeleteRequestData.OffsetDeleteRequestTopicCollection();
                topics.add(new OffsetDeleteRequestData.OffsetDeleteRequestTopic().setName(TOPIC).setPartitions(List.of(
                        new OffsetDeleteRequestData.OffsetDeleteRequestPartition().setPartitionIndex(0))));
                return new OffsetDeleteRequestData().setGroupId(GROUP).setTopics(topics);
            }

            public void check(short version, ApiMessage response) {
                OffsetDeleteResponseData data = (OffsetDeleteResponseData) response;
                assertNoError(ApiKeys.OFFSET_DELETE, version, data.errorCode());
                assertNoError(ApiKeys.OFFSET_DELETE, version, data.topics().find(TOPIC).partitions().find(0).errorCode());
            }
        });
    }

    /**
     * For each step {@code i}, one member joins, syncs, heartbeats and leaves, each API at version
     * {@code i} or its highest, until every advertised version of the four has been used. JoinGroup
     * from version 4 first answers MEMBER_ID_REQUIRED with the id to join with.
     */
    private static List<String> groupMembershipFlow(RawClient client, ApiVersionsResponseData advertised) {
        short joinMax = advertised.apiKeys().find(ApiKeys.JOIN_GROUP.id).maxVersion();
        short syncMax = advertised.apiKeys().find(ApiKeys.SYNC_GROUP.id).maxVersion();
        short heartbeatMax = advertised.apiKeys().find(ApiKeys.HEARTBEAT.id).maxVersion();
        short leaveMax = advertised.apiKeys().find(ApiKeys.LEAVE_GROUP.id).maxVersion();
        int steps = Math.max(Math.max(joinMax, syncMax), Math.max(heartbeatMax, leaveMax));
        List<String> checked = new ArrayList<>();
        for (int step = 0; step <= steps; step++) {
            String group = "membership-" + step;
            short join = (short) Math.min(step, joinMax);
            short sync = (short) Math.min(step, syncMax);
            short heartbeat = (short) Math.min(step, heartbeatMax);
            short leave = (short) Math.min(step, leaveMax);
            JoinGroupRequestData.JoinGroupRequestProtocolCollection protocols =
                    new JoinGroupRequestData.JoinGroupRequestProtocolCollection();
            protocols.add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName("range")
                    .setMetadata(new byte[] {1, 2, 3}));
            JoinGroupRequestData joinRequest = new JoinGroupRequestData().setGroupId(group).setSessionTimeoutMs(10_000)
                    .setRebalanceTimeoutMs(10_000).setMemberId("").setProtocolType("consumer").setProtocols(protocols);
            JoinGroupResponseData joined = (JoinGroupResponseData) call(client, ApiKeys.JOIN_GROUP, join, joinRequest);
            if (joined.errorCode() == Errors.MEMBER_ID_REQUIRED.code()) {
                assertThat(join).as("MEMBER_ID_REQUIRED only from JoinGroup v4").isGreaterThanOrEqualTo((short) 4);
                joined = (JoinGroupResponseData) call(client, ApiKeys.JOIN_GROUP, join,
                        joinRequest.setMemberId(joined.memberId()));
            }
            assertNoError(ApiKeys.JOIN_GROUP, join, joined.errorCode());
            assertThat(joined.leader()).isEqualTo(joined.memberId());
            assertThat(joined.members()).hasSize(1);
            assertThat(joined.members().get(0).metadata()).containsExactly(1, 2, 3);
            String member = joined.memberId();
            int generation = joined.generationId();

            SyncGroupRequestData syncRequest = new SyncGroupRequestData().setGroupId(group).setGenerationId(generation)
                    .setMemberId(member).setAssignments(List.of(new SyncGroupRequestData.SyncGroupRequestAssignment()
                            .setMemberId(member).setAssignment(new byte[] {9, 8})));
            if (sync >= 5) {
                syncRequest.setProtocolType("consumer").setProtocolName("range");
            }
            SyncGroupResponseData synced = (SyncGroupResponseData) call(client, ApiKeys.SYNC_GROUP, sync, syncRequest);
            assertNoError(ApiKeys.SYNC_GROUP, sync, synced.errorCode());
            assertThat(synced.assignment()).containsExactly(9, 8);

            HeartbeatResponseData beat = (HeartbeatResponseData) call(client, ApiKeys.HEARTBEAT, heartbeat,
                    new HeartbeatRequestData().setGroupId(group).setGenerationId(generation).setMemberId(member));
            assertNoError(ApiKeys.HEARTBEAT, heartbeat, beat.errorCode());

            LeaveGroupRequestData leaveRequest = new LeaveGroupRequestData().setGroupId(group);
            if (leave < 3) {
                leaveRequest.setMemberId(member);
            } else {
                leaveRequest.setMembers(List.of(new LeaveGroupRequestData.MemberIdentity().setMemberId(member)));
            }
            LeaveGroupResponseData left = (LeaveGroupResponseData) call(client, ApiKeys.LEAVE_GROUP, leave, leaveRequest);
            assertNoError(ApiKeys.LEAVE_GROUP, leave, left.errorCode());
            if (leave >= 3) {
                assertNoError(ApiKeys.LEAVE_GROUP, leave, left.members().get(0).errorCode());
            }
            checked.add("JoinGroup v" + join);
            checked.add("SyncGroup v" + sync);
            checked.add("Heartbeat v" + heartbeat);
            checked.add("LeaveGroup v" + leave);
        }
        return checked;
    }
}
