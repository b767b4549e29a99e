package dev.spool.kafka.protocol;

import java.util.EnumMap;
import java.util.Map;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * The APIs and versions the server implements: exactly what ApiVersions advertises, never the
 * jar's whole range ({@code ApiKeys.latestVersion()}), because clients pick the highest version
 * both sides list and kafkajs ignores the broker's minimum.
 *
 * <p>Why these ranges (docs/compatibility.md lists them for users):
 * <ul>
 *   <li>Produce 0–11: versions 0–2 are listed but refused on use, as Kafka 4 does, because old
 *       librdkafka enables gzip/snappy/lz4 only when the range contains 0; 12+ need topic ids.</li>
 *   <li>Fetch 4–18: 13+ name topics by id (Metadata reports them); 15–18 add only what
 *       followers and KRaft controllers use.</li>
 *   <li>OffsetCommit 2–9, OffsetFetch 1–9: the next versions identify topics by id.</li>
 *   <li>InitProducerId 0–5: 6 is the unstable two-phase-commit version.</li>
 *   <li>ApiVersions 0–4: a client asking a newer version gets the version-0 fallback.</li>
 *   <li>ListGroups 0–5, DescribeGroups 0–6, DeleteGroups 0–3, OffsetDelete 0: every version
 *       kafka-clients 4.4 knows, so its Admin can filter groups by type (5) and learn of a missing
 *       group by its error (DescribeGroups 6); librdkafka and kafkajs send older ones.</li>
 *   <li>CreatePartitions 0–3, DeleteRecords 0–2, OffsetForLeaderEpoch 2–4, DescribeCluster 0–2,
 *       DescribeLogDirs 1–5, DescribeProducers 0: every version kafka-clients 4.4 knows, which
 *       covers what librdkafka 2.0 sends (CreatePartitions and DeleteRecords up to 1,
 *       OffsetForLeaderEpoch 2).</li>
 *   <li>DescribeAcls, CreateAcls, DeleteAcls 1–3: every version kafka-clients 4.4 knows; answered
 *       SECURITY_DISABLED when the server runs without an authorizer, as Kafka's broker does.</li>
 *   <li>SaslHandshake 0–1, as Kafka lists it: librdkafka 2 enables SASL only when the range
 *       contains 0, then sends 1 (as the Java client since Kafka 1.0 and kafkajs do) and frames the
 *       mechanism's tokens in SaslAuthenticate. Version 0 itself, after which the tokens would
 *       travel as bare frames outside the Kafka protocol, is refused on use (UNSUPPORTED_VERSION,
 *       then the connection closes).
 *       SaslAuthenticate 0–2, DescribeUserScramCredentials 0, AlterUserScramCredentials 0: every
 *       version there is.</li>
 *   <li>AddPartitionsToTxn 0–5 (4 and 5 are the brokers' batched shape, with verify-only checks),
 *       AddOffsetsToTxn 0–4, EndTxn 0–4 and TxnOffsetCommit 0–4: what producers send under
 *       Kafka's first transaction protocol. EndTxn 5 and TxnOffsetCommit 5–6 belong to the second
 *       (KIP-890: an epoch bump at every transaction end, partitions added by Produce 12), which
 *       clients use only when the broker finalizes the {@code transaction.version} feature; this
 *       server does not. DescribeTransactions 0, ListTransactions 0–2: every version.</li>
 * </ul>
 * The group APIs are listed only when the server has a group coordinator, the transaction APIs
 * only when it has a transaction coordinator.
 */
public final class SupportedApis {
    /** Produce versions below this are listed for old librdkafka but cannot be parsed by kafka-clients 4. */
    public static final short PRODUCE_VERSION_PARSED_MIN = 3;

    private final Map<ApiKeys, short[]> ranges = new EnumMap<>(ApiKeys.class);

    private SupportedApis(boolean groups, boolean transactions) {
        put(ApiKeys.PRODUCE, 0, 11);
        put(ApiKeys.FETCH, 4, 18);
        put(ApiKeys.LIST_OFFSETS, 1, 7);
        put(ApiKeys.METADATA, 0, 12);
        put(ApiKeys.FIND_COORDINATOR, 0, 6);
        put(ApiKeys.API_VERSIONS, 0, 4);
        put(ApiKeys.CREATE_TOPICS, 2, 7);
        put(ApiKeys.DELETE_TOPICS, 1, 6);
        put(ApiKeys.INIT_PRODUCER_ID, 0, 5);
        put(ApiKeys.DESCRIBE_CONFIGS, 1, 4);
        put(ApiKeys.ALTER_CONFIGS, 0, 2);
        put(ApiKeys.INCREMENTAL_ALTER_CONFIGS, 0, 1);
        put(ApiKeys.CREATE_PARTITIONS, 0, 3);
        put(ApiKeys.DELETE_RECORDS, 0, 2);
        put(ApiKeys.OFFSET_FOR_LEADER_EPOCH, 2, 4);
        put(ApiKeys.DESCRIBE_CLUSTER, 0, 2);
        put(ApiKeys.DESCRIBE_LOG_DIRS, 1, 5);
        put(ApiKeys.DESCRIBE_PRODUCERS, 0, 0);
        // Without an authorizer answered SECURITY_DISABLED, as Kafka's broker answers without one (tools
        // such as MirrorMaker 2 then skip ACLs quietly instead of failing on an unsupported API).
        put(ApiKeys.DESCRIBE_ACLS, 1, 3);
        put(ApiKeys.CREATE_ACLS, 1, 3);
        put(ApiKeys.DELETE_ACLS, 1, 3);
        // SaslHandshake 0 is listed because librdkafka enables SASL only when the range contains 0, and
        // refused on use: after it the tokens would travel as bare frames instead of SaslAuthenticate.
        put(ApiKeys.SASL_HANDSHAKE, 0, 1);
        put(ApiKeys.SASL_AUTHENTICATE, 0, 2);
        put(ApiKeys.DESCRIBE_USER_SCRAM_CREDENTIALS, 0, 0);
        put(ApiKeys.ALTER_USER_SCRAM_CREDENTIALS, 0, 0);
        if (groups) {
            put(ApiKeys.OFFSET_COMMIT, 2, 9);
            put(ApiKeys.OFFSET_FETCH, 1, 9);
            put(ApiKeys.JOIN_GROUP, 0, 9);
            put(ApiKeys.HEARTBEAT, 0, 4);
            put(ApiKeys.LEAVE_GROUP, 0, 5);
            put(ApiKeys.SYNC_GROUP, 0, 5);
            put(ApiKeys.LIST_GROUPS, 0, 5);
            put(ApiKeys.DESCRIBE_GROUPS, 0, 6);
            put(ApiKeys.DELETE_GROUPS, 0, 3);
            put(ApiKeys.OFFSET_DELETE, 0, 0);
        }
        if (transactions) {
            put(ApiKeys.ADD_PARTITIONS_TO_TXN, 0, 5);
            put(ApiKeys.ADD_OFFSETS_TO_TXN, 0, 4);
            put(ApiKeys.END_TXN, 0, 4);
            put(ApiKeys.DESCRIBE_TRANSACTIONS, 0, 0);
            put(ApiKeys.LIST_TRANSACTIONS, 0, 2);
            if (groups) {
                put(ApiKeys.TXN_OFFSET_COMMIT, 0, 4);
            }
        }
    }

    /** The APIs of a server with ({@code groups}) or without a group coordinator, and without transactions. */
    public static SupportedApis of(boolean groups) {
        return new SupportedApis(groups, false);
    }

    /** The APIs of a server with or without a group coordinator and a transaction coordinator. */
    public static SupportedApis of(boolean groups, boolean transactions) {
        return new SupportedApis(groups, transactions);
    }

    private void put(ApiKeys key, int min, int max) {
        ranges.put(key, new short[] {(short) min, (short) max});
    }

    /** Whether {@code key} is advertised and {@code version} lies in its range. */
    public boolean supports(ApiKeys key, short version) {
        short[] range = ranges.get(key);
        return range != null && version >= range[0] && version <= range[1];
    }

    /** The highest version advertised for {@code key}; -1 if it is not advertised. */
    public short maxVersion(ApiKeys key) {
        short[] range = ranges.get(key);
        return range == null ? -1 : range[1];
    }

    public short minVersion(ApiKeys key) {
        short[] range = ranges.get(key);
        return range == null ? -1 : range[0];
    }

    /** Every advertised API with its range, as ApiVersions lists them. */
    public ApiVersionsResponseData.ApiVersionCollection advertised() {
        ApiVersionsResponseData.ApiVersionCollection out = new ApiVersionsResponseData.ApiVersionCollection();
        ranges.forEach((key, range) -> out.add(new ApiVersionsResponseData.ApiVersion()
                .setApiKey(key.id).setMinVersion(range[0]).setMaxVersion(range[1])));
        return out;
    }
}
