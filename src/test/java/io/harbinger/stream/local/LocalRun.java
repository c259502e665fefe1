package io.harbinger.stream.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import io.harbinger.events.GeopoliticalEvent;
import io.harbinger.stream.HarbingerPipeline;
import io.harbinger.stream.config.ConfigException;
import io.harbinger.stream.config.JobConfig.SourceType;
import io.harbinger.stream.config.JobConfig;
import io.harbinger.stream.config.JobConfigLoader;
import io.harbinger.stream.toolkit.gdelt.GdeltExport;
import io.harbinger.stream.toolkit.gdelt.GdeltExportReader;
import io.harbinger.stream.toolkit.gdelt.MalformedLine;
import io.harbinger.stream.registry.SchemaRegistryClient;
import io.harbinger.stream.toolkit.Ports;
import io.harbinger.stream.toolkit.WorkDirs;
import io.harbinger.stream.toolkit.clients.EventProducer;
import io.harbinger.stream.toolkit.clients.KinesisEventWriter;
import io.harbinger.stream.toolkit.clients.PrometheusScrape;
import io.harbinger.stream.toolkit.scenario.LocalPlatform;
import io.harbinger.stream.toolkit.services.KafkaBroker;
import io.harbinger.stream.toolkit.services.KinesisLocal;
import io.harbinger.stream.toolkit.services.LocalPostgres;
import io.harbinger.stream.toolkit.services.LocalSchemaRegistry;

