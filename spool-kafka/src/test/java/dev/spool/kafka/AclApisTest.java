package dev.spool.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.kafka.security.AclFile;
import dev.spool.kafka.security.AuthorizerSettings;
import dev.spool.kafka.security.SecuritySettings;
import dev.spool.log.io.FileIO;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.message.CreateAclsRequestData;
import org.apache.kafka.common.message.CreateAclsResponseData;
import org.apache.kafka.common.message.DeleteAclsRequestData;
import org.apache.kafka.common.message.DeleteAclsResponseData;
import org.apache.kafka.common.message.DescribeAclsRequestData;
import org.apache.kafka.common.message.DescribeAclsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CreateAcls, DescribeAcls and DeleteAcls at every version the server advertises, with an
 * authorizer on (AdvertisedVersionsTest covers them without one); and Metadata's answers for topics
 * a client may not describe or create, on the wire.
 */
class AclApisTest {
    @TempDir
    Path dir;

    private static KafkaServerConfig withAuthorizer(Set<KafkaPrincipal> superUsers) {
        return KafkaServerConfig.defaults().withSecurity(SecuritySettings.defaults()
                .withAuthorizer(new AuthorizerSettings(true, superUsers)));
    }

    @Test
    void everyAdvertisedVersionCreatesDescribesAndDeletes() throws Exception {
        try (RunningServer server = new RunningServer(dir, withAuthorizer(Set.of(KafkaPrincipal.ANONYMOUS)));
             RawClient client = new RawClient(server.port())) {
            for (short version = 1; version <= 3; version++) {
                String name = "topic-v" + version;
                var created = (CreateAclsResponseData) client.call(ApiKeys.CREATE_ACLS, version,
                        new CreateAclsRequestData().setCreations(List.of(
                                creation(name, PatternType.PREFIXED.code()),
                                creation(name, PatternType.MATCH.code()),
                                creation(name, PatternType.LITERAL.code()).setResourceType(ResourceType.CLUSTER.code()),
                                creation(name, PatternType.LITERAL.code()).setPrincipal("alice"))));
                assertThat(created.results()).extracting(CreateAclsResponseData.AclCreationResult::errorCode)
                        .as("v%d", version).containsExactly(Errors.NONE.code(), Errors.INVALID_REQUEST.code(),
                                Errors.INVALID_REQUEST.code(), Errors.INVALID_REQUEST.code());
                assertThat(created.results().get(1).errorMessage()).contains("Invalid pattern type MATCH");
                assertThat(created.results().get(2).errorMessage()).contains("the only valid name is kafka-cluster");
                assertThat(created.results().get(3).errorMessage()).contains("Invalid principal alice");

                var described = (DescribeAclsResponseData) client.call(ApiKeys.DESCRIBE_ACLS, version,
                        new DescribeAclsRequestData().setResourceTypeFilter(ResourceType.TOPIC.code())
                                .setResourceNameFilter(name).setPatternTypeFilter(PatternType.ANY.code())
                                .setPrincipalFilter(null).setHostFilter(null)
                                .setOperation(AclOperation.ANY.code()).setPermissionType(AclPermissionType.ANY.code()));
                assertThat(described.errorCode()).isEqualTo(Errors.NONE.code());
                assertThat(described.resources()).hasSize(1);
                assertThat(described.resources().get(0).resourceName()).isEqualTo(name);
                assertThat(described.resources().get(0).patternType()).isEqualTo(PatternType.PREFIXED.code());
                assertThat(described.resources().get(0).acls().get(0).principal()).isEqualTo("User:alice");

                var deleted = (DeleteAclsResponseData) client.call(ApiKeys.DELETE_ACLS, version,
                        new DeleteAclsRequestData().setFilters(List.of(new DeleteAclsRequestData.DeleteAclsFilter()
                                .setResourceTypeFilter(ResourceType.ANY.code()).setResourceNameFilter(name)
                                .setPatternTypeFilter(PatternType.ANY.code()).setPrincipalFilter(null)
                                .setHostFilter(null).setOperation(AclOperation.ANY.code())
                                .setPermissionType(AclPermissionType.ANY.code()))));
                assertThat(deleted.filterResults()).hasSize(1);
                assertThat(deleted.filterResults().get(0).matchingAcls()).hasSize(1);
                assertThat(deleted.filterResults().get(0).matchingAcls().get(0).resourceName()).isEqualTo(name);
            }
            assertThat(server.server().encodingFailureCount()).isZero();
        }
    }

    private static CreateAclsRequestData.AclCreation creation(String name, byte patternType) {
        return new CreateAclsRequestData.AclCreation().setResourceType(ResourceType.TOPIC.code())
                .setResourceName(name).setResourcePatternType(patternType).setPrincipal("User:alice").setHost("*")
                .setOperation(AclOperation.READ.code()).setPermissionType(AclPermissionType.ALLOW.code());
    }

