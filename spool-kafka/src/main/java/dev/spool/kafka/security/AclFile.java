package dev.spool.kafka.security;

import dev.spool.log.io.FileIO;
import dev.spool.log.io.StorageFile;
import java.io.IOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.zip.CRC32C;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The codec of {@code <data-dir>/__security/acls}, the file that holds every ACL of the server.
 *
 * <h2>Layout (UTF-8 text, lines ending in {@code \n})</h2>
 * <pre>
 *  spool-acls 1                                                   header: format name and version
 *  TOPIC LITERAL orders User%3Aalice * READ ALLOW                 one line per ACL, 7 fields
 *  GROUP PREFIXED app- User%3A* 10.0.0.7 READ DENY
 *  end 2 1c2b3a4d                                                 ACL count, CRC-32C (hex)
 * </pre>
 * The fields of an ACL line, separated by one space: resource type, pattern type, resource name,
 * principal, host, operation, permission. Types, operations and permissions are written by their
 * kafka-clients enum names; name, principal and host are URL-encoded (UTF-8), so no field holds a
 * space or a line break whatever a group or transactional id contains. The CRC covers every byte
 * before the {@code end} line; the count and the end line together tell a file cut short from a
 * whole one. ACLs are written sorted, so the same set always gives the same bytes.
 *
 * <p>Written as a new file ({@code acls.tmp}), forced, renamed over the old one, then the directory
 * is forced: a crash leaves the old set or the new one. A file that fails any check is reported
 * naming the file and line, and the server does not start: guessing around a damaged ACL file
 * could allow what an ACL denied.
 */
public final class AclFile {
    /** Beside the SASL credentials; a {@code __} name, which the log manager leaves alone as not a topic. */
    public static final String DIRECTORY = ScramCredentialsFile.DIR_NAME;
    public static final String FILE_NAME = "acls";
    static final String HEADER = "spool-acls 1";
    static final String END = "end";
    /** No ACL file grows past this; a bigger one is damaged or not ours. */
    static final long FILE_BYTES_MAX = 64L << 20;

    private static final Comparator<AclBinding> ORDER = Comparator.comparing(AclFile::line);

    private AclFile() {
    }

    /** The file's path in {@code dataDir}. */
    public static Path path(Path dataDir) {
        return dataDir.resolve(DIRECTORY).resolve(FILE_NAME);
    }

    /** The stored ACLs; none when the file does not exist (a new data directory). */
    public static List<AclBinding> read(FileIO io, Path dataDir) throws IOException {
        Path path = path(dataDir);
        if (!io.exists(path)) {
            return List.of();
        }
        byte[] bytes;
        try (StorageFile file = io.open(path, FileIO.OpenMode.READ)) {
            long size = file.size();
            if (size > FILE_BYTES_MAX) {
                throw new IOException("ACL file " + path + " is " + size + " bytes, expected at most " + FILE_BYTES_MAX);
            }
            ByteBuffer buffer = ByteBuffer.allocate((int) size);
            file.readFully(buffer, 0);
            bytes = buffer.array();
        }
        return decode(bytes, path);
    }

    static List<AclBinding> decode(byte[] bytes, Path path) throws IOException {
        String text = new String(bytes, StandardCharsets.UTF_8);
        if (!text.endsWith("\n")) {
            throw new IOException("ACL file " + path + " does not end with a line break: it was cut short");
        }
        String[] lines = text.substring(0, text.length() - 1).split("\n", -1);
        if (!lines[0].equals(HEADER)) {
            throw new IOException("ACL file " + path + " line 1 is '" + abbreviate(lines[0]) + "', expected '"
                    + HEADER + "'");
        }
        String last = lines[lines.length - 1];
        String[] end = last.split(" ", -1);
        if (lines.length < 2 || end.length != 3 || !end[0].equals(END)) {
            throw new IOException("ACL file " + path + " has no end line (last line '" + abbreviate(last)
                    + "'): it was cut short");
        }
        long stored = parseHex(end[2], path, lines.length);
        int endLineStart = bytes.length - 1;
        while (endLineStart > 0 && bytes[endLineStart - 1] != '\n') {
            endLineStart--;
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, endLineStart);
        if (crc.getValue() != stored) {
            throw new IOException("ACL file " + path + " fails its CRC: stored 0x" + Long.toHexString(stored)
                    + ", computed 0x" + Long.toHexString(crc.getValue()));
        }
        int count = lines.length - 2;
        if (!end[1].equals(Integer.toString(count))) {
            throw new IOException("ACL file " + path + " end line counts " + end[1] + " ACLs, the file holds " + count);
        }
        List<AclBinding> out = new ArrayList<>(count);
        for (int i = 1; i <= count; i++) {
            out.add(parse(lines[i], path, i + 1));
        }
        return out;
    }