import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What {@code mvn -q -Plocal exec:java} runs: starts a Kafka broker, the project's schema registry and
 * PostgreSQL on 127.0.0.1, replays GDELT export files into the raw topic, runs the job to the end of that
 * input on a local MiniCluster (RocksDB, file checkpoints), then reads every output back from Kafka
 * (read_committed) and PostgreSQL and writes a report. Everything it started is stopped when it ends,
 * also on Ctrl-C or failure.
 *
 * <p>With a Kinesis source ({@code --source kinesis}, or a config whose source.type is kinesis) it also starts
 * kinesis-local, replays into a multi-shard stream instead and, since a Kinesis source never ends, stops the
 * job with stop-with-savepoint --drain once the source has read every record replayed (its recordsIn counter,
 * read from Flink's Prometheus reporter): the final watermark fires the open windows and the savepoint
 * commits the last outputs, so the report reads the same outputs a Kafka run leaves.
 */
public final class LocalRun {
    private static final long PROGRESS_INTERVAL_MILLIS = 2_000;
    /** With a Kinesis source: how long the source may read nothing before the run takes it as done. */
    private static final Duration QUIET_SOURCE = Duration.ofSeconds(60);

    private LocalRun() {}

    public static void main(String[] args) {
        int exit;
        try {
            LocalRunArguments arguments = LocalRunArguments.parse(args);
            run(arguments);
            exit = 0;
        } catch (IllegalArgumentException | ConfigException e) {
            System.err.println("local run: " + e.getMessage());
            exit = 2;
        } catch (Exception e) {
            System.err.println("local run failed: " + e);
            e.printStackTrace();
            exit = 1;
        }
        System.exit(exit);
    }

    /** Parses the command line the way main does, for callers such as tests. */
    public static LocalRunArguments arguments(String... args) {
        return LocalRunArguments.parse(args);
    }

    public static RunSummary run(LocalRunArguments arguments) throws Exception {
        for (Path input : arguments.inputs()) {
            if (!Files.isReadable(input)) {
                throw new IllegalArgumentException("--input " + input + ": no such readable file");
            }
        }
        Path out = arguments.out().toAbsolutePath();
        prepareOutputFolder(out);
        // Read by log4j2-local.properties when the first logger is made, which is after this point.
        System.setProperty("harbinger.local.log", out.resolve("flink.log").toString());
        SourceType source = sourceType(arguments);
        say("Starting Kafka (KRaft), the schema registry%s and PostgreSQL on 127.0.0.1 ...",
                source == SourceType.KINESIS ? ", kinesis-local" : "");
        Services services = new Services();
        Thread stopOnExit = new Thread(services::close, "local-run-shutdown");
        Runtime.getRuntime().addShutdownHook(stopOnExit);
        try {
            services.start(out.resolve("services"), source == SourceType.KINESIS);
            say("  Kafka %s, registry %s, PostgreSQL %s%s", services.kafka.bootstrapServers(),
                    services.registry.url(), services.postgres.jdbcUrl(),
                    services.kinesis == null ? "" : ", Kinesis " + services.kinesis.endpoint());
            JobConfig config = loadConfig(arguments, services, out, source);
            return runJob(arguments, config, services, out);
        } finally {
            services.close();
            try {
                Runtime.getRuntime().removeShutdownHook(stopOnExit);
            } catch (IllegalStateException alreadyShuttingDown) {
                // the hook is running or ran: nothing left to do
            }
        }
    }

    /** --source, else a --set source.type, else the config file's source.type (kafka when absent). */
    static SourceType sourceType(LocalRunArguments arguments) throws IOException {
        if (arguments.source().isPresent()) {
            return arguments.source().get();
        }
        String type = null;
        for (String override : arguments.overrides()) {
            if (override.startsWith("source.type=")) {
                type = override.substring("source.type=".length());
            }
        }
        if (type == null && Files.isReadable(arguments.config())) {
            type = new ObjectMapper(new YAMLFactory()).readTree(arguments.config().toFile())
                    .path("source").path("type").asText("kafka");
        }
        return "kinesis".equalsIgnoreCase(type == null ? "" : type.trim()) ? SourceType.KINESIS : SourceType.KAFKA;
    }

    private static JobConfig loadConfig(LocalRunArguments arguments, Services services, Path out, SourceType source) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("KAFKA_BOOTSTRAP_SERVERS", services.kafka.bootstrapServers());
        env.put("SCHEMA_REGISTRY_URL", services.registry.url());
        env.put("POSTGRES_JDBC_URL", services.postgres.jdbcUrl());
        env.put("POSTGRES_USER", services.postgres.username());
        env.put("POSTGRES_PASSWORD", services.postgres.password());
        env.put("CHECKPOINT_DIR", out.resolve("checkpoints").toUri().toString());
        if (services.kinesis != null) {
            env.put("KINESIS_ENDPOINT", services.kinesis.endpoint());
            env.put("AWS_REGION", KinesisLocal.REGION); // the emulator's region, whatever the shell says
        }
        JobConfig config = new JobConfigLoader(env).load(arguments.config(), arguments.overrides());
        if (config.input().type() != source) {
            throw new IllegalArgumentException(arguments.config() + ": source.type is "
                    + config.input().type().name().toLowerCase() + " but the run was asked for "
                    + source.name().toLowerCase() + " (--source)");
        }
        if (source == SourceType.KAFKA && config.input().kafka().topics().isEmpty()) {
            throw new IllegalArgumentException(arguments.config() + ": source.kafka.topics: the local run needs"
                    + " named input topics to replay into, not a topic-pattern");
        }
        return config;
    }

    private static RunSummary runJob(LocalRunArguments arguments, JobConfig config, Services services, Path out)
            throws Exception {
        var sinks = config.kafkaSink();
        services.kafka.createTopics(arguments.partitions(), sinks.aggregatesTopic(), sinks.anomaliesTopic(),
                sinks.deadLetterTopic(), sinks.lateEventsTopic());
        services.postgres.executeSqlFile(Path.of("schemas", "sql", "harbinger.sql"));

        SchemaRegistryClient registry = new SchemaRegistryClient(config.registry());
        long produced;
        if (services.kinesis != null) {
            String stream = config.input().kinesis().streams().get(0);
            services.kinesis.createStream(stream, arguments.partitions());
            produced = replay(arguments.inputs(), kinesisTarget(new KinesisEventWriter(services.kinesis, registry, stream)),
                    stream + " (" + arguments.partitions() + " shards)");
        } else {
            String inputTopic = config.input().kafka().topics().get(0);
            services.kafka.createTopics(arguments.partitions(), config.input().kafka().topics().toArray(String[]::new));
            try (EventProducer producer = new EventProducer(services.kafka.bootstrapServers(), registry, inputTopic)) {
                produced = replay(arguments.inputs(), kafkaTarget(producer), inputTopic);
            }
        }

        say("Running the job on a local MiniCluster (RocksDB, exactly-once checkpoints every %s) ...",
                io.harbinger.stream.config.Durations.format(config.checkpoints().interval()));
        Configuration flink = LocalPlatform.flinkConfiguration(config);
        String metricsUrl = null;
        if (services.kinesis != null) {
            // Flink's own Prometheus reporter tells how many records the source has read so far.
            int port = Ports.free();
            flink.setString("metrics.reporter.localrun.factory.class",
                    "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
            flink.setString("metrics.reporter.localrun.port", String.valueOf(port));
            metricsUrl = "http://127.0.0.1:" + port + "/metrics";
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(flink);
        HarbingerPipeline.build(env, config);
        long started = System.nanoTime();
        JobClient job = env.executeAsync(config.job().name());
        CompletableFuture<JobExecutionResult> result = job.getJobExecutionResult();
        CompletableFuture<String> stop = null;
        long lastRead = -1;
        long unchangedSince = System.nanoTime();
        while (!result.isDone()) {
            try {
                result.get(PROGRESS_INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException stillRunning) {
                String progress = committedRows(services.postgres);
                if (metricsUrl != null && stop == null) {
                    long read = recordsRead(metricsUrl);
                    progress = String.format("%,d of %,d records read from Kinesis, %s", read, produced, progress);
                    if (read != lastRead) {
                        lastRead = read;
                        unchangedSince = System.nanoTime();
                    }
                    // After a failover the restarted source counts only what it reads again from the checkpoint:
                    // a source that has read something and then nothing for a while is done as well.
                    boolean quiet = read > 0 && System.nanoTime() - unchangedSince > QUIET_SOURCE.toNanos();
                    if (read >= produced || quiet) {
                        say(read >= produced
                                ? "  every record is read: stop-with-savepoint --drain fires the open windows and"
                                        + " commits the last outputs"
                                : "  the source has read nothing for " + QUIET_SOURCE.toSeconds() + " s: stopping"
                                        + " with stop-with-savepoint --drain");
                        stop = job.stopWithSavepoint(true, out.resolve("savepoints").toUri().toString(),
                                SavepointFormatType.CANONICAL);
                    }
                }
                say("  [%3ds] %s", (System.nanoTime() - started) / 1_000_000_000, progress);
            }
        }
        result.get();
        if (stop != null) {
            say("  final savepoint %s", stop.get());
        }
        say("Job finished in %.1f s. Reading the outputs back from Kafka (read_committed) and PostgreSQL ...",
                (System.nanoTime() - started) / 1e9);

        RunReport report = new RunReport(config, services.kafka.bootstrapServers(), services.postgres.jdbcUrl(),
                services.postgres.username(), services.postgres.password());
        RunSummary summary = report.write(out, arguments.inputs(), produced);
        Path page = HtmlReport.write(out, config);
        System.out.println();
        System.out.println(summary.render(out));
        say("Charts of the busiest keys and of every alert: %s", page.toUri());
        LocalReconciliation.run(config, out);
        return summary;
    }

    /** Sum over subtasks of the decode-and-validate stage's recordsIn; 0 until the reporter has it. */
    private static long recordsRead(String metricsUrl) {
        try {
            return (long) PrometheusScrape.of(metricsUrl).samples.stream()
                    .filter(s -> s.name().endsWith("_harbinger_recordsIn"))
                    .mapToDouble(PrometheusScrape.Sample::value).filter(v -> !Double.isNaN(v)).sum();
        } catch (IOException e) {
            return 0; // the reporter starts with the TaskManager
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    /** Where the replay writes: a Kafka topic or a Kinesis stream. */
    private interface ReplayTarget {
        void send(GeopoliticalEvent event);

        /** A line that is no GDELT row, sent as it is so that the job dead-letters it. */
        void sendMalformed(Path file, MalformedLine line);

        void flush() throws Exception;
    }

    private static ReplayTarget kafkaTarget(EventProducer producer) {
        return new ReplayTarget() {
            public void send(GeopoliticalEvent event) {
                producer.send(event);
            }

            public void sendMalformed(Path file, MalformedLine line) {
                RecordHeaders headers = new RecordHeaders();
                headers.add("gdelt.file", file.getFileName().toString().getBytes(StandardCharsets.UTF_8));
                headers.add("gdelt.line", String.valueOf(line.lineNumber()).getBytes(StandardCharsets.UTF_8));
                producer.sendRaw(null, null, line.text().getBytes(StandardCharsets.UTF_8), headers);
            }

            public void flush() throws Exception {
                producer.flush();
            }
        };
    }

    private static ReplayTarget kinesisTarget(KinesisEventWriter writer) {
        return new ReplayTarget() {
            public void send(GeopoliticalEvent event) {
                writer.send(event);
            }

            public void sendMalformed(Path file, MalformedLine line) {
                // no headers in Kinesis: file and line go in the partition key, which the dead letter keeps
                writer.sendRaw("gdelt:" + file.getFileName() + ":" + line.lineNumber(),
                        line.text().getBytes(StandardCharsets.UTF_8));
            }

            public void flush() {
                writer.flush();
            }
        };
    }

    /** Sends every mappable row as an event and every malformed line as raw text, so that nothing is lost. */
    private static long replay(List<Path> inputs, ReplayTarget target, String into) throws Exception {
        long sent = 0;
        for (Path input : inputs) {
            GdeltExport export = GdeltExportReader.read(input);
            for (GeopoliticalEvent event : export.events()) {
                target.send(event);
            }
            for (MalformedLine line : export.malformed()) {
                target.sendMalformed(input, line);
            }
            target.flush();
            sent += export.events().size() + export.malformed().size();
            say("  replayed %,d events from %s into %s%s", export.events().size(), input.getFileName(), into,
                    export.malformed().isEmpty() ? ""
                            : String.format(" (+%d malformed lines sent as they are)", export.malformed().size()));
        }
        return sent;
    }

    private static String committedRows(LocalPostgres postgres) {
        try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(), postgres.username(), postgres.password());
             Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT (SELECT count(*) FROM severity_aggregates),"
                     + " (SELECT count(*) FROM anomaly_alerts)")) {
            r.next();
            return String.format("%,d aggregate rows and %,d anomalies in PostgreSQL so far", r.getLong(1),
                    r.getLong(2));
        } catch (Exception e) {
            return "PostgreSQL not readable yet (" + e.getMessage() + ")";
        }
    }

    private static void prepareOutputFolder(Path out) throws IOException {
        WorkDirs.deleteRecursively(out);
        Files.createDirectories(out);
    }

    static void say(String format, Object... args) {
        System.out.println(args.length == 0 ? format : String.format(format, args));
    }

    /** The services, stopped once whichever way the run ends. */
    private static final class Services {
        KafkaBroker kafka;
        LocalSchemaRegistry registry;
        LocalPostgres postgres;
        /** Only for a Kinesis source. */
        KinesisLocal kinesis;
        private boolean closed;

        void start(Path workDir, boolean withKinesis) throws Exception {
            kafka = KafkaBroker.start(workDir.resolve("kafka"));
            registry = LocalSchemaRegistry.start();
            postgres = LocalPostgres.start();
            if (withKinesis) {
                // The job finds the emulator's (dummy) credentials through the standard AWS provider chain.
                KinesisLocal.useDummyCredentials();
                kinesis = KinesisLocal.start(Path.of("target", "kinesis-local"));
            }
        }

        synchronized void close() {
            if (closed) return;
            closed = true;
            say("Stopping %sKafka, the schema registry and PostgreSQL ...", kinesis == null ? "" : "kinesis-local, ");
            closeQuietly(kinesis);
            closeQuietly(postgres);
            closeQuietly(registry);
            closeQuietly(kafka);
        }

        private static void closeQuietly(AutoCloseable service) {
            if (service == null) return;
            try {
                service.close();
            } catch (Exception e) {
                System.err.println("could not stop " + service + ": " + e);
            }
        }
    }
}
