package io.harbinger.stream.it;

import io.harbinger.curated.SeverityAggregate;
import io.harbinger.events.EventType;
import io.harbinger.stream.testing.LogCapture;
import io.harbinger.stream.config.JobConfig;
import io.harbinger.stream.config.JobConfigLoader;
import io.harbinger.stream.registry.SchemaRegistryClient;
import io.harbinger.stream.toolkit.scenario.JobRuns;
import io.harbinger.stream.toolkit.WorkDirs;
import io.harbinger.stream.toolkit.clients.EventProducer;
import io.harbinger.stream.toolkit.clients.TopicReader;
import io.harbinger.stream.toolkit.scenario.PipelineScenario;
import io.harbinger.stream.toolkit.scenario.SharedServices;
import io.harbinger.stream.toolkit.services.KafkaBroker;
import io.harbinger.stream.toolkit.services.TlsMaterial;
import io.harbinger.stream.validate.WireDecoder;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static io.harbinger.stream.testing.TestEvents.T0;
import static io.harbinger.stream.testing.TestEvents.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.within;

/**
 * The real job graph on a MiniCluster against a real Kafka broker whose client listeners require SASL_SSL with
 * SCRAM-SHA-512 or mutual TLS. The job config names only the secured listener; passwords reach it through
 * {@code ${file:/path}} and {@code ${ENV}} references and never appear in the printed config or in any log line
 * (INFO and above, every logger of this JVM: Flink, the Kafka clients, the job) written while the job runs.
 *
 * <p>The test itself writes the input and reads the outputs over the broker's PLAINTEXT listener (set-up only).
 */
class SecureKafkaIT {
    private static final long S = 1_000;
    private static final long MINUTE = 60 * S;
    private static final String USER = "harbinger";
    private static final AtomicInteger COUNTER = new AtomicInteger();
    /** Far below the Kafka clients' own timeouts (30 s requests, 60 s blocking): a refusal is not retried. */
    private static final Duration FAIL_FAST = Duration.ofSeconds(30);
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static Path work;
    private static TlsMaterial tls;
    private static String scramPassword;
    private static KafkaBroker broker;
    private static SharedServices services;

    private LogCapture logs;

