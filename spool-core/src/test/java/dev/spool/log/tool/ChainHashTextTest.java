package dev.spool.log.tool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** A chain hash as text: 64 hex digits, parsed back to the same bytes. */
class ChainHashTextTest {
    @Test
    void aHashFormatsAsSixtyFourDigitsAndParsesBack() {
        byte[] hash = new byte[32];
        new Random(12).nextBytes(hash);
        String text = ChainHashText.format(hash);
        assertThat(text).hasSize(ChainHashText.DIGITS).matches("[0-9a-f]+");
        assertThat(ChainHashText.parse(" " + text.toUpperCase() + "\n")).isEqualTo(hash);
    }

    @Test
    void textOfAnotherLengthIsRejectedNamingTheLength() {
        assertThatThrownBy(() -> ChainHashText.parse("abc"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("64 hex digits, got 3");
    }

    @Test
    void textThatIsNotHexIsRejected() {
        assertThatThrownBy(() -> ChainHashText.parse("z".repeat(64))).isInstanceOf(IllegalArgumentException.class);
    }
}