    private static AclBinding parse(String line, Path path, int lineNumber) throws IOException {
        String[] f = line.split(" ", -1);
        if (f.length != 7) {
            throw new IOException("ACL file " + path + " line " + lineNumber + " has " + f.length
                    + " fields, expected 7 (resource type, pattern type, name, principal, host, operation, permission)");
        }
        try {
            AclBinding binding = new AclBinding(
                    new ResourcePattern(ResourceType.valueOf(f[0]), decodeField(f[2]), PatternType.valueOf(f[1])),
                    new AccessControlEntry(decodeField(f[3]), decodeField(f[4]), AclOperation.valueOf(f[5]),
                            AclPermissionType.valueOf(f[6])));
            String invalid = AclBindings.invalid(binding).orElse(null);
            if (invalid != null) {
                throw new IOException("ACL file " + path + " line " + lineNumber + ": " + invalid);
            }
            return binding;
        } catch (IllegalArgumentException e) {
            throw new IOException("ACL file " + path + " line " + lineNumber + " is not an ACL: " + e.getMessage(), e);
        }
    }

    private static long parseHex(String hex, Path path, int lineNumber) throws IOException {
        try {
            return Long.parseLong(hex, 16);
        } catch (NumberFormatException e) {
            throw new IOException("ACL file " + path + " line " + lineNumber + " has CRC '" + abbreviate(hex)
                    + "', expected hex digits");
        }
    }

    static byte[] encode(Collection<AclBinding> bindings) {
        StringBuilder text = new StringBuilder(HEADER).append('\n');
        bindings.stream().sorted(ORDER).forEach(binding -> text.append(line(binding)).append('\n'));
        byte[] body = text.toString().getBytes(StandardCharsets.UTF_8);
        CRC32C crc = new CRC32C();
        crc.update(body);
        byte[] end = (END + " " + bindings.size() + " " + Long.toHexString(crc.getValue()) + "\n")
                .getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[body.length + end.length];
        System.arraycopy(body, 0, out, 0, body.length);
        System.arraycopy(end, 0, out, body.length, end.length);
        return out;
    }

    private static String line(AclBinding binding) {
        ResourcePattern pattern = binding.pattern();
        AccessControlEntry entry = binding.entry();
        return pattern.resourceType().name() + ' ' + pattern.patternType().name() + ' ' + encodeField(pattern.name())
                + ' ' + encodeField(entry.principal()) + ' ' + encodeField(entry.host()) + ' '
                + entry.operation().name() + ' ' + entry.permissionType().name();
    }

    /** Durably replaces the file with one holding {@code bindings}. */
    public static void write(FileIO io, Path dataDir, Collection<AclBinding> bindings) throws IOException {
        Path dir = dataDir.resolve(DIRECTORY);
        if (!io.isDirectory(dir)) { // the first ACL: the new directory's entry must be durable too
            io.createDirectories(dir);
            io.syncDirectory(dataDir);
        }
        Path path = dir.resolve(FILE_NAME);
        Path tmp = dir.resolve(FILE_NAME + ".tmp");
        io.deleteIfExists(tmp);
        try (StorageFile file = io.open(tmp, FileIO.OpenMode.CREATE_NEW)) {
            file.write(ByteBuffer.wrap(encode(bindings)), 0);
            file.force(true);
        }
        io.rename(tmp, path);
        io.syncDirectory(dir);
    }

    private static String encodeField(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static String decodeField(String value) {
        return URLDecoder.decode(value, StandardCharsets.UTF_8);
    }

    private static String abbreviate(String text) {
        return text.length() <= 80 ? text : text.substring(0, 80) + "…";
    }
}
