package io.harbinger.stream.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import io.harbinger.events.EventType;
import io.harbinger.stream.config.JobConfig.AnomalySettings;
import io.harbinger.stream.config.JobConfig.CheckpointSettings;
import io.harbinger.stream.config.JobConfig.CompactionStyle;
import io.harbinger.stream.config.JobConfig.Compression;
import io.harbinger.stream.config.JobConfig.DedupSettings;
import io.harbinger.stream.config.JobConfig.EfoRegistration;
import io.harbinger.stream.config.JobConfig.EventTimeSettings;
import io.harbinger.stream.config.JobConfig.JdbcSinkSettings;
import io.harbinger.stream.config.JobConfig.JobSettings;
import io.harbinger.stream.config.JobConfig.KafkaSinkSettings;
import io.harbinger.stream.config.JobConfig.KafkaSourceSettings;
import io.harbinger.stream.config.JobConfig.KinesisRecordPublisher;
import io.harbinger.stream.config.JobConfig.KinesisSourceSettings;
import io.harbinger.stream.config.JobConfig.KinesisStartingPosition;
import io.harbinger.stream.config.JobConfig.MetricsGroup;
import io.harbinger.stream.config.JobConfig.MetricsSettings;
import io.harbinger.stream.config.JobConfig.PredefinedOptions;
import io.harbinger.stream.config.JobConfig.RegistrySettings;
import io.harbinger.stream.config.JobConfig.RocksDbSettings;
import io.harbinger.stream.config.JobConfig.SourceSettings;
import io.harbinger.stream.config.JobConfig.SourceType;
import io.harbinger.stream.config.JobConfig.StartingOffsets;
import io.harbinger.stream.config.JobConfig.ValidationSettings;
import io.harbinger.stream.config.JobConfig.WindowSettings;
import io.harbinger.stream.records.WireFormat;

import org.apache.flink.configuration.MemorySize;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.SaslConfigs;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a YAML job config, resolves {@code ${ENV}}, {@code ${file:/path}} and {@code ${secretsmanager:ARN}}
 * references, applies {@code --set key=value} overrides and
 * checks everything before the job is built: unknown keys, missing keys, wrong types and impossible
 * combinations are all reported at once, each with the file and the dotted key.
 */
public final class JobConfigLoader {
    /**
     * {@code ${file:/path}} (group 1), {@code ${secretsmanager:ARN[#key]}} (group 2) or {@code ${NAME}} /
     * {@code ${NAME:-default}} (groups 3 and 4).
     */
    private static final Pattern REF = Pattern.compile(
            "\\$\\{(?:file:([^}]+)|secretsmanager:([^}]*)|([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?)}");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final double MIN_STDDEV_FLOOR = 1e-6;
    /** Flink's own default for jobs below parallelism 86; kept explicit so savepoints stay restorable. */
    static final int DEFAULT_MAX_PARALLELISM = 128;
    /** Below this a memtable holds a few thousand entries and every flush is an L0 file of its own. */
    private static final MemorySize MIN_WRITE_BUFFER = MemorySize.parse("1mb");
    /** An IAM role in any partition, e.g. arn:aws:iam::123456789012:role/harbinger-msk. */
    private static final Pattern ROLE_ARN = Pattern.compile("arn:aws[a-z-]*:iam::\\d{12}:role/[\\w+=,.@/-]{1,512}");
    private static final Pattern AWS_REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d{1,2}");
    /** A profile name that stays one JAAS option value: no quotes, backslashes, semicolons or blanks. */
    private static final Pattern PROFILE_NAME = Pattern.compile("[\\w.@+-]{1,128}");

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

