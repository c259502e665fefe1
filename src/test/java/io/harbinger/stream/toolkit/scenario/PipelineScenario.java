package io.harbinger.stream.toolkit.scenario;

import io.harbinger.curated.AnomalyAlert;
import io.harbinger.curated.SeverityAggregate;
import io.harbinger.stream.HarbingerPipeline;
import io.harbinger.stream.config.JobConfig;
import io.harbinger.stream.config.JobConfigLoader;
import io.harbinger.stream.registry.SchemaRegistryClient;
import io.harbinger.stream.toolkit.WorkDirs;
import io.harbinger.stream.toolkit.clients.EventProducer;
import io.harbinger.stream.toolkit.clients.TopicReader;
import io.harbinger.stream.validate.WireDecoder;

import org.apache.avro.Schema;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * One integration-test scenario on the shared services: its own topics, database and checkpoint folder, the
 * real job graph from {@link HarbingerPipeline} with a config loaded by the real loader, and readers of
 * every output as a downstream consumer sees it.
 */
public final class PipelineScenario {
    private static final AtomicInteger COUNTER = new AtomicInteger();
    public static final Path CONFIG_FILE = Path.of("src/test/resources/it-job.yaml");

    public final SharedServices services;
    public final String name;
    public final String rawTopic;
    public final Path checkpointDir;
    private final String jdbcUrl;
    private final SchemaRegistryClient registry;
    private JobConfig lastConfig;

    private PipelineScenario(SharedServices services, String name, String rawTopic, String jdbcUrl,
                             Path checkpointDir) {
        this.services = services;
        this.name = name;
        this.rawTopic = rawTopic;
        this.jdbcUrl = jdbcUrl;
        this.checkpointDir = checkpointDir;
        this.registry = new SchemaRegistryClient(config(List.of()).registry());
    }

    public static PipelineScenario create(String label, int partitions) throws Exception {
        return create(label, partitions, null);
    }

    /** With a fixed raw topic name, for state that names its topic (savepoints); null for a unique one. */
    public static PipelineScenario create(String label, int partitions, String rawTopic) throws Exception {
        SharedServices services = SharedServices.get();
        String name = label.toLowerCase().replaceAll("[^a-z0-9]", "_") + "_" + COUNTER.incrementAndGet()
                + "_" + Long.toString(System.nanoTime() % 1_000_000, 36);
        String jdbcUrl = services.postgres.createDatabase(name);
        try (Connection c = DriverManager.getConnection(jdbcUrl, services.postgres.username(),
                services.postgres.password()); Statement s = c.createStatement()) {
            s.execute(Files.readString(Path.of("schemas", "sql", "harbinger.sql")));
        }
        PipelineScenario scenario = new PipelineScenario(services, name, rawTopic == null ? name + ".raw" : rawTopic,
                jdbcUrl, WorkDirs.create("harbinger-checkpoints-"));
        JobConfig config = scenario.config(List.of());
        services.kafka.createTopics(partitions, scenario.rawTopic);
        services.kafka.createTopics(1, config.kafkaSink().aggregatesTopic(), config.kafkaSink().anomaliesTopic(),
                config.kafkaSink().deadLetterTopic(), config.kafkaSink().lateEventsTopic());
        return scenario;
    }

    public JobConfig config(List<String> overrides) {
        return config(CONFIG_FILE, Map.of(), overrides);
    }

    /** A config from another base file (e.g. it-job-kinesis.yaml), with extra environment references. */
    public JobConfig config(Path file, Map<String, String> extraEnv, List<String> overrides) {
        Map<String, String> env = environment();
        env.putAll(extraEnv);
        lastConfig = new JobConfigLoader(env).load(file, overrides);
        return lastConfig;
    }

    /** The environment the scenario's config file is resolved with: its topics, database and services. */
    public Map<String, String> environment() {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("JOB_NAME", name);
        env.put("RAW_TOPIC", rawTopic);
        env.put("KAFKA_BOOTSTRAP_SERVERS", services.kafka.bootstrapServers());
        env.put("SCHEMA_REGISTRY_URL", services.registry.url());
        env.put("POSTGRES_JDBC_URL", jdbcUrl);
        env.put("POSTGRES_USER", services.postgres.username());
        env.put("POSTGRES_PASSWORD", services.postgres.password());
        env.put("CHECKPOINT_DIR", checkpointDir.toUri().toString());
        return env;
    }

    public EventProducer producer() throws Exception {
        return new EventProducer(services.kafka.bootstrapServers(), registry, rawTopic);
    }

    public SchemaRegistryClient registry() {
        return registry;
    }

    /** Runs the job to the end of its bounded input. */
    public void runToCompletion(JobConfig config) throws Exception {
        start(config, null).getJobExecutionResult().get();
    }

    /** Starts the job, optionally restoring from a retained checkpoint or savepoint. */
    public JobClient start(JobConfig config, Path restoreFrom) throws Exception {
        return start(config, restoreFrom, new Configuration());
    }

    /** Starts the job with extra cluster settings for the MiniCluster (e.g. a metrics reporter). */
    public JobClient start(JobConfig config, Path restoreFrom, Configuration cluster) throws Exception {
        return JobRuns.start(config, restoreFrom, cluster);
    }

    /** The newest complete checkpoint a job left behind. */
    public Optional<Path> latestCheckpoint() throws IOException {
        try (Stream<Path> files = Files.walk(checkpointDir)) {
            return files.filter(p -> p.getFileName().toString().equals("_metadata"))
                    .map(Path::getParent)
                    .filter(p -> p.getFileName().toString().startsWith("chk-"))
                    .max(Comparator.comparingInt(p -> Integer.parseInt(p.getFileName().toString().substring(4))));
        }
    }

    public List<SeverityAggregate> committedAggregates() {
        return decodeAll(lastConfig.kafkaSink().aggregatesTopic(), SeverityAggregate.getClassSchema());
    }

    public List<AnomalyAlert> committedAlerts() {
        return decodeAll(lastConfig.kafkaSink().anomaliesTopic(), AnomalyAlert.getClassSchema());
    }

    public List<ConsumerRecord<byte[], byte[]>> deadLetters() {
        return TopicReader.readCommitted(services.kafka.bootstrapServers(), lastConfig.kafkaSink().deadLetterTopic());
    }

    public List<ConsumerRecord<byte[], byte[]>> lateEvents() {
        return TopicReader.readCommitted(services.kafka.bootstrapServers(), lastConfig.kafkaSink().lateEventsTopic());
    }

    /** Rows of a table as text maps, ordered by the given SQL clause. */
    public List<Map<String, String>> rows(String table, String orderBy) throws Exception {
        List<Map<String, String>> rows = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(jdbcUrl, services.postgres.username(),
                services.postgres.password()); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT * FROM " + table + " ORDER BY " + orderBy)) {
            while (r.next()) {
                Map<String, String> row = new HashMap<>();
                for (int i = 1; i <= r.getMetaData().getColumnCount(); i++) {
                    Object v = "timestamptz".equals(r.getMetaData().getColumnTypeName(i))
                            ? r.getObject(i, java.time.OffsetDateTime.class).toInstant().toEpochMilli()
                            : r.getObject(i);
                    row.put(r.getMetaData().getColumnName(i), v == null ? null : v.toString().trim());
                }
                rows.add(row);
            }
        }
        return rows;
    }

    @SuppressWarnings("unchecked")
    private <T> List<T> decodeAll(String topic, Schema schema) {
        return TopicReader.readCommitted(services.kafka.bootstrapServers(), topic,
                new WireDecoder<T>(registry, schema, Integer.MAX_VALUE));
    }
}
