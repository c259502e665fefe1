package io.harbinger.stream.local;

import io.harbinger.events.GeopoliticalEvent;
import io.harbinger.stream.HarbingerPipeline;
import io.harbinger.stream.config.ConfigException;
import io.harbinger.stream.config.JobConfig;
import io.harbinger.stream.config.JobConfigLoader;
import io.harbinger.stream.local.gdelt.GdeltExport;
import io.harbinger.stream.local.gdelt.GdeltExportReader;
import io.harbinger.stream.local.gdelt.MalformedLine;
import io.harbinger.stream.local.services.KafkaBroker;
import io.harbinger.stream.local.services.LocalPostgres;
import io.harbinger.stream.local.services.LocalSchemaRegistry;
import io.harbinger.stream.registry.SchemaRegistryClient;

import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.core.execution.JobClient;
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
 */
public final class LocalRun {
    private static final long PROGRESS_INTERVAL_MILLIS = 2_000;

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
        say("Starting Kafka (KRaft), the schema registry and PostgreSQL on 127.0.0.1 ...");
        Services services = new Services();
        Thread stopOnExit = new Thread(services::close, "local-run-shutdown");
        Runtime.getRuntime().addShutdownHook(stopOnExit);
        try {
            services.start(out.resolve("services"));
            say("  Kafka %s, registry %s, PostgreSQL %s", services.kafka.bootstrapServers(),
                    services.registry.url(), services.postgres.jdbcUrl());
            JobConfig config = loadConfig(arguments, services, out);
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

    private static JobConfig loadConfig(LocalRunArguments arguments, Services services, Path out) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("KAFKA_BOOTSTRAP_SERVERS", services.kafka.bootstrapServers());
        env.put("SCHEMA_REGISTRY_URL", services.registry.url());
        env.put("POSTGRES_JDBC_URL", services.postgres.jdbcUrl());
        env.put("POSTGRES_USER", services.postgres.username());
        env.put("POSTGRES_PASSWORD", services.postgres.password());
        env.put("CHECKPOINT_DIR", out.resolve("checkpoints").toUri().toString());
        JobConfig config = new JobConfigLoader(env).load(arguments.config(), arguments.overrides());
        if (config.input().kafka().topics().isEmpty()) {
            throw new IllegalArgumentException(arguments.config() + ": source.kafka.topics: the local run needs"
                    + " named input topics to replay into, not a topic-pattern");
        }
        return config;
    }

    private static RunSummary runJob(LocalRunArguments arguments, JobConfig config, Services services, Path out)
            throws Exception {
        var sinks = config.kafkaSink();
        String inputTopic = config.input().kafka().topics().get(0);
        services.kafka.createTopics(arguments.partitions(), config.input().kafka().topics().toArray(String[]::new));
        services.kafka.createTopics(arguments.partitions(), sinks.aggregatesTopic(), sinks.anomaliesTopic(),
                sinks.deadLetterTopic(), sinks.lateEventsTopic());
        services.postgres.executeSqlFile(Path.of("schemas", "sql", "harbinger.sql"));

        SchemaRegistryClient registry = new SchemaRegistryClient(config.registry());
        long produced = replay(arguments.inputs(), services.kafka.bootstrapServers(), registry, inputTopic);

        say("Running the job on a local MiniCluster (RocksDB, exactly-once checkpoints every %s) ...",
                io.harbinger.stream.config.Durations.format(config.checkpoints().interval()));
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(HarbingerPipeline.flinkConfiguration(config));
        HarbingerPipeline.build(env, config);
        long started = System.nanoTime();
        JobClient job = env.executeAsync(config.job().name());
        CompletableFuture<JobExecutionResult> result = job.getJobExecutionResult();
        while (!result.isDone()) {
            try {
                result.get(PROGRESS_INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException stillRunning) {
                say("  [%3ds] %s", (System.nanoTime() - started) / 1_000_000_000, committedRows(services.postgres));
            }
        }
        result.get();
        say("Job finished in %.1f s. Reading the outputs back from Kafka (read_committed) and PostgreSQL ...",
                (System.nanoTime() - started) / 1e9);

        RunReport report = new RunReport(config, services.kafka.bootstrapServers(), services.postgres.jdbcUrl(),
                services.postgres.username(), services.postgres.password());
        RunSummary summary = report.write(out, arguments.inputs(), produced);
        System.out.println();
        System.out.println(summary.render(out));
        return summary;
    }

    /** Sends every mappable row as an event and every malformed line as raw text, so that nothing is lost. */
    private static long replay(List<Path> inputs, String bootstrapServers, SchemaRegistryClient registry,
                               String topic) throws Exception {
        long sent = 0;
        try (EventProducer producer = new EventProducer(bootstrapServers, registry, topic)) {
            for (Path input : inputs) {
                GdeltExport export = GdeltExportReader.read(input);
                for (GeopoliticalEvent event : export.events()) {
                    producer.send(event);
                }
                for (MalformedLine line : export.malformed()) {
                    RecordHeaders headers = new RecordHeaders();
                    headers.add("gdelt.file", input.getFileName().toString().getBytes(StandardCharsets.UTF_8));
                    headers.add("gdelt.line", String.valueOf(line.lineNumber()).getBytes(StandardCharsets.UTF_8));
                    producer.sendRaw(null, null, line.text().getBytes(StandardCharsets.UTF_8), headers);
                }
                producer.flush();
                sent += export.events().size() + export.malformed().size();
                say("  replayed %,d events from %s into %s%s", export.events().size(), input.getFileName(), topic,
                        export.malformed().isEmpty() ? ""
                                : String.format(" (+%d malformed lines sent as they are)", export.malformed().size()));
            }
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

    /** The three services, stopped once whichever way the run ends. */
    private static final class Services {
        KafkaBroker kafka;
        LocalSchemaRegistry registry;
        LocalPostgres postgres;
        private boolean closed;

        void start(Path workDir) throws Exception {
            kafka = KafkaBroker.start(workDir.resolve("kafka"));
            registry = LocalSchemaRegistry.start();
            postgres = LocalPostgres.start();
        }

        synchronized void close() {
            if (closed) return;
            closed = true;
            say("Stopping Kafka, the schema registry and PostgreSQL ...");
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