    private static JobConfig bind(ConfigNode root, String source) {
        ConfigNode job = root.child("job");
        // Max parallelism fixes the key groups of keyed state: it must never change once state exists.
        JobSettings jobSettings = new JobSettings(job.string("name"),
                job.intAtLeast("max-parallelism", DEFAULT_MAX_PARALLELISM, 1));
        // A job that set its own parallelism silently overrode flink run -p, spec.job.parallelism and the
        // managed service's Parallelism (and its autoscaling); the platform owns it now.
        job.noLongerRead("parallelism", "the platform owns parallelism (flink run -p, parallelism.default,"
                + " the FlinkDeployment's spec.job.parallelism, Managed Service's Parallelism)");

        ConfigNode src = root.child("source");
        SourceType type = src.enumValue("type", SourceType.class, SourceType.KAFKA);
        KafkaSourceSettings kafkaSource = null;
        KinesisSourceSettings kinesisSource = null;
        if (type == SourceType.KINESIS) {
            src.notUsed("kafka", "source.type is kinesis");
            kinesisSource = bindKinesis(src.child("kinesis"));
        } else {
            src.notUsed("kinesis", "source.type is kafka");
            kafkaSource = bindKafka(src.child("kafka"));
        }

        ConfigNode reg = root.child("registry");
        RegistrySettings registry = new RegistrySettings(
                reg.string("url"),
                reg.optionalString("username"),
                reg.optionalSecret("password"),
                reg.intAtLeast("cache-size", 1000, 1),
                reg.duration("request-timeout", Duration.ofSeconds(10)),
                reg.intAtLeast("max-retries", 5, 0),
                reg.duration("retry-backoff", Duration.ofMillis(500)),
                reg.duration("unknown-id-cache", Duration.ofSeconds(30)),
                reg.optionalString("truststore-path"),
                reg.optionalSecret("truststore-password"),
                reg.optionalString("keystore-path"),
                reg.optionalSecret("keystore-password"));
        for (String store : new String[] {"truststore", "keystore"}) {
            Optional<String> path = store.equals("truststore") ? registry.truststorePath() : registry.keystorePath();
            boolean hasPassword = store.equals("truststore") ? registry.truststorePassword().isPresent()
                    : registry.keystorePassword().isPresent();
            if (hasPassword && path.isEmpty()) {
                reg.problem(store + "-password", "given without " + store + "-path");
            }
            if (store.equals("keystore") && path.isPresent() && !hasPassword) {
                reg.problem("keystore-password", "is required with keystore-path (it also unlocks the key)");
            }
            path.filter(p -> !Files.isReadable(Path.of(p))).ifPresent(p ->
                    reg.problem(store + "-path", "file " + p + " does not exist or cannot be read"));
        }
        if (registry.username().isPresent() != registry.password().isPresent()) {
            reg.problem("username", "username and password go together: give both or neither");
        }
        if (!registry.url().isEmpty() && !registry.url().matches("https?://.+")) {
            reg.problem("url", "expected an http:// or https:// URL, got \"" + registry.url() + "\"");
        }

        ConfigNode val = root.child("validation");
        ValidationSettings validation = new ValidationSettings(
                val.instant("earliest-event-time", Instant.parse("2000-01-01T00:00:00Z")),
                val.duration("max-future-skew", Duration.ofMinutes(5)),
                val.intAtLeast("max-value-bytes", 1024 * 1024, WireFormat.HEADER_LENGTH),
                eventTypes(val, "ignored-event-types"));

        ConfigNode dd = root.child("dedup");
        DedupSettings dedup = new DedupSettings(dd.duration("ttl", Duration.ofHours(24)));

        ConfigNode et = root.child("event-time");
        EventTimeSettings eventTime = new EventTimeSettings(
                et.duration("max-out-of-orderness", Duration.ofSeconds(30)),
                et.duration("idleness", Duration.ofMinutes(1)));

        ConfigNode win = root.child("window");
        WindowSettings window = new WindowSettings(
                win.requiredDuration("size"),
                win.duration("allowed-lateness", Duration.ZERO),
                win.child("pre-aggregation").intAtLeast("max-keys", 10_000, 0));

        ConfigNode an = root.child("anomaly");
        AnomalySettings anomaly = new AnomalySettings(
                an.doubleIn("ewma-alpha", 0.2, 0.001, 1.0),
                an.intAtLeast("warm-up-windows", 6, 2),
                an.doubleIn("z-threshold", 3.0, 0.1, 1000),
                // Floors above 0: a flat history would otherwise give z = 0/0 or x/0.
                an.doubleIn("min-stddev-count", 1.0, MIN_STDDEV_FLOOR, Double.MAX_VALUE),
                an.doubleIn("min-stddev-severity", 0.02, MIN_STDDEV_FLOOR, 1.0),
                an.duration("baseline-ttl", Duration.ofDays(30)));

        ConfigNode sinks = root.child("sinks");
        ConfigNode kafkaOut = sinks.child("kafka");
        Map<String, String> sinkProperties = kafkaOut.stringMap("properties");
        KafkaSinkSettings kafkaSink = new KafkaSinkSettings(
                kafkaOut.string("bootstrap-servers"),
                kafkaOut.string("aggregates-topic"),
                kafkaOut.string("anomalies-topic"),
                kafkaOut.string("dead-letter-topic"),
                kafkaOut.string("late-events-topic"),
                kafkaOut.string("transactional-id-prefix"),
                kafkaOut.duration("transaction-timeout", Duration.ofMinutes(15)),
                kafkaOut.duration("broker-max-transaction-timeout", Duration.ofMinutes(15)),
                sinkProperties,
                authentication(kafkaOut, sinkProperties));
        ConfigNode jdbc = sinks.child("jdbc");
        JdbcSinkSettings jdbcSink = new JdbcSinkSettings(
                jdbc.string("url"),
                jdbc.string("username"),
                jdbc.optionalSecret("password").orElse(null),
                jdbc.intAtLeast("batch-size", 500, 1),
                jdbc.duration("batch-interval", Duration.ofSeconds(1)),
                jdbc.intAtLeast("max-retries", 5, 0),
                jdbc.duration("retry-backoff", Duration.ofMillis(500)),
                jdbc.duration("max-retry-backoff", Duration.ofSeconds(30)));
        if (!jdbcSink.url().isEmpty() && !jdbcSink.url().startsWith("jdbc:postgresql:")) {
            jdbc.problem("url", "expected a PostgreSQL JDBC URL (jdbc:postgresql://host:port/db), got \""
                    + jdbcSink.url() + "\"");
        }

        ConfigNode cp = root.child("checkpoints");
        CheckpointSettings checkpoints = new CheckpointSettings(
                cp.duration("interval", Duration.ofSeconds(30)),
                cp.duration("timeout", Duration.ofMinutes(10)),
                cp.duration("min-pause", Duration.ofSeconds(5)),
                cp.intAtLeast("tolerable-failures", 3, 0),
                cp.string("directory"),
                cp.optionalString("savepoint-directory"),
                cp.bool("incremental", true),
                cp.bool("retain-on-cancellation", true));

        ConfigNode rdb = root.child("state").child("rocksdb");
        RocksDbSettings rocksdb = new RocksDbSettings(
                rdb.optionalEnum("predefined-options", PredefinedOptions.class),
                rdb.optionalBool("bloom-filter"),
                rdb.optionalDoubleIn("bloom-filter-bits-per-key", 1, 64),
                rdb.optionalMemorySizeAtLeast("write-buffer-size", MIN_WRITE_BUFFER),
                // RocksDB needs a second memtable to take writes while the first one flushes.
                rdb.optionalIntIn("write-buffer-count", 2, 64),
                rdb.optionalDoubleIn("write-buffer-ratio", 0.05, 0.95),
                rdb.optionalMemorySize("block-cache-size"),
                rdb.optionalEnum("compaction-style", CompactionStyle.class),
                rdb.optionalEnum("compression", Compression.class),
                rdb.optionalIntIn("background-threads", 1, 64),
                rdb.optionalMemorySizeAtLeast("memory-per-slot", MIN_WRITE_BUFFER),
                rdb.bool("native-metrics", false));

        // Where the job's own metrics go: harbinger on a cluster; the managed service's property groups default
        // to kinesisanalytics (MsfPropertyGroups), the one group it exports to CloudWatch.
        MetricsSettings metrics = new MetricsSettings(
                root.child("metrics").enumValue("group", MetricsGroup.class, MetricsGroup.HARBINGER));

        return new JobConfig(source, jobSettings, new SourceSettings(type, kafkaSource, kinesisSource), registry,
                validation,
                dedup, eventTime, window, anomaly, kafkaSink, jdbcSink, checkpoints, rocksdb, metrics);
    }

