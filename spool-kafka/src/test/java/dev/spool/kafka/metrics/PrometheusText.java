package dev.spool.kafka.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A scrape in Prometheus' text format, parsed for assertions: each family's {@code # TYPE} and
 * {@code # HELP}, and every sample with its labels. Fails on a line it cannot read, so a
 * malformed exposition fails the test rather than passing it by omission.
 */
public final class PrometheusText {
    /** One sample line. */
    public record Sample(String name, Map<String, String> labels, double value) {
        public String label(String key) {
            return labels.get(key);
        }
    }

    private final Map<String, String> types = new LinkedHashMap<>();
    private final Map<String, String> helps = new LinkedHashMap<>();
    private final List<Sample> samples = new ArrayList<>();

    private PrometheusText() {
    }

    public static PrometheusText parse(String text) {
        PrometheusText out = new PrometheusText();
        for (String line : text.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            if (line.startsWith("# HELP ")) {
                String rest = line.substring("# HELP ".length());
                int space = rest.indexOf(' ');
                out.helps.put(space < 0 ? rest : rest.substring(0, space), space < 0 ? "" : rest.substring(space + 1));
            } else if (line.startsWith("# TYPE ")) {
                String[] parts = line.substring("# TYPE ".length()).split(" ");
                if (parts.length != 2) {
                    throw new IllegalArgumentException("A TYPE line has a name and a type: " + line);
                }
                out.types.put(parts[0], parts[1]);
            } else if (line.startsWith("#")) {
                continue;
            } else {
                out.samples.add(sample(line));
            }
        }
        return out;
    }

    private static Sample sample(String line) {
        int brace = line.indexOf('{');
        int valueAt;
        String name;
        Map<String, String> labels = new LinkedHashMap<>();
        if (brace < 0) {
            int space = line.indexOf(' ');
            name = line.substring(0, space);
            valueAt = space + 1;
        } else {
            name = line.substring(0, brace);
            int i = brace + 1;
            while (line.charAt(i) != '}') {
                int equals = line.indexOf('=', i);
                String key = line.substring(i, equals);
                if (line.charAt(equals + 1) != '"') {
                    throw new IllegalArgumentException("A label value is quoted: " + line);
                }
                StringBuilder value = new StringBuilder();
                int j = equals + 2;
                for (; line.charAt(j) != '"'; j++) {
                    char c = line.charAt(j);
                    if (c == '\\') {
                        char next = line.charAt(++j);
                        value.append(next == 'n' ? '\n' : next);
                    } else {
                        value.append(c);
                    }
                }
                labels.put(key, value.toString());
                i = j + 1;
                if (line.charAt(i) == ',') {
                    i++;
                }
            }
            valueAt = i + 2;
        }
        String[] valueAndTime = line.substring(valueAt).trim().split(" ");
        return new Sample(name, labels, Double.parseDouble(valueAndTime[0].replace("+Inf", "Infinity")));
    }

    /** Family name to type ({@code counter}, {@code gauge}, {@code histogram}, {@code summary}). */
    public Map<String, String> types() {
        return types;
    }

    /** Family name to HELP text. */
    public Map<String, String> helps() {
        return helps;
    }

    public List<Sample> samples() {
        return samples;
    }

    public List<Sample> samples(String name) {
        return samples.stream().filter(s -> s.name().equals(name)).toList();
    }

    /** The one sample named {@code name} with (at least) these labels, given as key, value, key, value... */
    public Optional<Sample> find(String name, String... labels) {
        List<Sample> found = samples(name).stream().filter(s -> {
            for (int i = 0; i < labels.length; i += 2) {
                if (!labels[i + 1].equals(s.label(labels[i]))) {
                    return false;
                }
            }
            return true;
        }).toList();
        if (found.size() > 1) {
            throw new IllegalArgumentException(found.size() + " samples match " + name + " " + List.of(labels));
        }
        return found.stream().findFirst();
    }

    public double value(String name, String... labels) {
        return find(name, labels).orElseThrow(() -> new AssertionError("no sample " + name + " " + List.of(labels)
                + " among " + samples.stream().map(Sample::name).distinct().sorted().toList())).value();
    }
}
