package io.harbinger.stream.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The job config from Amazon Managed Service for Apache Flink runtime property groups, bound by the same
 * {@link JobConfigLoader} and checked by the same rules as a YAML file.
 *
 * <p>Mapping: a group's id is the dotted path of a config section and its keys are relative to it, so
 * group {@code source.kinesis} with key {@code region} is {@code source.kinesis.region}. Keys may be dotted
 * too ({@code polling.interval} in group {@code source.kinesis}). Below a {@code properties} segment the
 * rest of the name is one client property, so group {@code sinks.kafka.properties} with key
 * {@code sasl.jaas.config} is that Kafka property. Every value is a string; numbers, booleans and durations
 * are parsed as in YAML, lists are comma-separated. Problems name the property group and key.
 *
 * <p>The service owns checkpoint storage and the state backend, so {@code checkpoints.directory} is not
 * needed here: when absent it is filled with {@link #MANAGED_CHECKPOINTS}, which the job does not apply. The
 * service exports only metrics registered under a group named {@code kinesisanalytics} to CloudWatch, so
 * {@code metrics.group} is {@code kinesisanalytics} here unless a property group sets it.
 */
public final class MsfPropertyGroups {
    public static final String MANAGED_CHECKPOINTS = "managed-by-msf";
    private static final String PROPERTIES = "properties";

    private MsfPropertyGroups() {}

    public static JobConfig load(JobConfigLoader loader, Map<String, Properties> groups, String source,
                                 List<String> overrides) {
        ObjectNode tree = toTree(groups);
        try {
            return loader.fromTree(tree, source, overrides);
        } catch (ConfigException e) {
            List<String> named = new ArrayList<>();
            for (String problem : e.problems()) {
                named.add(nameGroupAndKey(problem, groups));
            }
            throw new ConfigException(source + ", runtime property groups", named);
        }
    }

    static ObjectNode toTree(Map<String, Properties> groups) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        // Sorted, so that a section given both as a group and through a dotted key merges the same every time.
        for (Map.Entry<String, Properties> group : new TreeMap<>(groups).entrySet()) {
            for (String key : group.getValue().stringPropertyNames()) {
                put(root, path(group.getKey().trim(), key.trim()), group.getValue().getProperty(key));
            }
        }
        // The service exports to CloudWatch only metrics under a group named kinesisanalytics: that is where the
        // job's own metrics go here, unless a property group says otherwise.
        if (!root.path("metrics").has("group")) {
            JsonNode metrics = root.get("metrics");
            ObjectNode m = metrics instanceof ObjectNode ? (ObjectNode) metrics : root.putObject("metrics");
            m.put("group", JobConfig.MetricsGroup.KINESISANALYTICS.groupName());
        }
        if (!root.path("checkpoints").has("directory")) {
            JsonNode checkpoints = root.get("checkpoints");
            ObjectNode cp = checkpoints instanceof ObjectNode ? (ObjectNode) checkpoints : root.putObject("checkpoints");
            cp.put("directory", MANAGED_CHECKPOINTS);
        }
        return root;
    }

    /** Splits "group.key" at dots, up to and including a "properties" segment. */
    static List<String> path(String group, String key) {
        List<String> out = new ArrayList<>();
        String full = group.isEmpty() ? key : group + "." + key;
        String[] parts = full.split("\\.");
        for (int i = 0; i < parts.length; i++) {
            if (i > 0 && PROPERTIES.equals(parts[i - 1])) {
                out.add(String.join(".", java.util.Arrays.copyOfRange(parts, i, parts.length)));
                break;
            }
            out.add(parts[i]);
        }
        return out;
    }

    private static void put(ObjectNode root, List<String> path, String value) {
        ObjectNode parent = root;
        for (int i = 0; i < path.size() - 1; i++) {
            JsonNode next = parent.get(path.get(i));
            if (!(next instanceof ObjectNode)) {
                next = parent.putObject(path.get(i));
            }
            parent = (ObjectNode) next;
        }
        parent.put(path.get(path.size() - 1), value);
    }

    /** "source.kinesis.region: is required" -> "property group source.kinesis, key region: is required". */
    static String nameGroupAndKey(String problem, Map<String, Properties> groups) {
        int colon = problem.indexOf(": ");
        if (colon < 0 || problem.startsWith("--set ")) {
            return problem;
        }
        String key = problem.substring(0, colon);
        String message = problem.substring(colon + 2);
        String bestGroup = null;
        for (String group : groups.keySet()) {
            if (key.startsWith(group + ".") && (bestGroup == null || group.length() > bestGroup.length())) {
                bestGroup = group;
            }
        }
        if (bestGroup == null) {
            for (String group : groups.keySet()) {
                if (group.equals(key) || group.startsWith(key + ".")) {
                    return "property group " + group + ": " + message + " (" + key + ")";
                }
            }
            int dot = key.indexOf(".properties.");
            int split = dot >= 0 ? dot + ".properties".length() : key.lastIndexOf('.');
            if (split < 0) {
                return "property group " + key + ": " + message;
            }
            bestGroup = key.substring(0, split);
        }
        return "property group " + bestGroup + ", key " + key.substring(bestGroup.length() + 1) + ": " + message;
    }
}
