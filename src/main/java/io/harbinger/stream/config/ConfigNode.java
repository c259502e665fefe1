package io.harbinger.stream.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.util.TimeUtils;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Typed, path-aware access to one mapping of the config tree. Every read records the key as known, so that
 * {@link #finish()} can name keys nobody asked for (typos), and every problem is collected with its full
 * dotted key instead of failing at the first one.
 */
final class ConfigNode {
    /** The documented duration notation; see {@link #parseDuration}. */
    private static final Pattern DURATION = Pattern.compile("\\d+\\s*(ms|s|m|min|h|d)");

    private final ObjectNode node;
    private final String path;
    private final List<String> problems;
    private final Set<String> read = new HashSet<>();
    private final List<ConfigNode> children = new ArrayList<>();

    private ConfigNode(ObjectNode node, String path, List<String> problems) {
        this.node = node;
        this.path = path;
        this.problems = problems;
    }

    static ConfigNode root(ObjectNode node, List<String> problems) {
        return new ConfigNode(node, "", problems);
    }

    String key(String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    void problem(String key, String message) {
        problems.add(key(key) + ": " + message);
    }

    boolean has(String name) {
        JsonNode v = node.get(name);
        return v != null && !v.isNull();
    }

    /** A nested mapping; a missing one reads as empty, so its required keys are reported individually. */
    ConfigNode child(String name) {
        read.add(name);
        JsonNode v = node.get(name);
        ObjectNode obj;
        if (v == null || v.isNull()) {
            obj = node.objectNode();
        } else if (v.isObject()) {
            obj = (ObjectNode) v;
        } else {
            problem(name, "expected a mapping of keys, got " + describe(v));
            obj = node.objectNode();
        }
        ConfigNode child = new ConfigNode(obj, key(name), problems);
        children.add(child);
        return child;
    }

    /** A key that must be absent because another key makes it meaningless. */
    void notUsed(String name, String because) {
        read.add(name);
        if (has(name)) {
            problem(name, "not used when " + because + "; remove it");
        }
    }

    /** A key that earlier releases read and this one refuses, so that a config written for them fails loudly. */
    void noLongerRead(String name, String because) {
        read.add(name);
        if (has(name)) {
            problem(name, "is no longer read: " + because + "; remove it");
        }
    }

    Optional<String> optionalString(String name) {
        read.add(name);
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isValueNode() || v.isBinary()) {
            problem(name, "expected a single value, got " + describe(v));
            return Optional.empty();
        }
        return Optional.of(v.asText());
    }

    String string(String name) {
        Optional<String> v = optionalString(name);
        if (v.isEmpty() || v.get().isBlank()) {
            if (v.isEmpty()) problem(name, "is required");
            else problem(name, "must not be empty");
            return "";
        }
        return v.get();
    }

    String string(String name, String defaultValue) {
        return optionalString(name).orElse(defaultValue);
    }

    Optional<Secret> optionalSecret(String name) {
        return optionalString(name).map(Secret::new);
    }

    boolean bool(String name, boolean defaultValue) {
        read.add(name);
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) return defaultValue;
        if (v.isBoolean()) return v.booleanValue();
        if (v.isTextual() && (v.asText().equals("true") || v.asText().equals("false"))) {
            return Boolean.parseBoolean(v.asText());
        }
        problem(name, "expected true or false, got " + describe(v));
        return defaultValue;
    }

    int intAtLeast(String name, int defaultValue, int min) {
        Optional<Long> v = number(name).map(Number::longValue);
        long value = v.orElse((long) defaultValue);
        if (value < min || value > Integer.MAX_VALUE) {
            problem(name, "must be a whole number >= " + min + ", got " + value);
            return defaultValue;
        }
        return (int) value;
    }

    Optional<Integer> optionalIntAtLeast(String name, int min) {
        if (!has(name)) {
            read.add(name);
            return Optional.empty();
        }
        return Optional.of(intAtLeast(name, min, min));
    }

    double doubleIn(String name, double defaultValue, double min, double max) {
        double value = number(name).map(Number::doubleValue).orElse(defaultValue);
        if (!(value >= min && value <= max)) {
            problem(name, "must be a number in [" + min + ", " + max + "], got " + value);
            return defaultValue;
        }
        return value;
    }

    private Optional<Number> number(String name) {
        read.add(name);
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) return Optional.empty();
        if (v.isNumber()) return Optional.of(v.numberValue());
        if (v.isTextual()) {
            try {
                return Optional.of(Double.valueOf(v.asText().trim()));
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        problem(name, "expected a number, got " + describe(v));
        return Optional.empty();
    }

    Duration duration(String name, Duration defaultValue) {
        return optionalDuration(name).orElse(defaultValue);
    }

    Duration requiredDuration(String name) {
        Optional<Duration> d = optionalDuration(name);
        if (d.isEmpty() && !has(name)) problem(name, "is required");
        return d.orElse(Duration.ZERO);
    }

    Optional<Duration> optionalDuration(String name) {
        read.add(name);
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) return Optional.empty();
        Optional<Duration> d = v.isValueNode() ? parseDuration(v.asText()) : Optional.empty();
        if (d.isEmpty()) {
            problem(name, "expected a duration such as 500ms, 30s, 5m, 2h or 7d, got " + describe(v));
        }
        return d;
    }

    /**
     * The notation of the docs, a whole number and a unit: 500ms, 30s, 5m (or 5min), 2h, 7d, read by Flink's
     * {@link TimeUtils#parseDuration}. TimeUtils alone would take more, which the docs call invalid: unit words
     * ({@code 15 minutes}, the docs' example of an error), µs and ns, upper case, and a bare number, which it reads
     * as milliseconds but a reader of {@code window.size: 15} would not. A value beyond a long of milliseconds is
     * invalid too.
     */
    static Optional<Duration> parseDuration(String text) {
        String trimmed = text.trim();
        if (!DURATION.matcher(trimmed).matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Duration.ofMillis(TimeUtils.parseDuration(trimmed).toMillis()));
        } catch (IllegalArgumentException | ArithmeticException e) { // too large
            return Optional.empty();
        }
    }

    /** A size such as 64mb or 512kb (Flink's MemorySize syntax), or empty when the key is absent. */
    Optional<MemorySize> optionalMemorySize(String name) {
        Optional<String> v = optionalString(name);
        if (v.isEmpty()) return Optional.empty();
        try {
            return Optional.of(MemorySize.parse(v.get()));
        } catch (IllegalArgumentException e) {
            problem(name, "expected a size such as 512kb, 64mb or 1gb, got \"" + v.get() + "\"");
            return Optional.empty();
        }
    }

    /** As {@link #optionalMemorySize}, and a problem (then empty) when the size is below {@code min}. */
    Optional<MemorySize> optionalMemorySizeAtLeast(String name, MemorySize min) {
        Optional<MemorySize> size = optionalMemorySize(name);
        if (size.isPresent() && size.get().getBytes() < min.getBytes()) {
            problem(name, "must be at least " + min + ", got " + size.get());
            return Optional.empty();
        }
        return size;
    }

    Optional<Integer> optionalIntIn(String name, int min, int max) {
        Optional<Integer> value = ifGiven(name, () -> intAtLeast(name, min, min));
        if (value.isPresent() && value.get() > max) {
            problem(name, "must be a whole number in [" + min + ", " + max + "], got " + value.get());
            return Optional.empty();
        }
        return value;
    }

    Optional<Double> optionalDoubleIn(String name, double min, double max) {
        return ifGiven(name, () -> doubleIn(name, min, min, max));
    }

    Optional<Boolean> optionalBool(String name) {
        return ifGiven(name, () -> bool(name, false));
    }

    <E extends Enum<E>> Optional<E> optionalEnum(String name, Class<E> type) {
        return ifGiven(name, () -> enumValue(name, type, type.getEnumConstants()[0]));
    }

    /** The key's value read by {@code value}, or empty (and the key still marked read) when it is absent. */
    private <T> Optional<T> ifGiven(String name, Supplier<T> value) {
        if (!has(name)) {
            read.add(name);
            return Optional.empty();
        }
        return Optional.of(value.get());
    }

    Instant instant(String name, Instant defaultValue) {
        Optional<String> v = optionalString(name);
        if (v.isEmpty()) return defaultValue;
        try {
            return Instant.parse(v.get());
        } catch (DateTimeParseException e) {
            problem(name, "expected an ISO-8601 UTC time such as 2000-01-01T00:00:00Z, got \"" + v.get() + "\"");
            return defaultValue;
        }
    }

    /** As {@link #instant}, or empty when the key is absent (a bad value is reported; the config then fails). */
    Optional<Instant> optionalInstant(String name) {
        return ifGiven(name, () -> instant(name, Instant.EPOCH));
    }

    <E extends Enum<E>> E enumValue(String name, Class<E> type, E defaultValue) {
        Optional<String> v = optionalString(name);
        if (v.isEmpty()) return defaultValue;
        Optional<E> named = constantNamed(type, v.get());
        if (named.isPresent()) return named.get();
        List<String> allowed = new ArrayList<>();
        for (E constant : type.getEnumConstants()) allowed.add(constant.name().toLowerCase().replace('_', '-'));
        problem(name, "must be one of " + allowed + ", got \"" + v.get() + "\"");
        return defaultValue;
    }

    /** The constant a config value names, in any case and with dashes or underscores ({@code at-timestamp}). */
    static <E extends Enum<E>> Optional<E> constantNamed(Class<E> type, String text) {
        String wanted = text.trim().replace('-', '_').toUpperCase(Locale.ROOT);
        for (E constant : type.getEnumConstants()) {
            if (constant.name().equals(wanted)) return Optional.of(constant);
        }
        return Optional.empty();
    }

    List<String> stringList(String name) {
        read.add(name);
        JsonNode v = node.get(name);
        List<String> out = new ArrayList<>();
        if (v == null || v.isNull()) return out;
        if (v.isTextual()) {
            // "a,b" is accepted too, so that --set and property groups can give a list on one line.
            for (String part : v.asText().split(",")) {
                if (!part.isBlank()) out.add(part.trim());
            }
            return out;
        }
        if (!v.isArray()) {
            problem(name, "expected a list, got " + describe(v));
            return out;
        }
        for (JsonNode item : v) {
            if (!item.isValueNode() || item.asText().isBlank()) {
                problem(name, "every item must be a non-empty value, got " + describe(item));
            } else {
                out.add(item.asText());
            }
        }
        return out;
    }

    /** Free-form client properties (passed through to Kafka clients), so their keys are not checked here. */
    Map<String, String> stringMap(String name) {
        read.add(name);
        JsonNode v = node.get(name);
        Map<String, String> out = new LinkedHashMap<>();
        if (v == null || v.isNull()) return out;
        if (!v.isObject()) {
            problem(name, "expected a mapping of client properties, got " + describe(v));
            return out;
        }
        flatten("", v, out);
        return out;
    }

    private void flatten(String prefix, JsonNode v, Map<String, String> out) {
        Iterator<Map.Entry<String, JsonNode>> it = v.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String k = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            if (e.getValue().isObject()) flatten(k, e.getValue(), out);
            else out.put(k, e.getValue().asText());
        }
    }

    /** Reports keys that were never read: almost always a typo or a key of another version. */
    void finish() {
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!read.contains(name)) {
                problems.add(key(name) + ": unknown key");
            }
        }
        children.forEach(ConfigNode::finish);
    }

    private static String describe(JsonNode v) {
        if (v.isObject()) return "a mapping";
        if (v.isArray()) return "a list";
        return "\"" + v.asText() + "\"";
    }
}
