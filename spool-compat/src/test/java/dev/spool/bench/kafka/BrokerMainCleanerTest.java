package dev.spool.bench.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.CleanerSettings;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * The {@code spool-serve} mode's broker settings: Kafka's {@code log.cleaner.*} names onto
 * {@link CleanerSettings}, and a clear refusal of anything else. Here rather than in spool-bench
 * because the compatibility tests are the mode's one user.
 */
class BrokerMainCleanerTest {
    private static Properties settings(String... pairs) {
        Properties props = new Properties();
        for (String pair : pairs) {
            int equals = pair.indexOf('=');
            props.setProperty(pair.substring(0, equals), pair.substring(equals + 1));
        }
        return props;
    }

    @Test
    void noSettingsKeepTheDefaults() {
        assertThat(BrokerMain.cleaner(settings())).isEqualTo(CleanerSettings.defaults());
    }

    @Test
    void mapsEachKafkaCleanerSetting() {
        CleanerSettings cleaner = BrokerMain.cleaner(settings("log.cleaner.enable=true", "log.cleaner.backoff.ms=200",
                "log.cleaner.dedupe.buffer.size=4096", "log.cleaner.io.max.bytes.per.second=1048576.0"));
        assertThat(cleaner).isEqualTo(new CleanerSettings(4096, 1_048_576L, 200L, true));
    }

    @Test
    void kafkasUnlimitedIoRateIsNoLimit() {
        CleanerSettings cleaner = BrokerMain.cleaner(settings("log.cleaner.io.max.bytes.per.second="
                + Double.MAX_VALUE));
        assertThat(cleaner.ioBytesPerSecond()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void refusesASettingSpoolDoesNotTake() {
        assertThatThrownBy(() -> BrokerMain.cleaner(settings("log.retention.ms=1000")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'log.retention.ms'")
                .hasMessageContaining("log.cleaner.backoff.ms");
    }

    @Test
    void refusesANonNumber() {
        assertThatThrownBy(() -> BrokerMain.cleaner(settings("log.cleaner.backoff.ms=soon")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("The broker setting log.cleaner.backoff.ms must be a number, not 'soon'");
    }

    @Test
    void refusesANonBoolean() {
        assertThatThrownBy(() -> BrokerMain.cleaner(settings("log.cleaner.enable=yes")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("The broker setting log.cleaner.enable must be true or false, not 'yes'");
    }

    @Test
    void refusesAValueCleanerSettingsRefuses() {
        assertThatThrownBy(() -> BrokerMain.cleaner(settings("log.cleaner.backoff.ms=0")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("backoffMs 0");
    }
}
