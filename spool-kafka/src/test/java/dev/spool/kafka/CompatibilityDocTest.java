package dev.spool.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.kafka.protocol.SupportedApis;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.Test;

/** The table of APIs in docs/compatibility.md says exactly what the server advertises. */
class CompatibilityDocTest {
    private static final Path DOC = Path.of("..", "docs", "compatibility.md");
    /** {@code | Name | key | min–max | notes |} or {@code | Name | key | version | notes |}. */
    private static final Pattern ROW = Pattern.compile("^\\| (\\w+) \\| (\\d+) \\| (\\d+)(?:–(\\d+))? \\|");

    @Test
    void theApiTableListsEveryAdvertisedApiWithItsVersions() throws IOException {
        List<String> documented = new ArrayList<>();
        boolean inSection = false;
        for (String line : Files.readAllLines(DOC, StandardCharsets.UTF_8)) {
            if (line.startsWith("## ")) {
                inSection = line.equals("## APIs served");
                continue;
            }
            Matcher row = ROW.matcher(line);
            if (inSection && row.find()) {
                String max = row.group(4) == null ? row.group(3) : row.group(4);
                documented.add(row.group(1) + " " + row.group(2) + " " + row.group(3) + "-" + max);
            }
        }
        List<String> advertised = new ArrayList<>();
        for (ApiVersionsResponseData.ApiVersion api : SupportedApis.of(true, true).advertised()) {
            advertised.add(ApiKeys.forId(api.apiKey()).name + " " + api.apiKey() + " " + api.minVersion() + "-"
                    + api.maxVersion());
        }
        assertThat(documented).as("the API table of " + DOC).containsExactlyElementsOf(advertised);
    }
}
