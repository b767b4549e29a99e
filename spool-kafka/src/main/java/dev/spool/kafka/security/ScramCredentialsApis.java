package dev.spool.kafka.security;

import dev.spool.kafka.protocol.ParsedRequest;
import dev.spool.kafka.protocol.Response;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import org.apache.kafka.common.message.AlterUserScramCredentialsRequestData;
import org.apache.kafka.common.message.AlterUserScramCredentialsResponseData;
import org.apache.kafka.common.message.DescribeUserScramCredentialsRequestData;
import org.apache.kafka.common.message.DescribeUserScramCredentialsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.security.scram.ScramCredential;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DescribeUserScramCredentials and AlterUserScramCredentials (KIP-554), what Kafka's Admin
 * {@code describeUserScramCredentials}/{@code alterUserScramCredentials} and
 * {@code kafka-configs --entity-type users} send. Errors per user follow Kafka's broker: an unknown
 * user is RESOURCE_NOT_FOUND, a user named twice DUPLICATE_RESOURCE, an empty name or an iteration
 * count outside the mechanism's range UNACCEPTABLE_CREDENTIAL, an unknown mechanism
 * UNSUPPORTED_SASL_MECHANISM. The alterations of one user apply together or not at all; those of
 * other users are not held back by it.
 *
 * <p>An upsertion carries the salted password, computed by the client from the password, a salt
 * of its choosing and the iteration count; only the salt, the count and the two keys derived from
 * it are kept ({@link ScramCredentialsFile}). Thread-safe.
 */
public final class ScramCredentialsApis {
    private static final Logger LOG = LoggerFactory.getLogger(ScramCredentialsApis.class);

    private final CredentialStore credentials;

    public ScramCredentialsApis(CredentialStore credentials) {
        this.credentials = credentials;
    }

    public Response describe(ParsedRequest request) {
        DescribeUserScramCredentialsRequestData data = (DescribeUserScramCredentialsRequestData) request.request().data();
        SortedMap<String, Map<ScramMechanism, ScramCredential>> users = credentials.users();
        DescribeUserScramCredentialsResponseData body = new DescribeUserScramCredentialsResponseData();
        List<DescribeUserScramCredentialsResponseData.DescribeUserScramCredentialsResult> results = new ArrayList<>();
        if (data.users() == null || data.users().isEmpty()) {
            users.forEach((user, mechanisms) -> results.add(described(user, mechanisms)));
            return Response.to(request, body.setResults(results));
        }
        Map<String, Integer> named = new LinkedHashMap<>();
        data.users().forEach(user -> named.merge(user.name(), 1, Integer::sum));
        named.forEach((user, times) -> {
            Map<ScramMechanism, ScramCredential> mechanisms = users.get(user);
            if (times > 1) {
                results.add(failed(user, Errors.DUPLICATE_RESOURCE,
                        "Cannot describe SCRAM credentials for the same user twice in a single request: " + user));
            } else if (mechanisms == null) {
                results.add(failed(user, Errors.RESOURCE_NOT_FOUND,
                        "Attempt to describe a user credential that does not exist: " + user));
            } else {
                results.add(described(user, mechanisms));
            }
        });
        return Response.to(request, body.setResults(results));
    }

    private static DescribeUserScramCredentialsResponseData.DescribeUserScramCredentialsResult described(
            String user, Map<ScramMechanism, ScramCredential> mechanisms) {
        List<DescribeUserScramCredentialsResponseData.CredentialInfo> infos = new ArrayList<>();
        mechanisms.forEach((mechanism, credential) -> infos.add(new DescribeUserScramCredentialsResponseData.CredentialInfo()
                .setMechanism(mechanism.type()).setIterations(credential.iterations())));
        return new DescribeUserScramCredentialsResponseData.DescribeUserScramCredentialsResult()
                .setUser(user).setErrorCode(Errors.NONE.code()).setCredentialInfos(infos);
    }

    private static DescribeUserScramCredentialsResponseData.DescribeUserScramCredentialsResult failed(
            String user, Errors error, String message) {
        return new DescribeUserScramCredentialsResponseData.DescribeUserScramCredentialsResult()
                .setUser(user).setErrorCode(error.code()).setErrorMessage(message);
    }

    /** One alteration of a request: a deletion ({@code upsertion} null) or an upsertion. */
    private record Alteration(ScramMechanism mechanism, byte type, AlterUserScramCredentialsRequestData.ScramCredentialUpsertion upsertion) {
    }

