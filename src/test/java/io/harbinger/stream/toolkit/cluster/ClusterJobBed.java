package io.harbinger.stream.toolkit.cluster;

import io.harbinger.stream.config.JobConfig;
import io.harbinger.stream.config.JobConfigLoader;
import io.harbinger.stream.registry.SchemaRegistryClient;
import io.harbinger.stream.toolkit.WorkDirs;
import io.harbinger.stream.toolkit.services.KafkaBroker;
import io.harbinger.stream.toolkit.services.LocalPostgres;
import io.harbinger.stream.toolkit.services.LocalSchemaRegistry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What every test that runs the shaded job jar on a standalone {@link FlinkCluster} sets up first: Kafka with
 * the raw topic and the four output topics, the schema registry, PostgreSQL with the job's tables, s3proxy for
 * checkpoints and savepoints, optionally ZooKeeper for high availability, the cluster with the job jar uploaded,
 * and the job config that points at them. Closing it stops the cluster first, then the services.
 */
public final class ClusterJobBed implements AutoCloseable {
    private static final String BUCKET = "harbinger";

    private final String name;
    private final List<AutoCloseable> started;
    private final KafkaBroker kafka;
    private final LocalPostgres postgres;
    private final S3Proxy s3;
    private final FlinkCluster flink;
    private final Path jobConfigFile;
    private final JobConfig jobConfig;
    private final SchemaRegistryClient registryClient;
    private final String jarId;

    private ClusterJobBed(String name, List<AutoCloseable> started, KafkaBroker kafka, LocalPostgres postgres,
                          S3Proxy s3, FlinkCluster flink, Path jobConfigFile, JobConfig jobConfig, String jarId) {
        this.name = name;
        this.started = started;
        this.kafka = kafka;
        this.postgres = postgres;
        this.s3 = s3;
        this.flink = flink;
        this.jobConfigFile = jobConfigFile;
        this.jobConfig = jobConfig;
        this.registryClient = new SchemaRegistryClient(jobConfig.registry());
        this.jarId = jarId;
    }

    /** A job name unique enough for one test run: the prefix plus a short part of the nanosecond clock. */
    public static String uniqueName(String prefix) {
        return prefix + Long.toString(System.nanoTime() % 1_000_000, 36);
    }

    public static Builder named(String name) {
        return new Builder(name);
    }

    public static final class Builder {
        private final String name;
        private boolean proxiedKafka;
        private boolean zooKeeperHa;
        private int rawPartitions = 2;
        private Map<String, String> flinkSettings = Map.of();
        private Set<FlinkCluster.NetworkPath> proxiedPaths = Set.of();

        private Builder(String name) {
            this.name = name;
        }

        /** Kafka with a second, proxied listener ({@link KafkaBroker#startWithProxiedListener}). */
        public Builder proxiedKafka() {
            this.proxiedKafka = true;
            return this;
        }

        /** ZooKeeper high availability ({@link FlinkCluster#zooKeeperHa}), so that a JobManager can fail over. */
        public Builder zooKeeperHa() {
            this.zooKeeperHa = true;
            return this;
        }

        public Builder rawPartitions(int partitions) {
            this.rawPartitions = partitions;
            return this;
        }

        /** Flink settings on top of {@link FlinkCluster}'s own (and the high-availability ones). */
        public Builder flinkSettings(Map<String, String> settings) {
            this.flinkSettings = settings;
            return this;
        }

        public Builder proxiedPaths(Set<FlinkCluster.NetworkPath> paths) {
            this.proxiedPaths = Set.copyOf(paths);
            return this;
        }

