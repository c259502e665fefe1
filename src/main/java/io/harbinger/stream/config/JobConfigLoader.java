package io.harbinger.stream.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import io.harbinger.stream.config.JobConfig.AnomalySettings;
import io.harbinger.stream.config.JobConfig.CheckpointSettings;
import io.harbinger.stream.config.JobConfig.DedupSettings;
import io.harbinger.stream.config.JobConfig.EventTimeSettings;
import io.harbinger.stream.config.JobConfig.JdbcSinkSettings;
import io.harbinger.stream.config.JobConfig.JobSettings;
import io.harbinger.stream.config.JobConfig.KafkaSinkSettings;
import io.harbinger.stream.config.JobConfig.MetricsSettings;
import io.harbinger.stream.config.JobConfig.RegistrySettings;
import io.harbinger.stream.config.JobConfig.RocksDbSettings;
import io.harbinger.stream.config.JobConfig.SourceSettings;
import io.harbinger.stream.config.JobConfig.ValidationSettings;
import io.harbinger.stream.config.JobConfig.WindowSettings;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a YAML job config, resolves {@code ${ENV}}, {@code ${file:/path}} and {@code ${secretsmanager:ARN}}
 * references, applies {@code --set key=value} overrides and
 * checks everything before the job is built: unknown keys, missing keys, wrong types and impossible
 * combinations are all reported at once, each with the file and the dotted key.
 *
 * <p>What is about the file is here; each section's keys are bound by a class of their own (e.g.
 * {@link KafkaSourceSection}), on a {@link ConfigNode} that collects the problems and spots unknown keys, and the
 * rules between keys are in {@link CrossKeyRules}. The stages of the report (docs/configuration.md, "Errors"):
 * reading the file; overrides and references; every key; the rules of {@link CrossKeyRules#check}.
 */
public final class JobConfigLoader {
    /**
     * {@code ${file:/path}} (group 1), {@code ${secretsmanager:ARN[#key]}} (group 2) or {@code ${NAME}} /
     * {@code ${NAME:-default}} (groups 3 and 4).
     */
    private static final Pattern REF = Pattern.compile(
            "\\$\\{(?:file:([^}]+)|secretsmanager:([^}]*)|([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?)}");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final Map<String, String> environment;
    private final SecretsManagerReferences.Limits secretsManagerLimits;

    public JobConfigLoader(Map<String, String> environment) {
        this(environment, SecretsManagerReferences.Limits.DEFAULT);
    }

    /** With other bounds for the calls to Secrets Manager (tests of an endpoint that does not answer). */
    JobConfigLoader(Map<String, String> environment, SecretsManagerReferences.Limits secretsManagerLimits) {
        this.environment = environment;
        this.secretsManagerLimits = secretsManagerLimits;
    }

    public static JobConfigLoader withSystemEnvironment() {
        return new JobConfigLoader(System.getenv());
    }

    public JobConfig load(Path file, List<String> overrides) {
        String source = file.toString();
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(source, List.of("file not found"));
        } catch (IOException e) {
            throw new ConfigException(source, List.of("cannot read the file: " + e.getMessage()));
        }
        return parse(text, source, overrides);
    }

    public JobConfig parse(String yaml, String source, List<String> overrides) {
        JsonNode tree;
        try {
            tree = YAML.readTree(yaml);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr();
            throw new ConfigException(source, List.of("not valid YAML" + where + ": " + e.getOriginalMessage()));
        }
        if (tree == null || tree.isMissingNode() || tree.isNull()) {
            tree = YAML.createObjectNode();
        }
        if (!tree.isObject()) {
            throw new ConfigException(source, List.of("the top level must be a mapping of keys"));
        }
        return fromTree((ObjectNode) tree, source, overrides);
    }

    /** Binds an already built tree, e.g. one made from Managed Service for Apache Flink property groups. */
    public JobConfig fromTree(ObjectNode tree, String source, List<String> overrides) {
        List<String> problems = new ArrayList<>();
        applyOverrides(tree, overrides, problems);
        // Secrets Manager clients are made on the first reference only, and closed once everything is resolved.
        try (SecretsManagerReferences secrets = new SecretsManagerReferences(secretsManagerLimits)) {
            resolveEnvironment(tree, "", problems, secrets);
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(source, problems);
        }
        ConfigNode root = ConfigNode.root(tree, problems);
        JobConfig config = bind(root, source);
        root.finish();
        if (problems.isEmpty()) {
            CrossKeyRules.check(config, problems);
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(source, problems);
        }
        return config;
    }

    private static void applyOverrides(ObjectNode tree, List<String> overrides, List<String> problems) {
        for (String override : overrides) {
            int eq = override.indexOf('=');
            if (eq <= 0) {
                problems.add("--set " + override + ": expected key=value, e.g. --set window.size=10m");
                continue;
            }
            String[] path = override.substring(0, eq).trim().split("\\.");
            String value = override.substring(eq + 1);
            ObjectNode parent = tree;
            for (int i = 0; i < path.length - 1; i++) {
                JsonNode next = parent.get(path[i]);
                if (next == null || !next.isObject()) {
                    next = parent.putObject(path[i]);
                }
                parent = (ObjectNode) next;
            }
            parent.put(path[path.length - 1], value);
        }
    }

    /**
     * Replaces ${NAME}, ${NAME:-default}, ${file:/path} and ${secretsmanager:ARN[#key]} in every string value, so
     * that secrets stay out of files.
     */
    private void resolveEnvironment(JsonNode node, String path, List<String> problems,
                                    SecretsManagerReferences secrets) {
        if (node instanceof ObjectNode) {
            ObjectNode object = (ObjectNode) node;
            Iterator<Map.Entry<String, JsonNode>> it = object.fields();
            List<Map.Entry<String, JsonNode>> entries = new ArrayList<>();
            it.forEachRemaining(entries::add);
            for (Map.Entry<String, JsonNode> e : entries) {
                String key = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
                if (e.getValue().isTextual()) {
                    object.set(e.getKey(), new TextNode(substitute(e.getValue().asText(), key, problems, secrets)));
                } else {
                    resolveEnvironment(e.getValue(), key, problems, secrets);
                }
            }
        } else if (node instanceof ArrayNode) {
            ArrayNode array = (ArrayNode) node;
            for (int i = 0; i < array.size(); i++) {
                String key = path + "[" + i + "]";
                if (array.get(i).isTextual()) {
                    array.set(i, new TextNode(substitute(array.get(i).asText(), key, problems, secrets)));
                } else {
                    resolveEnvironment(array.get(i), key, problems, secrets);
                }
            }
        }
    }

    private String substitute(String value, String key, List<String> problems, SecretsManagerReferences secrets) {
        Matcher m = REF.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String resolved;
            if (m.group(1) != null) {
                resolved = readSecretFile(m.group(1).trim(), key, problems);
            } else if (m.group(2) != null) {
                resolved = secrets.resolve(m.group(2), key, problems);
            } else {
                resolved = environment.get(m.group(3));
                if (resolved == null) {
                    resolved = m.group(4);
                }
                if (resolved == null) {
                    problems.add(key + ": environment variable " + m.group(3) + " is not set");
                    resolved = "";
                }
            }
            m.appendReplacement(out, Matcher.quoteReplacement(resolved));
        }
        m.appendTail(out);
        return out.toString();
    }

    /**
     * The content of a {@code ${file:/path}} reference (a mounted Kubernetes secret, a Vault agent file), without
     * its trailing line break. Errors name the key and the file, never any content.
     */
    private static String readSecretFile(String path, String key, List<String> problems) {
        Path file = Path.of(path);
        try {
            String content = Files.readString(file, StandardCharsets.UTF_8);
            return content.endsWith("\r\n") ? content.substring(0, content.length() - 2)
                    : content.endsWith("\n") ? content.substring(0, content.length() - 1) : content;
        } catch (NoSuchFileException e) {
            problems.add(key + ": file " + path + " (from ${file:" + path + "}) does not exist");
        } catch (MalformedInputException e) {
            problems.add(key + ": file " + path + " (from ${file:" + path + "}) is not UTF-8 text");
        } catch (IOException | SecurityException e) {
            problems.add(key + ": cannot read file " + path + " (from ${file:" + path + "}): "
                    + e.getClass().getSimpleName());
        }
        return "";
    }

    /** Binds every section, in the order of the report; each section's binding is in its own class. */
    private static JobConfig bind(ConfigNode root, String source) {
        JobSettings job = JobSection.bind(root.child("job"));
        SourceSettings input = SourceSection.bind(root.child("source"));
        RegistrySettings registry = RegistrySection.bind(root.child("registry"));
        ValidationSettings validation = ValidationSection.bind(root.child("validation"));
        DedupSettings dedup = DedupSection.bind(root.child("dedup"));
        EventTimeSettings eventTime = EventTimeSection.bind(root.child("event-time"));
        WindowSettings window = WindowSection.bind(root.child("window"));
        AnomalySettings anomaly = AnomalySection.bind(root.child("anomaly"));
        ConfigNode sinks = root.child("sinks");
        KafkaSinkSettings kafkaSink = KafkaSinkSection.bind(sinks.child("kafka"));
        JdbcSinkSettings jdbcSink = JdbcSinkSection.bind(sinks.child("jdbc"));
        CheckpointSettings checkpoints = CheckpointsSection.bind(root.child("checkpoints"));
        RocksDbSettings rocksdb = RocksDbSection.bind(root.child("state").child("rocksdb"));
        MetricsSettings metrics = MetricsSection.bind(root.child("metrics"));
        return new JobConfig(source, job, input, registry, validation, dedup, eventTime, window, anomaly, kafkaSink,
                jdbcSink, checkpoints, rocksdb, metrics);
    }
}