    private static KafkaSourceSettings bindKafka(ConfigNode kafkaIn) {
        Map<String, String> properties = kafkaIn.stringMap("properties");
        KafkaSourceSettings kafkaSource = new KafkaSourceSettings(
                kafkaIn.string("bootstrap-servers"),
                kafkaIn.stringList("topics"),
                kafkaIn.optionalString("topic-pattern"),
                kafkaIn.string("group-id"),
                kafkaIn.enumValue("starting-offsets", StartingOffsets.class, StartingOffsets.COMMITTED_OR_EARLIEST),
                kafkaIn.bool("bounded", false),
                kafkaIn.duration("partition-discovery-interval", Duration.ofMinutes(1)),
                properties,
                authentication(kafkaIn, properties));
        if (kafkaSource.topics().isEmpty() == kafkaSource.topicPattern().isEmpty()) {
            kafkaIn.problem("topics", "give exactly one of topics (a list) or topic-pattern (a regular expression)");
        }
        kafkaSource.topicPattern().ifPresent(p -> {
            try {
                Pattern.compile(p);
            } catch (RuntimeException e) {
                kafkaIn.problem("topic-pattern", "not a valid regular expression: " + e.getMessage());
            }
        });

        return kafkaSource;
    }

    /**
     * {@code authentication} and {@code iam} of a Kafka section (source.kafka, sinks.kafka). With IAM, a client
     * property that contradicts it is an error named by its key: a protocol other than SASL_SSL, another SASL
     * mechanism or the settings of one (a SCRAM login in sasl.jaas.config, a login callback handler).
     */
    private static KafkaAuthentication authentication(ConfigNode section, Map<String, String> properties) {
        KafkaAuthentication.Method method = section.enumValue("authentication", KafkaAuthentication.Method.class,
                KafkaAuthentication.Method.NONE);
        if (method == KafkaAuthentication.Method.NONE) {
            section.notUsed("iam", "authentication is none");
            return KafkaAuthentication.none();
        }
        ConfigNode iam = section.child("iam");
        Optional<String> roleArn = iam.optionalString("role-arn");
        Optional<String> stsRegion = iam.optionalString("sts-region");
        Optional<String> profileName = iam.optionalString("profile-name");
        roleArn.filter(arn -> !ROLE_ARN.matcher(arn).matches()).ifPresent(arn -> iam.problem("role-arn",
                "expected an IAM role ARN such as arn:aws:iam::123456789012:role/harbinger-msk, got \"" + arn + "\""));
        stsRegion.filter(region -> !AWS_REGION.matcher(region).matches()).ifPresent(region -> iam.problem(
                "sts-region", "expected an AWS region such as eu-west-1, got \"" + region + "\""));
        if (stsRegion.isPresent() && roleArn.isEmpty()) {
            iam.problem("sts-region", "is only used with role-arn (the STS endpoint that assumes the role)");
        }
        profileName.filter(name -> !PROFILE_NAME.matcher(name).matches()).ifPresent(name -> iam.problem(
                "profile-name", "expected a profile name of letters, digits and _.@+-, got \"" + name + "\""));
        if (roleArn.isPresent() && profileName.isPresent()) {
            iam.problem("profile-name", "give at most one of role-arn and profile-name");
        }
        for (Map.Entry<String, String> property : properties.entrySet()) {
            String conflict = conflictWithIam(property.getKey(), property.getValue().trim());
            if (conflict != null) {
                section.problem("properties." + property.getKey(), conflict);
            }
        }
        return KafkaAuthentication.iam(roleArn, stsRegion, profileName);
    }

