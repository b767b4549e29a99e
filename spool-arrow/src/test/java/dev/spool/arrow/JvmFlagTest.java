package dev.spool.arrow;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** A JVM without the flag Arrow needs is told which flag at open, not by Arrow's error on the first enqueue. */
class JvmFlagTest {

    @Test
    void aModuleJavaNioIsNotOpenToIsRefusedWithTheFlagToAdd() {
        Module notOpened = java.util.logging.Logger.class.getModule();
        assertThatThrownBy(() -> ArrowBuffer.requireNioOpen(notOpened))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(ArrowBuffer.ADD_OPENS)
                .hasMessageContaining("java.logging");
    }

    @Test
    void theClassPathWithTheFlagPasses() {
        // The build's test runner starts with the flag, as a user's JVM must.
        assertThatCode(() -> ArrowBuffer.requireNioOpen(ArrowBuffer.class.getModule())).doesNotThrowAnyException();
    }
}