    public Response alter(ParsedRequest request) throws IOException {
        AlterUserScramCredentialsRequestData data = (AlterUserScramCredentialsRequestData) request.request().data();
        Map<String, List<Alteration>> byUser = new LinkedHashMap<>();
        data.deletions().forEach(deletion -> byUser.computeIfAbsent(deletion.name(), u -> new ArrayList<>())
                .add(new Alteration(ScramCredentialsFile.mechanism(deletion.mechanism()), deletion.mechanism(), null)));
        data.upsertions().forEach(upsertion -> byUser.computeIfAbsent(upsertion.name(), u -> new ArrayList<>())
                .add(new Alteration(ScramCredentialsFile.mechanism(upsertion.mechanism()), upsertion.mechanism(), upsertion)));
        Map<String, Refusal> outcome = credentials.alter(users -> {
            Map<String, Refusal> results = new LinkedHashMap<>();
            byUser.forEach((user, alterations) -> {
                Refusal error = check(user, alterations, users);
                if (error == null) {
                    apply(user, alterations, users);
                }
                results.put(user, error);
            });
            return results;
        });
        List<AlterUserScramCredentialsResponseData.AlterUserScramCredentialsResult> results = new ArrayList<>();
        outcome.forEach((user, error) -> {
            AlterUserScramCredentialsResponseData.AlterUserScramCredentialsResult result =
                    new AlterUserScramCredentialsResponseData.AlterUserScramCredentialsResult().setUser(user);
            if (error == null) {
                result.setErrorCode(Errors.NONE.code());
                LOG.info("Altered the SCRAM credentials of user '{}': {}", user, summary(byUser.get(user)));
            } else {
                result.setErrorCode(error.error().code()).setErrorMessage(error.message());
            }
            results.add(result);
        });
        return Response.to(request, new AlterUserScramCredentialsResponseData().setResults(results));
    }

    /** Why the alterations of a user are refused. */
    private record Refusal(Errors error, String message) {
    }

    /** What refuses the user's alterations, or null when all may apply. */
    private static Refusal check(String user, List<Alteration> alterations,
                                  Map<String, Map<ScramMechanism, ScramCredential>> users) {
        if (user.isEmpty()) {
            return new Refusal(Errors.UNACCEPTABLE_CREDENTIAL, "Username must not be empty");
        }
        Set<ScramMechanism> seen = new HashSet<>();
        for (Alteration alteration : alterations) {
            ScramMechanism mechanism = alteration.mechanism();
            if (mechanism == null) {
                return new Refusal(Errors.UNSUPPORTED_SASL_MECHANISM,
                        "Unknown SCRAM mechanism type " + alteration.type() + " (1: SCRAM-SHA-256, 2: SCRAM-SHA-512)");
            }
            if (!seen.add(mechanism)) {
                return new Refusal(Errors.DUPLICATE_RESOURCE,
                        "A user credential cannot be altered twice in the same request");
            }
            if (alteration.upsertion() == null) {
                Map<ScramMechanism, ScramCredential> existing = users.get(user);
                if (existing == null || !existing.containsKey(mechanism)) {
                    return new Refusal(Errors.RESOURCE_NOT_FOUND,
                            "Attempt to delete a user credential that does not exist");
                }
                continue;
            }
            int iterations = alteration.upsertion().iterations();
            if (iterations < mechanism.minIterations()) {
                return new Refusal(Errors.UNACCEPTABLE_CREDENTIAL, "Too few iterations: " + iterations
                        + " (" + mechanism.mechanismName() + " needs at least " + mechanism.minIterations() + ")");
            }
            if (iterations > mechanism.maxIterations()) {
                return new Refusal(Errors.UNACCEPTABLE_CREDENTIAL, "Too many iterations: " + iterations
                        + " (" + mechanism.mechanismName() + " allows at most " + mechanism.maxIterations() + ")");
            }
            byte[] salt = alteration.upsertion().salt();
            byte[] salted = alteration.upsertion().saltedPassword();
            if (salt == null || salt.length == 0 || salt.length > 255) {
                return new Refusal(Errors.UNACCEPTABLE_CREDENTIAL,
                        "A salt of " + (salt == null ? 0 : salt.length) + " bytes, expected 1 to 255");
            }
            if (salted == null || salted.length != ScramCredentialsFile.keyBytes(mechanism)) {
                return new Refusal(Errors.UNACCEPTABLE_CREDENTIAL, "A salted password of "
                        + (salted == null ? 0 : salted.length) + " bytes, expected "
                        + ScramCredentialsFile.keyBytes(mechanism) + " for " + mechanism.mechanismName());
            }
        }
        return null;
    }

    private static void apply(String user, List<Alteration> alterations,
                              Map<String, Map<ScramMechanism, ScramCredential>> users) {
        Map<ScramMechanism, ScramCredential> mechanisms =
                users.computeIfAbsent(user, u -> new java.util.EnumMap<>(ScramMechanism.class));
        for (Alteration alteration : alterations) {
            if (alteration.upsertion() == null) {
                mechanisms.remove(alteration.mechanism());
            } else {
                AlterUserScramCredentialsRequestData.ScramCredentialUpsertion upsertion = alteration.upsertion();
                mechanisms.put(alteration.mechanism(), CredentialStore.formatter(alteration.mechanism())
                        .generateCredential(upsertion.salt(), upsertion.saltedPassword(), upsertion.iterations()));
            }
        }
    }

    private static String summary(List<Alteration> alterations) {
        List<String> parts = new ArrayList<>();
        for (Alteration alteration : alterations) {
            parts.add((alteration.upsertion() == null ? "deleted " : "set ") + alteration.mechanism().mechanismName());
        }
        return String.join(", ", parts);
    }
}