    /** Why a client property cannot stand beside authentication iam, or null; never quotes a value that may be secret. */
    private static String conflictWithIam(String key, String value) {
        switch (key) {
            case CommonClientConfigs.SECURITY_PROTOCOL_CONFIG:
                return value.equalsIgnoreCase(KafkaAuthentication.IAM_SECURITY_PROTOCOL) ? null
                        : "is \"" + value + "\", but authentication iam needs SASL_SSL (MSK's IAM listeners speak TLS"
                        + " only); remove it";
            case SaslConfigs.SASL_MECHANISM:
                return value.equals(KafkaAuthentication.IAM_MECHANISM) ? null
                        : "is \"" + value + "\", but authentication iam uses AWS_MSK_IAM; remove it";
            case SaslConfigs.SASL_JAAS_CONFIG:
            case SaslConfigs.SASL_CLIENT_CALLBACK_HANDLER_CLASS:
                return "is set by authentication iam (from the iam keys); remove it";
            default:
                return key.startsWith("sasl.")
                        ? "configures another SASL mechanism, but authentication iam uses AWS_MSK_IAM; remove it"
                        : null;
        }
    }

    /** source.kinesis: FlinkKinesisConsumer settings; see docs/configuration.md, section source.kinesis. */
    private static KinesisSourceSettings bindKinesis(ConfigNode in) {
        ConfigNode polling = in.child("polling");
        ConfigNode efo = in.child("efo");
        KinesisSourceSettings settings = new KinesisSourceSettings(
                in.stringList("streams"),
                in.string("region"),
                in.optionalString("endpoint"),
                in.enumValue("starting-position", KinesisStartingPosition.class, KinesisStartingPosition.LATEST),
                in.optionalInstant("starting-timestamp"),
                in.enumValue("record-publisher", KinesisRecordPublisher.class, KinesisRecordPublisher.POLLING),
                polling.duration("interval", Duration.ofMillis(200)),
                polling.intAtLeast("max-records", 10_000, 1),
                efo.optionalString("consumer-name"),
                efo.enumValue("registration", EfoRegistration.class, EfoRegistration.LAZY),
                in.duration("shard-discovery-interval", Duration.ofSeconds(10)),
                in.stringMap("properties"));
        if (settings.streams().isEmpty() && in.has("streams")) {
            in.problem("streams", "must name at least one stream");
        } else if (settings.streams().isEmpty()) {
            in.problem("streams", "is required");
        }
        if (settings.pollingMaxRecords() > 10_000) {
            polling.problem("max-records", "must be at most 10000 (the GetRecords limit), got "
                    + settings.pollingMaxRecords());
        }
        if (settings.pollingInterval().toMillis() < 1) {
            polling.problem("interval", "must be at least 1ms");
        }
        settings.endpoint().ifPresent(e -> {
            if (!e.matches("https?://[^\\s]+")) {
                in.problem("endpoint", "expected an http:// or https:// URL, got \"" + e + "\"");
            }
        });
        if (settings.startingPosition() == KinesisStartingPosition.AT_TIMESTAMP
                && settings.startingTimestamp().isEmpty()) {
            in.problem("starting-timestamp", "is required when starting-position is at-timestamp");
        }
        if (settings.startingPosition() != KinesisStartingPosition.AT_TIMESTAMP
                && settings.startingTimestamp().isPresent()) {
            in.problem("starting-timestamp", "is only used with starting-position at-timestamp");
        }
        if (settings.recordPublisher() == KinesisRecordPublisher.EFO) {
            if (settings.efoConsumerName().isEmpty() || settings.efoConsumerName().get().isBlank()) {
                efo.problem("consumer-name", "is required when record-publisher is efo");
            } else if (!settings.efoConsumerName().get().matches("[a-zA-Z0-9_.-]{1,128}")) {
                efo.problem("consumer-name", "must be 1 to 128 of [a-zA-Z0-9_.-] (a Kinesis consumer name), got \""
                        + settings.efoConsumerName().get() + "\"");
            }
        }
        for (String key : settings.properties().keySet()) {
            String lower = key.toLowerCase();
            if (lower.startsWith("aws.credentials") || lower.contains("secretkey") || lower.contains("accesskeyid")) {
                in.problem("properties." + key, "credentials never go in the config: the job uses the AWS default"
                        + " credentials provider chain (environment, system properties, profile, container or"
                        + " instance role)");
            }
        }
        return settings;
    }

    /** A list of event type names (any case), e.g. [OTHER]; an unknown name is reported with the allowed ones. */
    private static Set<EventType> eventTypes(ConfigNode node, String name) {
        Set<EventType> types = EnumSet.noneOf(EventType.class);
        for (String item : node.stringList(name)) {
            ConfigNode.constantNamed(EventType.class, item).ifPresentOrElse(types::add, () -> node.problem(name,
                    "unknown event type \"" + item + "\"; must be among " + Arrays.toString(EventType.values())));
        }
        return types;
    }
}
