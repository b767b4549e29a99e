package dev.spool.log.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spool.log.io.FileIO;
import dev.spool.log.io.StorageFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The simulator's own promises: what survives a crash and what does not. */
class SimulatedFileIOTest {
    private static final Path DIR = Path.of("/sim/data");

    private static byte[] read(FileIO io, Path path) throws IOException {
        try (StorageFile file = io.open(path, FileIO.OpenMode.READ)) {
            ByteBuffer buffer = ByteBuffer.allocate((int) file.size());
            file.readFully(buffer, 0);
            return buffer.array();
        }
    }

    @Test
    void forcedBytesOfASyncedFileSurviveACrashAndUnforcedOnesMayNot() throws IOException {
        for (long seed = 0; seed < 50; seed++) {
            SimulatedFileIO sim = new SimulatedFileIO(seed);
            sim.createDurableDirectories(DIR);
            FileIO io = sim.session();
            Path path = DIR.resolve("a");
            try (StorageFile file = io.open(path, FileIO.OpenMode.CREATE_NEW)) {
                file.write(ByteBuffer.wrap(new byte[] {1, 2, 3}), 0);
                file.force(true);
                file.write(ByteBuffer.wrap(new byte[] {4, 5, 6}), 3);
            }
            io.syncDirectory(DIR);
            sim.crash();
            FileIO after = sim.session();
            byte[] bytes = read(after, path);
            assertTrue(bytes.length >= 3 && bytes.length <= 6, "seed " + seed + ": size " + bytes.length);
            for (int i = 0; i < bytes.length; i++) {
                assertEquals(i + 1, bytes[i], "seed " + seed + ": byte " + i);
            }
            assertThrows(IOException.class, () -> io.list(DIR), "the old process is dead");
        }
    }

    @Test
    void aNewFileOrRenameIsLostUntilItsDirectoryIsSynced() throws IOException {
        SimulatedFileIO sim = new SimulatedFileIO(1);
        sim.createDurableDirectories(DIR);
        FileIO io = sim.session();
        try (StorageFile file = io.open(DIR.resolve("x.tmp"), FileIO.OpenMode.CREATE_NEW)) {
            file.write(ByteBuffer.wrap(new byte[] {7}), 0);
            file.force(true);
        }
        io.syncDirectory(DIR);
        io.rename(DIR.resolve("x.tmp"), DIR.resolve("x"));
        io.open(DIR.resolve("y"), FileIO.OpenMode.CREATE_NEW).close();
        sim.crash();
        FileIO after = sim.session();
        assertTrue(after.exists(DIR.resolve("x.tmp")));
        assertFalse(after.exists(DIR.resolve("x")));
        assertFalse(after.exists(DIR.resolve("y")));
        after.rename(DIR.resolve("x.tmp"), DIR.resolve("x"));
        after.syncDirectory(DIR);
        sim.crash();
        assertArrayEquals(new byte[] {7}, read(sim.session(), DIR.resolve("x")));
    }

    @Test
    void anArmedCrashFiresBeforeTheNthMutationAndFaultsFailOnce() throws IOException {
        SimulatedFileIO sim = new SimulatedFileIO(2);
        sim.createDurableDirectories(DIR);
        FileIO io = sim.session();
        StorageFile file = io.open(DIR.resolve("f"), FileIO.OpenMode.CREATE_NEW); // mutation 1
        io.syncDirectory(DIR); // 2
        sim.failNth(SimulatedFileIO.Kind.FORCE, 1);
        file.write(ByteBuffer.wrap(new byte[] {1}), 0); // 3
        assertThrows(IOException.class, () -> file.force(true)); // 4, fails
        file.force(true); // 5
        sim.crashBeforeMutation(1);
        assertThrows(IOException.class, () -> file.write(ByteBuffer.wrap(new byte[] {2}), 1));
        assertTrue(sim.armedCrashFired());
        assertArrayEquals(new byte[] {1}, read(sim.session(), DIR.resolve("f")));
        assertEquals(1, sim.faultsInjected());
    }

    @Test
    void writesPastTheSpaceBudgetFailWithNoSpaceLeft() throws IOException {
        SimulatedFileIO sim = new SimulatedFileIO(3);
        sim.createDurableDirectories(DIR);
        sim.setSpaceBytesMax(4);
        FileIO io = sim.session();
        try (StorageFile file = io.open(DIR.resolve("f"), FileIO.OpenMode.CREATE_NEW)) {
            file.write(ByteBuffer.wrap(new byte[4]), 0);
            IOException e = assertThrows(IOException.class, () -> file.write(ByteBuffer.wrap(new byte[1]), 4));
            assertTrue(e.getMessage().contains("No space left on device"), e.getMessage());
            assertEquals(4, file.size());
        }
    }
}