        /** Starts everything; what was started before a failure is stopped again. */
        public ClusterJobBed start() throws Exception {
            Path work = WorkDirs.create("harbinger-" + name + "-");
            List<AutoCloseable> started = new ArrayList<>();
            try {
                KafkaBroker kafka = add(started, proxiedKafka
                        ? KafkaBroker.startWithProxiedListener(work.resolve("kafka"))
                        : KafkaBroker.start(work.resolve("kafka")));
                LocalSchemaRegistry registry = add(started, LocalSchemaRegistry.start());
                LocalPostgres postgres = add(started, LocalPostgres.start());
                S3Proxy s3 = add(started, S3Proxy.start(work.resolve("s3"), BUCKET));
                Map<String, String> settings = new LinkedHashMap<>();
                if (zooKeeperHa) {
                    ZooKeeperServer zookeeper = add(started, ZooKeeperServer.start(work.resolve("zookeeper")));
                    settings.putAll(FlinkCluster.zooKeeperHa(zookeeper.connectString(),
                            "s3://" + BUCKET + "/cluster/ha", name));
                }
                settings.putAll(flinkSettings);
                FlinkCluster flink = add(started, FlinkCluster.start(work.resolve("flink"), 2, s3.endpoint(),
                        "s3://" + BUCKET + "/cluster", settings, proxiedPaths));
                postgres.executeSqlFile(Path.of("schemas", "sql", "harbinger.sql"));
                String raw = rawTopic(name);
                kafka.createTopics(rawPartitions, raw);
                kafka.createTopics(1, raw + ".aggregates", raw + ".anomalies", raw + ".dead-letters",
                        raw + ".late-events");
                Path jobConfigFile = writeJobConfig(work, name, raw, kafka, registry, postgres,
                        checkpointDirectory(name));
                JobConfig jobConfig = new JobConfigLoader(Map.of()).load(jobConfigFile, List.of());
                String jarId = flink.uploadJar(FlinkCluster.jobJar());
                return new ClusterJobBed(name, started, kafka, postgres, s3, flink, jobConfigFile, jobConfig,
                        jarId);
            } catch (Exception | Error e) {
                closeInReverse(started, e);
                throw e;
            }
        }

        private static <T extends AutoCloseable> T add(List<AutoCloseable> started, T service) {
            started.add(service);
            return service;
        }
    }

    /**
     * The integration tests' job config with one run's addresses written in: a job on this cluster reads its
     * config in main(), on the JobManager, so it gets a file rather than an environment.
     */
    private static Path writeJobConfig(Path work, String name, String raw, KafkaBroker kafka,
                                       LocalSchemaRegistry registry, LocalPostgres postgres, String checkpointDir)
            throws IOException {
        String yaml = Files.readString(Path.of("src/test/resources/it-job.yaml"))
                .replace("${JOB_NAME}", name)
                .replace("${RAW_TOPIC}", raw)
                .replace("${KAFKA_BOOTSTRAP_SERVERS}", kafka.bootstrapServers())
                .replace("${SCHEMA_REGISTRY_URL}", registry.url())
                .replace("${POSTGRES_JDBC_URL}", postgres.jdbcUrl())
                .replace("${POSTGRES_USER}", postgres.username())
                .replace("${POSTGRES_PASSWORD}", postgres.password())
                .replace("${CHECKPOINT_DIR}", checkpointDir);
        Path file = work.resolve("job.yaml");
        Files.writeString(file, yaml);
        return file.toAbsolutePath();
    }

    private static String rawTopic(String name) {
        return name + ".raw";
    }

    private static String checkpointDirectory(String name) {
        return "s3://" + BUCKET + "/" + name + "/checkpoints";
    }

    public String name() {
        return name;
    }

    /** The input topic; the outputs are this plus {@code .aggregates}, {@code .anomalies}, and so on. */
    public String rawTopic() {
        return rawTopic(name);
    }

    public KafkaBroker kafka() {
        return kafka;
    }

    public LocalPostgres postgres() {
        return postgres;
    }

    public S3Proxy s3() {
        return s3;
    }

    public FlinkCluster flink() {
        return flink;
    }

    public Path jobConfigFile() {
        return jobConfigFile;
    }

    /** The job config as the job loads it, before the run's {@code --set} overrides. */
    public JobConfig jobConfig() {
        return jobConfig;
    }

    public SchemaRegistryClient registryClient() {
        return registryClient;
    }

    /** The uploaded job jar, for {@link FlinkCluster#runJar}. */
    public String jarId() {
        return jarId;
    }

    /**
     * The job's arguments for a run on this bed: its config, an unbounded source, and checkpoints every second
     * (the tests' own pace, not production's); {@code more} adds or overrides {@code --set} pairs.
     */
    public List<String> runArgs(String... more) {
        List<String> args = new ArrayList<>(List.of("--config", jobConfigFile.toString(),
                "--set", "source.kafka.bounded=false",
                "--set", "checkpoints.interval=1s",
                "--set", "checkpoints.min-pause=200ms"));
        args.addAll(List.of(more));
        return args;
    }

    @Override
    public void close() throws Exception {
        closeInReverse(started, null);
    }

    private static void closeInReverse(List<AutoCloseable> started, Throwable primary) throws Exception {
        Exception first = null;
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            } catch (Exception e) {
                if (primary != null) {
                    primary.addSuppressed(e);
                } else if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
