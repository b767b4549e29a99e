package org.apache.kafka.common.utils;

/**
 * A bridge for Kafka's FileStream connectors, test-only: Maven Central serves no {@code connect-file}
 * 4.4.0, and the newest one it serves (4.3.0) reports its version through this class, which
 * kafka-clients 4.4 moved to {@code org.apache.kafka.common.utils.internals}. It is the connectors'
 * only reference that 4.4 lacks; without it Connect cannot load them. Remove it once connect-file is
 * pinned at the broker's version.
 */
public final class AppInfoParser {
    private AppInfoParser() {
    }

    public static String getVersion() {
        return org.apache.kafka.common.utils.internals.AppInfoParser.getVersion();
    }
}
