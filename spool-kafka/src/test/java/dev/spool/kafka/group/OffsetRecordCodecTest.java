package dev.spool.kafka.group;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.Optional;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

/** The offsets record layout: its exact bytes, round trips, and one clear error per kind of malformed input. */
class OffsetRecordCodecTest {
    private static final HexFormat HEX = HexFormat.of();

    private static ByteBuffer hex(String digits) {
        return ByteBuffer.wrap(HEX.parseHex(digits.replace(" ", "")));
    }

    @Test
    void keyAndValueHaveKafkasOffsetCommitLayout() {
        assertThat(HEX.formatHex(OffsetRecordCodec.encodeKey("g1", "t", 3)))
                .isEqualTo("0001" + "0002" + "6731" + "0001" + "74" + "00000003");
        assertThat(HEX.formatHex(OffsetRecordCodec.encodeValue(new CommittedOffset(42, 5, "m", 1_000))))
                .isEqualTo("0003" + "000000000000002a" + "00000005" + "0001" + "6d" + "00000000000003e8");
    }

    @Property(tries = 200)
    void recordsRoundTrip(@ForAll @StringLength(min = 1, max = 40) String group, @ForAll @StringLength(max = 40) String topic,
                          @ForAll @IntRange(min = 0) int partition, @ForAll long offset, @ForAll int leaderEpoch,
                          @ForAll @StringLength(max = 100) String metadata, @ForAll long timestamp) throws Exception {
        String safeGroup = wellFormed(group);
        String safeTopic = wellFormed(topic);
        String safeMetadata = wellFormed(metadata);
        CommittedOffset value = new CommittedOffset(offset, leaderEpoch, safeMetadata, timestamp);
        Optional<OffsetRecordCodec.OffsetRecord> decoded = OffsetRecordCodec.decode(
                ByteBuffer.wrap(OffsetRecordCodec.encodeKey(safeGroup, safeTopic, partition)),
                ByteBuffer.wrap(OffsetRecordCodec.encodeValue(value)));
        assertThat(decoded).contains(new OffsetRecordCodec.OffsetRecord(safeGroup, safeTopic, partition,
                Optional.of(value)));
    }

    /** Java strings may hold lone surrogates, which no UTF-8 can carry: the wire never delivers them. */
    private static String wellFormed(String text) {
        return new String(text.getBytes(java.nio.charset.StandardCharsets.UTF_8), java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void aNullValueIsATombstoneAndGroupMetadataIsSkipped() throws Exception {
        assertThat(OffsetRecordCodec.decode(ByteBuffer.wrap(OffsetRecordCodec.encodeKey("g", "t", 0)), null))
                .contains(new OffsetRecordCodec.OffsetRecord("g", "t", 0, Optional.empty()));
        assertThat(OffsetRecordCodec.decode(hex("0002 0001 67"), hex("0003"))).isEmpty();
        assertThat(OffsetRecordCodec.decode(hex("0000 0001 67 0001 74 00000001"), null)).as("legacy key type 0")
                .contains(new OffsetRecordCodec.OffsetRecord("g", "t", 1, Optional.empty()));
    }

    private static void assertMalformed(ByteBuffer key, ByteBuffer value, String message) {
        assertThatThrownBy(() -> OffsetRecordCodec.decode(key, value))
                .isInstanceOf(OffsetRecordCodec.MalformedRecordException.class).hasMessage(message);
    }

    @Test
    void malformedKeysAreNamed() {
        assertMalformed(null, null, "the record has no key");
        assertMalformed(hex("00"), null, "key of 1 bytes is shorter than its type");
        assertMalformed(hex("0007 0001 67"), null, "unknown key type 7 (expected 1)");
        assertMalformed(hex("0001 0000 0001 74 00000001"), null, "the key's group is empty");
        assertMalformed(hex("0001 0009 67"), null, "the group's length 9 at byte 2 does not fit the 1 bytes left");
        assertMalformed(hex("0001 ffff 67"), null, "the group's length -1 at byte 2 does not fit the 1 bytes left");
        assertMalformed(hex("0001 0001 67"), null, "no room for the topic's length at byte 5");
        assertMalformed(hex("0001 0001 67 0001 74 000001"), null,
                "key has 3 bytes after the topic; expected 4 (the partition)");
        assertMalformed(hex("0001 0001 67 0001 74 00000001 00"), null,
                "key has 5 bytes after the topic; expected 4 (the partition)");
        assertMalformed(hex("0001 0001 67 0001 74 ffffffff"), null, "the key's partition -1 is negative");
        assertMalformed(hex("0001 0001 ff 0001 74 00000001"), null, "the group is not valid UTF-8");
    }

    @Test
    void malformedValuesAreNamed() {
        ByteBuffer key = ByteBuffer.wrap(OffsetRecordCodec.encodeKey("g", "t", 0));
        assertMalformed(key, hex("0003 00"), "value of 3 bytes is shorter than the 24 of version 3");
        assertMalformed(key, hex("0001 0000000000000001 00000000 0000 0000000000000001"),
                "value version 1 (expected 3)");
        assertMalformed(key, hex("0003 0000000000000001 00000000 0000 0000000000000001 00"),
                "value has 9 bytes after the metadata; expected 8 (the commit timestamp)");
        assertMalformed(key, hex("0003 0000000000000001 00000000 0009 0000000000000001"),
                "the metadata's length 9 at byte 14 does not fit the 8 bytes left");
        assertMalformed(key, hex("0003 0000000000000001 00000000 0001 c3 0000000000000001"),
                "the metadata is not valid UTF-8");
    }

    @Test
    void stringsLongerThanTheLengthFieldAreRefusedWhenEncoding() {
        assertThatThrownBy(() -> OffsetRecordCodec.encodeKey("g".repeat(32_768), "t", 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("The group is 32768 bytes of UTF-8, more than the 32767 an offsets record holds");
        assertThatThrownBy(() -> OffsetRecordCodec.encodeKey("g", "t", -1))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("Partition -1 is negative");
    }
}
