package dev.spool.cli;

import dev.spool.kafka.security.AclFile;
import dev.spool.kafka.security.ScramCredentialsFile;
import dev.spool.log.io.FileIO;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code spool dump} of the Kafka server's security files in {@code <data-dir>/__security}, read
 * with their own codecs: the ACLs one a line, and the SASL users with their mechanisms and
 * iteration counts (never the keys, which are as secret as the file). A damaged file is the
 * codec's {@link IOException}, naming it.
 */
final class ServerFileDump {
    private ServerFileDump() {
    }

    static boolean handles(Path file) {
        Path parent = file.toAbsolutePath().getParent();
        String name = file.getFileName().toString();
        return parent != null && parent.getFileName() != null
                && parent.getFileName().toString().equals(ScramCredentialsFile.DIR_NAME)
                && (name.equals(AclFile.FILE_NAME) || name.equals(ScramCredentialsFile.FILE_NAME));
    }

    static List<String> lines(Path file) throws IOException {
        Path dataDir = file.toAbsolutePath().getParent().getParent();
        List<String> lines = new ArrayList<>();
        if (file.getFileName().toString().equals(AclFile.FILE_NAME)) {
            var acls = AclFile.read(FileIO.real(), dataDir);
            acls.forEach(acl -> lines.add(acl.toString()));
            lines.add(acls.size() + " ACL(s)");
        } else {
            var users = ScramCredentialsFile.read(FileIO.real(), dataDir);
            users.forEach((user, credentials) -> {
                StringBuilder line = new StringBuilder(user);
                credentials.forEach((mechanism, credential) -> line.append(' ').append(mechanism.mechanismName())
                        .append(" iterations=").append(credential.iterations()));
                lines.add(line.toString());
            });
            lines.add(users.size() + " user(s)");
        }
        return lines;
    }
}