    @Test
    void aProduceToAnAllowedAndADeniedTopicWritesOnlyTheAllowedOne() throws Exception {
        AclFile.write(FileIO.real(), dir, List.of(new AclBinding(
                new ResourcePattern(ResourceType.TOPIC, "allowed", PatternType.LITERAL),
                new AccessControlEntry("User:ANONYMOUS", "*", AclOperation.WRITE, AclPermissionType.ALLOW))));
        try (RunningServer server = new RunningServer(dir, withAuthorizer(Set.of()));
             RawClient client = new RawClient(server.port())) {
            server.manager().createTopic("allowed", 1);
            server.manager().createTopic("denied", 2);
            var response = (ProduceResponseData) client.call(ApiKeys.PRODUCE, (short) 9, produce((short) 1,
                    "denied", "allowed"));
            assertThat(response.responses().find("allowed", Uuid.ZERO_UUID).partitionResponses())
                    .extracting(ProduceResponseData.PartitionProduceResponse::errorCode).containsExactly((short) 0);
            assertThat(response.responses().find("denied", Uuid.ZERO_UUID).partitionResponses())
                    .extracting(ProduceResponseData.PartitionProduceResponse::errorCode)
                    .containsExactly(Errors.TOPIC_AUTHORIZATION_FAILED.code(), Errors.TOPIC_AUTHORIZATION_FAILED.code());
            assertThat(server.manager().log("allowed", 0).logEndOffset()).isEqualTo(1);
            assertThat(server.manager().log("denied", 0).logEndOffset()).isZero();

            // acks=0 has no response to carry the refusal: the connection is closed, as Kafka closes it.
            client.send(ApiKeys.PRODUCE, (short) 9, produce((short) 0, "denied"));
            assertThatThrownBy(client::readFrame).isInstanceOf(java.io.IOException.class)
                    .isNotInstanceOf(java.net.SocketTimeoutException.class);
            assertThat(server.manager().log("denied", 0).logEndOffset()).isZero();
        }
    }

    /** One record to partition 0 of each topic (and partition 1 where the topic has two: "denied"). */
    private static ProduceRequestData produce(short acks, String... topics) {
        ProduceRequestData.TopicProduceDataCollection data = new ProduceRequestData.TopicProduceDataCollection();
        for (String topic : topics) {
            List<ProduceRequestData.PartitionProduceData> partitions = new java.util.ArrayList<>();
            for (int p = 0; p < (topic.equals("denied") ? 2 : 1); p++) {
                partitions.add(new ProduceRequestData.PartitionProduceData().setIndex(p).setRecords(
                        MemoryRecords.withRecords(Compression.NONE, new SimpleRecord("v".getBytes()))));
            }
            data.add(new ProduceRequestData.TopicProduceData().setName(topic).setPartitionData(partitions));
        }
        return new ProduceRequestData().setAcks(acks).setTimeoutMs(10_000).setTopicData(data);
    }

    @Test
    void metadataRefusesTopicsTheClientMayNotDescribeAndCreatesNoneWithoutCreate() throws Exception {
        AclFile.write(FileIO.real(), dir, List.of(new AclBinding(
                new ResourcePattern(ResourceType.TOPIC, "visible-", PatternType.PREFIXED),
                new AccessControlEntry("User:ANONYMOUS", "*", AclOperation.DESCRIBE, AclPermissionType.ALLOW))));
        try (RunningServer server = new RunningServer(dir, withAuthorizer(Set.of()));
             RawClient client = new RawClient(server.port())) {
            server.manager().createTopic("visible-a", 1);
            server.manager().createTopic("hidden", 1);
            for (short version : new short[] {1, 4, 12}) {
                var named = (MetadataResponseData) client.call(ApiKeys.METADATA, version, new MetadataRequestData()
                        .setAllowAutoTopicCreation(true).setTopics(List.of(
                                new MetadataRequestData.MetadataRequestTopic().setName("visible-a"),
                                new MetadataRequestData.MetadataRequestTopic().setName("hidden"),
                                new MetadataRequestData.MetadataRequestTopic().setName("visible-missing"))));
                assertThat(named.topics().find("visible-a").errorCode()).as("v%d", version).isEqualTo((short) 0);
                assertThat(named.topics().find("visible-a").partitions()).hasSize(1);
                assertThat(named.topics().find("hidden").errorCode())
                        .isEqualTo(Errors.TOPIC_AUTHORIZATION_FAILED.code());
                assertThat(named.topics().find("visible-missing").errorCode())
                        .isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
                var all = (MetadataResponseData) client.call(ApiKeys.METADATA, version,
                        new MetadataRequestData().setTopics(null).setAllowAutoTopicCreation(version < 4));
                assertThat(all.topics()).extracting(MetadataResponseData.MetadataResponseTopic::name)
                        .containsExactly("visible-a");
            }
            assertThat(server.manager().topicExists("visible-missing")).as("no CREATE, no auto-creation").isFalse();
            assertThat(server.server().encodingFailureCount()).isZero();
        }
    }
}
