package dev.spool.log.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link StorageFile#view}: the production file's mapped views, and the copies it falls back to. */
class StorageFileViewTest {
    private static final long CHUNK = 64L << 20;

    @TempDir
    Path dir;

    @Test
    void aViewIsAReadOnlyMappingOfTheBytesAndSeesTheFileGrowPastTheFirstMapping() throws IOException {
        try (StorageFile file = FileIO.real().open(dir.resolve("f"), FileIO.OpenMode.CREATE_NEW)) {
            file.write(ascii("0123456789"), 0);
            ByteBuffer first = file.view(2, 5);
            assertThat(first.isDirect()).as("mapped, not copied").isTrue();
            assertThat(first.isReadOnly()).isTrue();
            assertThat(text(first)).isEqualTo("23456");

            file.write(ascii("abcdefghij"), 10); // the chunk was mapped at 10 bytes: a longer view maps it again
            assertThat(text(file.view(8, 6))).isEqualTo("89abcd");
            assertThat(text(first)).as("the earlier view still reads").isEqualTo("23456");
        }
    }

    @Test
    void aViewPastTheEndIsAnEofNamingTheFileAndATruncationCutsWhatLaterViewsReach() throws IOException {
        Path path = dir.resolve("g");
        try (StorageFile file = FileIO.real().open(path, FileIO.OpenMode.CREATE_NEW)) {
            file.write(ascii("0123456789"), 0);
            assertThatThrownBy(() -> file.view(6, 5)).isInstanceOf(EOFException.class)
                    .hasMessageContaining(path.toString()).hasMessageContaining("position 6");
            assertThat(text(file.view(0, 10))).isEqualTo("0123456789");
            file.truncate(4);
            assertThatThrownBy(() -> file.view(0, 10)).as("not the mapping made before the cut")
                    .isInstanceOf(EOFException.class);
            file.write(ascii("wxyz"), 4);
            assertThat(text(file.view(0, 8))).isEqualTo("0123wxyz");
        }
    }

    @Test
    void aViewAcrossA64MiBBoundaryIsACopyOfTheSameBytes() throws IOException {
        try (StorageFile file = FileIO.real().open(dir.resolve("h"), FileIO.OpenMode.CREATE_NEW)) {
            file.write(ascii("before--after---"), CHUNK - 8); // a sparse file just over one chunk
            ByteBuffer across = file.view(CHUNK - 8, 16);
            assertThat(across.isDirect()).as("copied").isFalse();
            assertThat(across.isReadOnly()).isTrue();
            assertThat(text(across)).isEqualTo("before--after---");
            assertThat(file.view(CHUNK, 8).isDirect()).as("inside the second chunk: mapped").isTrue();
            assertThat(text(file.view(CHUNK, 8))).isEqualTo("after---");
        }
    }

    @Test
    void aViewOutlivesItsFileBeingClosedAndDeleted() throws IOException {
        Path path = dir.resolve("i");
        ByteBuffer view;
        try (StorageFile file = FileIO.real().open(path, FileIO.OpenMode.CREATE_NEW)) {
            file.write(ascii("kept alive"), 0);
            view = file.view(0, 10);
        }
        FileIO.real().deleteIfExists(path);
        assertThat(text(view)).isEqualTo("kept alive");
    }

    @Test
    void aFileWithoutMappingsCopiesThroughItsReads() throws IOException {
        Path path = dir.resolve("j");
        try (StorageFile real = FileIO.real().open(path, FileIO.OpenMode.CREATE_NEW);
             StorageFile copying = new ForwardingStorageFile(real)) {
            real.write(ascii("0123456789"), 0);
            ByteBuffer view = copying.view(3, 4);
            assertThat(view.isDirect()).isFalse();
            assertThat(view.isReadOnly()).isTrue();
            assertThat(text(view)).isEqualTo("3456");
            assertThatThrownBy(() -> copying.view(8, 4)).isInstanceOf(EOFException.class);
        }
    }

    private static ByteBuffer ascii(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }

    private static String text(ByteBuffer view) {
        byte[] bytes = new byte[view.remaining()];
        view.duplicate().get(bytes);
        return new String(bytes, StandardCharsets.US_ASCII);
    }
}