    @BeforeAll
    static void startSecuredBroker() throws Exception {
        services = SharedServices.get(); // schema registry and PostgreSQL
        work = WorkDirs.create("harbinger-secure-kafka-");
        // distinctive values, so that finding them in a log cannot be a coincidence
        tls = TlsMaterial.create(Files.createDirectories(work.resolve("tls")), "StorePw" + random());
        scramPassword = "ScramPw" + random();
        broker = KafkaBroker.start(work.resolve("kafka"), new KafkaBroker.Security(tls.serverKeystore,
                tls.clientTruststore, tls.password, Map.of(USER, scramPassword)));
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @BeforeEach
    void captureLogs() {
        logs = LogCapture.begin(Level.INFO);
    }

    @AfterEach
    void stopCapture() {
        logs.finish();
    }

    @Test
    void saslSslScramWithThePasswordFromAFile() throws Exception {
        Path passwordFile = Files.writeString(work.resolve("kafka-password-" + COUNTER.incrementAndGet()),
                scramPassword + "\n");
        Scenario s = new Scenario("sasl_file", broker.saslSslBootstrapServers(), Map.of(), saslProperties(
                "${file:" + passwordFile + "}"));

        s.runAndAssertExactAggregates();

        assertThat(s.config.input().kafka().properties().get("sasl.jaas.config")).contains(scramPassword);
        assertThat(s.config.kafkaSink().properties().get("sasl.jaas.config")).contains(scramPassword);
        assertSecretsNeverShown(s, scramPassword);
        assertThat(logs.lines()).anySatisfy(l -> assertThat(l).contains("sasl.jaas.config = [hidden]"));
        // the broker got the user at format time and never printed the password either
        assertThat(Files.readString(broker.logFile())).contains("creating new entry for " + USER)
                .doesNotContain(scramPassword);
        assertThat(Files.readString(broker.workDir().resolve("format.log"))).doesNotContain(scramPassword);
    }

    @Test
    void saslSslScramWithThePasswordFromTheEnvironment() throws Exception {
        Scenario s = new Scenario("sasl_env", broker.saslSslBootstrapServers(),
                Map.of("KAFKA_USERNAME", USER, "KAFKA_PASSWORD", scramPassword),
                saslProperties("${KAFKA_PASSWORD}"));

        s.runAndAssertExactAggregates();

        assertSecretsNeverShown(s, scramPassword);
    }

    @Test
    void mutualTlsWithStorePasswordsFromAFileAndTheEnvironment() throws Exception {
        Path keystorePasswordFile = Files.writeString(work.resolve("keystore-password-" + COUNTER.incrementAndGet()),
                tls.password + "\n");
        Map<String, String> props = new LinkedHashMap<>();
        props.put("security.protocol", "SSL");
        props.put("ssl.truststore.location", tls.serverTruststore.toString());
        props.put("ssl.truststore.type", "PKCS12");
        props.put("ssl.truststore.password", "${KAFKA_TRUSTSTORE_PASSWORD}");
        props.put("ssl.keystore.location", tls.clientKeystore.toString());
        props.put("ssl.keystore.type", "PKCS12");
        props.put("ssl.keystore.password", "${file:" + keystorePasswordFile + "}");
        props.put("ssl.key.password", "${file:" + keystorePasswordFile + "}");
        Scenario s = new Scenario("mtls", broker.sslBootstrapServers(),
                Map.of("KAFKA_TRUSTSTORE_PASSWORD", tls.password), props);

        s.runAndAssertExactAggregates();

        assertSecretsNeverShown(s, tls.password);
        assertThat(logs.lines()).anySatisfy(l -> assertThat(l).contains("ssl.keystore.password = [hidden]"));
    }

    @Test
    void withoutAClientCertificateTheSslListenerRefusesTheJob() throws Exception {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("security.protocol", "SSL");
        props.put("ssl.truststore.location", tls.serverTruststore.toString());
        props.put("ssl.truststore.type", "PKCS12");
        props.put("ssl.truststore.password", "${KAFKA_TRUSTSTORE_PASSWORD}");
        Scenario s = new Scenario("mtls_nocert", broker.sslBootstrapServers(),
                Map.of("KAFKA_TRUSTSTORE_PASSWORD", tls.password), props);

        Throwable failure = s.runExpectingFailure();

        assertThat(causeChain(failure)).anySatisfy(c ->
                assertThat(c).isInstanceOf(SslAuthenticationException.class));
        assertThat(LogCapture.stackTrace(failure)).doesNotContain(tls.password);
        assertSecretsNeverShown(s, tls.password);
    }

    @Test
    void aWrongScramPasswordFailsTheJobFastWithAnAuthenticationError() throws Exception {
        String wrong = "WrongPw" + random();
        Path passwordFile = Files.writeString(work.resolve("wrong-password-" + COUNTER.incrementAndGet()), wrong);
        Scenario s = new Scenario("sasl_wrong", broker.saslSslBootstrapServers(), Map.of(),
                saslProperties("${file:" + passwordFile + "}"));

        Throwable failure = s.runExpectingFailure();

        assertThat(causeChain(failure)).anySatisfy(c -> {
            assertThat(c).isInstanceOf(SaslAuthenticationException.class);
            assertThat(c.getMessage()).contains("Authentication failed").contains("SCRAM-SHA-512");
        });
        String trace = LogCapture.stackTrace(failure);
        assertThat(trace).doesNotContain(wrong).doesNotContain(scramPassword);
        assertThat(TopicReader.readUncommitted(broker.bootstrapServers(), s.config.kafkaSink().aggregatesTopic()))
                .isEmpty();
        assertSecretsNeverShown(s, wrong);
    }

    // ------------------------------------------------------------------------------------------------

    private static Map<String, String> saslProperties(String passwordReference) {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("security.protocol", "SASL_SSL");
        props.put("sasl.mechanism", "SCRAM-SHA-512");
        props.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required"
                + " username=\"${KAFKA_USERNAME:-" + USER + "}\" password=\"" + passwordReference + "\";");
        // the broker's certificate is self-signed: trust it explicitly (its password is not secret here)
        props.put("ssl.truststore.location", tls.serverTruststore.toString());
        props.put("ssl.truststore.type", "PKCS12");
        props.put("ssl.truststore.password", "${KAFKA_TRUSTSTORE_PASSWORD:-" + tls.password + "}");
        return props;
    }

    /** Not in the printed config, not in any log line of the run, not in the config file the job read. */
    private void assertSecretsNeverShown(Scenario s, String secret) throws Exception {
        assertThat(s.config.toString()).doesNotContain(secret).contains("=******");
        assertThat(s.config.input().kafka().toString()).doesNotContain(secret);
        assertThat(s.config.kafkaSink().toString()).doesNotContain(secret);
        assertThat(Files.readString(s.configFile)).doesNotContain(secret);
        List<String> lines = logs.lines();
        // the capture saw the Kafka clients print their configuration, masked
        assertThat(lines).anySatisfy(l -> assertThat(l).contains("security.protocol = "));
        assertThat(lines).noneSatisfy(l -> assertThat(l).contains(secret));
    }

    private static List<Throwable> causeChain(Throwable t) {
        List<Throwable> chain = new ArrayList<>();
        for (Throwable c = t; c != null && !chain.contains(c); c = c.getCause()) {
            chain.add(c);
        }
        return chain;
    }

