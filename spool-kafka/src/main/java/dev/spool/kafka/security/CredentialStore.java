package dev.spool.kafka.security;

import dev.spool.log.io.FileIO;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.kafka.common.security.scram.ScramCredential;
import org.apache.kafka.common.security.scram.internals.ScramFormatter;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;

/**
 * The SCRAM credentials of a data directory ({@link ScramCredentialsFile}), held in memory for
 * authentication and changed by AlterUserScramCredentials and {@code spool users}.
 *
 * <p>Thread safety: readers (every SASL exchange) see an immutable snapshot through a volatile
 * field and never wait; {@link #alter} runs under the store's lock, writes the new file durably
 * and only then publishes the new snapshot, so a change that failed to reach the disk is not
 * served either.
 */
public final class CredentialStore {
    /** Kafka's default (and minimum) for new credentials; each PLAIN login costs this many HMACs. */
    public static final int DEFAULT_ITERATIONS = 4096;

    private final FileIO io;
    private final Path dataDir;
    private volatile SortedMap<String, Map<ScramMechanism, ScramCredential>> users;

    private CredentialStore(FileIO io, Path dataDir, SortedMap<String, Map<ScramMechanism, ScramCredential>> users) {
        this.io = io;
        this.dataDir = dataDir;
        this.users = frozen(users);
    }

    /**
     * Reads the credentials of {@code dataDir}; none when it has no credentials file yet.
     *
     * @throws IOException naming the file when it cannot be read or is damaged
     */
    public static CredentialStore open(FileIO io, Path dataDir) throws IOException {
        return new CredentialStore(io, dataDir, ScramCredentialsFile.read(io, dataDir));
    }

    /** The credential of {@code user} for {@code mechanism}, if it has one. */
    public Optional<ScramCredential> find(String user, ScramMechanism mechanism) {
        Map<ScramMechanism, ScramCredential> mechanisms = users.get(user);
        return mechanisms == null ? Optional.empty() : Optional.ofNullable(mechanisms.get(mechanism));
    }

    /** Every user with the mechanisms it has credentials for, by user name. */
    public SortedMap<String, Map<ScramMechanism, ScramCredential>> users() {
        return users;
    }

    /**
     * Applies {@code change} to a copy of the credentials, writes the result and publishes it.
     * Changes do not interleave: each sees the previous one's result.
     *
     * @return what {@code change} returned
     */
    public synchronized <T> T alter(Change<T> change) throws IOException {
        SortedMap<String, Map<ScramMechanism, ScramCredential>> next = new TreeMap<>();
        users.forEach((user, mechanisms) -> next.put(user, copy(mechanisms)));
        T result = change.apply(next);
        next.values().removeIf(Map::isEmpty);
        ScramCredentialsFile.write(io, dataDir, next);
        users = frozen(next);
        return result;
    }

    /**
     * Gives {@code user} a new credential for each of {@code mechanisms}, made from {@code password}
     * with a fresh salt (what {@code spool users add} does on a data directory). Its credentials for
     * other mechanisms stay.
     */
    public void setPassword(String user, String password, Set<ScramMechanism> mechanisms, int iterations)
            throws IOException {
        if (user.isEmpty()) {
            throw new IllegalArgumentException("the user name is empty");
        }
        if (password.isEmpty()) {
            throw new IllegalArgumentException("the password of user '" + user + "' is empty");
        }
        for (ScramMechanism mechanism : mechanisms) {
            if (iterations < mechanism.minIterations() || iterations > mechanism.maxIterations()) {
                throw new IllegalArgumentException("iterations " + iterations + " out of " + mechanism.mechanismName()
                        + "'s range " + mechanism.minIterations() + " to " + mechanism.maxIterations());
            }
        }
        alter(users -> {
            Map<ScramMechanism, ScramCredential> credentials =
                    users.computeIfAbsent(user, u -> new EnumMap<>(ScramMechanism.class));
            mechanisms.forEach(mechanism -> credentials.put(mechanism, credential(mechanism, password, iterations)));
            return null;
        });
    }

    /** Removes every credential of {@code user}; whether it had any. */
    public boolean delete(String user) throws IOException {
        if (!users.containsKey(user)) {
            return false;
        }
        return alter(users -> users.remove(user) != null);
    }

    /** A change to the credentials, made on a mutable copy (a user without mechanisms is removed). */
    public interface Change<T> {
        T apply(SortedMap<String, Map<ScramMechanism, ScramCredential>> users);
    }

    /** A new credential for {@code password}: a random salt, then the keys SCRAM keeps. */
    public static ScramCredential credential(ScramMechanism mechanism, String password, int iterations) {
        return formatter(mechanism).generateCredential(password, iterations);
    }

    static ScramFormatter formatter(ScramMechanism mechanism) {
        try {
            return new ScramFormatter(mechanism);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("The JVM has no " + mechanism.hashAlgorithm() + ", which "
                    + mechanism.mechanismName() + " needs", e);
        }
    }

    private static EnumMap<ScramMechanism, ScramCredential> copy(Map<ScramMechanism, ScramCredential> mechanisms) {
        EnumMap<ScramMechanism, ScramCredential> copy = new EnumMap<>(ScramMechanism.class);
        copy.putAll(mechanisms);
        return copy;
    }

    private static SortedMap<String, Map<ScramMechanism, ScramCredential>> frozen(
            SortedMap<String, Map<ScramMechanism, ScramCredential>> users) {
        SortedMap<String, Map<ScramMechanism, ScramCredential>> copy = new TreeMap<>();
        users.forEach((user, mechanisms) -> copy.put(user, Collections.unmodifiableMap(copy(mechanisms))));
        return Collections.unmodifiableSortedMap(copy);
    }
}
