package dev.spool.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The table of {@code spool serve}'s settings in {@code docs/configuration.md}, rendered from the
 * command's own options and {@link ServerProperties#KEYS}, so the reference lists every option
 * with its default and cannot drift from the code (a test compares the two).
 */
final class ConfigurationReference {
    static final String BEGIN = "<!-- BEGIN GENERATED: spool serve settings -->";
    static final String END = "<!-- END GENERATED -->";

    private ConfigurationReference() {
    }

    /** One row per option: option, the file key(s) and environment variable(s) that set it, default, meaning. */
    static String render(CommandSpec serve) {
        List<String> rows = new ArrayList<>();
        rows.add("| option | file key (`--config`) | environment | default | what it sets |");
        rows.add("|---|---|---|---|---|");
        for (OptionSpec option : serve.options()) {
            if (option.hidden() || option.usageHelp() || option.versionHelp()) {
                continue;
            }
            String name = option.longestName();
            List<ServerProperties.Key> keys = ServerProperties.KEYS.stream()
                    .filter(key -> key.option().equals(name)).toList();
            String fileKeys = keys.isEmpty() ? "" : keys.stream().map(key -> "`" + key.name() + "`")
                    .collect(Collectors.joining(", "));
            String env = keys.isEmpty() ? "" : keys.stream().map(key -> "`" + key.envName() + "`")
                    .collect(Collectors.joining(", "));
            String label = option.arity().max() == 0 ? "" : " " + option.paramLabel();
            String fallback = option.defaultValue() == null ? "" : "`" + option.defaultValue() + "`";
            String description = String.join(" ", option.description())
                    .replace("${DEFAULT-VALUE}", option.defaultValue() == null ? "none" : option.defaultValue())
                    .replace("|", "\\|");
            rows.add("| `" + (name + label).replace("|", "\\|") + "` | " + fileKeys + " | " + env + " | " + fallback + " | "
                    + description + " |");
        }
        return BEGIN + "\n" + String.join("\n", rows) + "\n" + END;
    }
}