    private static String random() {
        SecureRandom r = new SecureRandom();
        StringBuilder b = new StringBuilder();
        String alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        for (int i = 0; i < 16; i++) {
            b.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return b.toString();
    }

    /**
     * One job run: its topics and database, and a config file that is the integration tests' base config with
     * the given Kafka client properties under {@code source.kafka.properties} and {@code sinks.kafka.properties},
     * references unresolved, exactly as an operator would write it.
     */
    private static final class Scenario {
        final String name;
        final String rawTopic;
        final Path configFile;
        final JobConfig config;
        final SchemaRegistryClient registry;

        Scenario(String label, String bootstrapServers, Map<String, String> extraEnv, Map<String, String> properties)
                throws Exception {
            name = label + "_" + COUNTER.incrementAndGet() + "_" + Long.toString(System.nanoTime() % 1_000_000, 36);
            rawTopic = name + ".raw";
            String jdbcUrl = services.postgres.createDatabase(name);
            try (Connection c = DriverManager.getConnection(jdbcUrl, services.postgres.username(),
                    services.postgres.password()); Statement st = c.createStatement()) {
                st.execute(Files.readString(Path.of("schemas", "sql", "harbinger.sql")));
            }
            ObjectNode tree = (ObjectNode) YAML.readTree(PipelineScenario.CONFIG_FILE.toFile());
            ObjectNode source = (ObjectNode) tree.path("source").path("kafka");
            ObjectNode sink = (ObjectNode) tree.path("sinks").path("kafka");
            properties.forEach(source.putObject("properties")::put);
            properties.forEach(sink.putObject("properties")::put);
            configFile = work.resolve(name + ".yaml");
            YAML.writeValue(configFile.toFile(), tree);

            Map<String, String> env = new HashMap<>(System.getenv());
            env.put("JOB_NAME", name);
            env.put("RAW_TOPIC", rawTopic);
            env.put("KAFKA_BOOTSTRAP_SERVERS", bootstrapServers);
            env.put("SCHEMA_REGISTRY_URL", services.registry.url());
            env.put("POSTGRES_JDBC_URL", jdbcUrl);
            env.put("POSTGRES_USER", services.postgres.username());
            env.put("POSTGRES_PASSWORD", services.postgres.password());
            env.put("CHECKPOINT_DIR", WorkDirs.create("harbinger-checkpoints-").toUri().toString());
            env.putAll(extraEnv);
            config = new JobConfigLoader(env).load(configFile, List.of());
            assertThat(config.input().kafka().bootstrapServers()).isEqualTo(bootstrapServers);
            assertThat(config.kafkaSink().bootstrapServers()).isEqualTo(bootstrapServers);

            registry = new SchemaRegistryClient(config.registry());
            broker.createTopics(2, rawTopic);
            broker.createTopics(1, config.kafkaSink().aggregatesTopic(), config.kafkaSink().anomaliesTopic(),
                    config.kafkaSink().deadLetterTopic(), config.kafkaSink().lateEventsTopic());
        }

        /** Two windows of US protests and one of French conflicts (written over PLAINTEXT by the test). */
        void produceInput() throws Exception {
            try (EventProducer in = new EventProducer(broker.bootstrapServers(), registry, rawTopic)) {
                in.send(0, event("u1", "US", EventType.PROTEST, 0.2, T0 + S));
                in.send(1, event("u2", "US", EventType.PROTEST, 0.4, T0 + 2 * S));
                in.send(0, event("u3", "US", EventType.PROTEST, 0.6, T0 + 3 * S));
                in.send(1, event("f1", "FR", EventType.CONFLICT, 0.8, T0 + 10 * S));
                in.send(0, event("u4", "US", EventType.PROTEST, 0.5, T0 + MINUTE + 10 * S));
                in.flush();
            }
        }

        /**
         * Runs the job with Flink's restart strategy {@code none} (the job config has no restart key) and returns
         * its failure, which must come within {@link #FAIL_FAST}.
         */
        Throwable runExpectingFailure() throws Exception {
            produceInput();
            return JobRuns.failure(config, FAIL_FAST, "the broker must refuse its credentials");
        }

        /** The bounded job reads everything over the secured listener and commits exactly the expected windows. */
        void runAndAssertExactAggregates() throws Exception {
            produceInput();
            JobRuns.runToEnd(config, Duration.ofMinutes(3));
            List<SeverityAggregate> aggregates = TopicReader.readCommitted(broker.bootstrapServers(),
                    config.kafkaSink().aggregatesTopic(),
                    new WireDecoder<>(registry, SeverityAggregate.getClassSchema(), Integer.MAX_VALUE));
            assertThat(aggregates)
                    .extracting(SeverityAggregate::getCountryCode, SeverityAggregate::getEventType,
                            SeverityAggregate::getWindowStart, SeverityAggregate::getRevision,
                            SeverityAggregate::getCount)
                    .containsExactlyInAnyOrder(
                            tuple("US", "PROTEST", T0, 0, 3L),
                            tuple("FR", "CONFLICT", T0, 0, 1L),
                            tuple("US", "PROTEST", T0 + MINUTE, 0, 1L));
            SeverityAggregate us = aggregates.stream()
                    .filter(a -> a.getCountryCode().equals("US") && a.getWindowStart() == T0).findFirst().orElseThrow();
            assertThat(us.getSeveritySum()).isCloseTo(1.2, within(1e-9));
            assertThat(us.getSeverityMin()).isEqualTo(0.2);
            assertThat(us.getSeverityMax()).isEqualTo(0.6);
            assertThat(TopicReader.readCommitted(broker.bootstrapServers(), config.kafkaSink().deadLetterTopic()))
                    .isEmpty();
        }
    }
}
