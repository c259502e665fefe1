package io.harbinger.stream.it;

import io.harbinger.curated.SeverityAggregate;
import io.harbinger.events.EventType;
import io.harbinger.stream.config.JobConfig;
import io.harbinger.stream.config.JobConfigLoader;
import io.harbinger.stream.config.KafkaAuthentication;
import io.harbinger.stream.records.Reason;
import io.harbinger.stream.registry.SchemaRegistryClient;
import io.harbinger.stream.testing.LoopbackOnlyWatch;
import io.harbinger.stream.toolkit.scenario.JobRuns;
import io.harbinger.stream.toolkit.WorkDirs;
import io.harbinger.stream.toolkit.clients.EventProducer;
import io.harbinger.stream.toolkit.clients.TopicReader;
import io.harbinger.stream.toolkit.scenario.PipelineScenario;
import io.harbinger.stream.toolkit.scenario.SharedServices;
import io.harbinger.stream.toolkit.services.KafkaBroker;
import io.harbinger.stream.toolkit.services.TlsMaterial;
import io.harbinger.stream.toolkit.services.mskiam.MskIamStandInSaslServer;
import io.harbinger.stream.tools.DeadLetterReplayCommand;
import io.harbinger.stream.tools.ReplayResult;
import io.harbinger.stream.validate.WireDecoder;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
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
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.harbinger.stream.testing.TestEvents.T0;
import static io.harbinger.stream.testing.TestEvents.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

/**
 * {@code source.kafka.authentication: iam} and {@code sinks.kafka.authentication: iam} against a real Kafka 3.9.1
 * broker, as far as this can go without AWS. The broker's SASL_SSL listener offers {@code AWS_MSK_IAM}, served by
 * the test code's {@link MskIamStandInSaslServer}: a stand-in for the broker side of MSK's IAM access control,
 * which is proprietary and exists only on Amazon MSK. It checks the token the client library
 * ({@code aws-msk-iam-auth}, bundled in the job jar) sends, the way MSK reads it (a SigV4 presigned
 * {@code kafka-cluster:Connect} for the broker's host, in the JSON form of version {@code 2020_10_22}), including
 * the signature against the dummy secret key the test gives the client, and accepts it. It does not authorize:
 * the IAM policy actions that MSK checks on every request are not checked here, and no test here runs against
 * real MSK.
 *
 * <p>Proven: the job's Kafka clients, made from the job config only (source consumer and enumerator, the four
 * transactional sinks, and the dead-letter replay's admin client, consumers and producer), start the
 * {@code AWS_MSK_IAM} exchange with the credentials of the AWS default chain and work through it; without
 * credentials the job fails fast with an error that names IAM and credentials; a wrong secret key or an unknown
 * access key is refused.
 *
 * <p>Network safety: the AWS SDK's credential and region chains may call EC2 instance metadata
 * (169.254.169.254), which this machine must never reach. The build gives every test JVM
 * {@code aws.disableEc2Metadata=true} and AWS config files that do not exist (pom.xml); this test sets them too
 * when run alone, refuses to run with AWS credentials or container/web-identity settings in the environment, and
 * watches this JVM's sockets ({@link LoopbackOnlyWatch}) to prove that nothing left loopback.
 */
class MskIamIT {
    private static final long S = 1_000;
    private static final long MINUTE = 60 * S;
    private static final String ACCESS_KEY_ID = "AKIAHARBINGERTEST0001";
    private static final String REGION = "eu-west-1";
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final Duration FAIL_FAST = Duration.ofSeconds(60);
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    /** Environment variables through which the AWS default chain could find credentials or reach a network. */
    private static final List<String> AWS_ENVIRONMENT = List.of("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE",
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN");
    private static final List<String> AWS_SYSTEM_PROPERTIES = List.of("aws.disableEc2Metadata",
            "aws.sharedCredentialsFile", "aws.configFile", "aws.region", "aws.accessKeyId", "aws.secretAccessKey",
            "aws.sessionToken");

    private static final Map<String, String> savedProperties = new HashMap<>();
    private static LoopbackOnlyWatch network;
    private static Path work;
    private static Path auditLog;
    private static TlsMaterial tls;
    private static String secretAccessKey;
    private static KafkaBroker broker;
    private static SharedServices services;

    @BeforeAll
    static void startBrokerWithTheIamStandIn() throws Exception {
        assertThat(AWS_ENVIRONMENT.stream().filter(name -> System.getenv(name) != null).toList())
                .as("AWS settings in the environment would reach the AWS default credentials chain of this JVM;"
                        + " run this test without them")
                .isEmpty();
        for (String name : AWS_SYSTEM_PROPERTIES) {
            savedProperties.put(name, System.getProperty(name));
        }
        work = WorkDirs.create("harbinger-msk-iam-");
        // No instance metadata, no profile files (empty ones), a region for the SigV4 scope of a 127.0.0.1 broker.
        System.setProperty("aws.disableEc2Metadata", "true");
        System.setProperty("aws.sharedCredentialsFile", Files.writeString(work.resolve("aws-credentials"), "").toString());
        System.setProperty("aws.configFile", Files.writeString(work.resolve("aws-config"), "").toString());
        System.setProperty("aws.region", REGION);
        clearCredentials();
        network = LoopbackOnlyWatch.start();

        services = SharedServices.get();
        tls = TlsMaterial.create(Files.createDirectories(work.resolve("tls")), "StorePw" + random());
        secretAccessKey = "Secret/" + random() + "+" + random();
        auditLog = work.resolve("msk-iam-stand-in.log");
        broker = KafkaBroker.start(work.resolve("kafka"), new KafkaBroker.Security(tls.serverKeystore,
                tls.clientTruststore, tls.password, Map.of(),
                new MskIamStandInSaslServer.Account(ACCESS_KEY_ID, secretAccessKey, REGION, auditLog)));
    }

    @AfterAll
    static void stopBrokerAndCheckTheNetwork() {
        try {
            if (broker != null) {
                broker.close();
            }
        } finally {
            savedProperties.forEach((name, value) -> {
                if (value == null) System.clearProperty(name);
                else System.setProperty(name, value);
            });
        }
        if (network != null) {
            long polls = network.polls();
            Set<String> offLoopback = network.stop();
            assertThat(polls).as("socket polls of the loopback watch").isGreaterThan(10);
            assertThat(offLoopback).as("connections of this JVM that left loopback").isEmpty();
        }
    }

    @AfterEach
    void forgetCredentials() {
        clearCredentials();
    }

    @Test
    void theJobsSourceAndSinksAndTheDeadLetterReplayAuthenticateWithIam() throws Exception {
        giveCredentials(secretAccessKey);
        Scenario s = new Scenario("iam");
        for (Map<String, String> client : List.of(s.config.input().kafka().clientProperties(),
                s.config.kafkaSink().clientProperties())) {
            assertThat(client).containsEntry("security.protocol", "SASL_SSL")
                    .containsEntry("sasl.mechanism", "AWS_MSK_IAM")
                    .containsEntry("sasl.jaas.config", KafkaAuthentication.IAM_LOGIN_MODULE + " required;")
                    .containsEntry("sasl.client.callback.handler.class", KafkaAuthentication.IAM_CALLBACK_HANDLER);
        }
        int before = audit().size();

        s.runAndAssertExactAggregates();

        List<String> job = audit().subList(before, audit().size());
        // the enumerator's admin client, the readers' consumers and the Kafka sink's transactional producers
        assertThat(job).hasSizeGreaterThanOrEqualTo(6).allSatisfy(MskIamIT::assertAcceptedPayload);

        int beforeReplay = audit().size();
        ReplayResult replay = DeadLetterReplayCommand.run(new String[] {"--config", s.configFile.toString()}, s.env);

        // read back over IAM, checked again with today's rules, still failing: nothing republished
        assertThat(replay.deadLetters()).isEqualTo(1);
        assertThat(replay.stillFailing()).containsExactly(Map.entry(Reason.NOT_WIRE_FORMAT, 1L));
        assertThat(replay.republished()).isZero();
        try (Admin plaintext = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers()))) {
            // created by the replay's admin client over IAM
            assertThat(plaintext.listTopics().names().get(30, TimeUnit.SECONDS))
                    .contains(s.config.kafkaSink().deadLetterTopic() + ".replayed");
        }
        // its admin client, its consumers of the ledger and the dead letters, and its transactional producer
        assertThat(audit().subList(beforeReplay, audit().size())).hasSizeGreaterThanOrEqualTo(3)
                .allSatisfy(MskIamIT::assertAcceptedPayload);
    }

    @Test
    void withoutCredentialsTheJobFailsFastWithAnErrorNamingIam() throws Exception {
        Scenario s = new Scenario("iam_nocreds");
        int before = audit().size();

        Throwable failure = s.runExpectingFailure();

        assertThat(causeChain(failure)).anySatisfy(c -> {
            assertThat(c).isInstanceOf(SaslAuthenticationException.class);
            assertThat(c.getMessage()).contains("Failed to find AWS IAM Credentials");
        });
        // below it, the AWS SDK's own reason: no provider of the default chain had credentials
        assertThat(causeChain(failure)).anySatisfy(c -> assertThat(c.getMessage()).contains("Unable to load credentials"));
        // the client gave up before it sent a token
        assertThat(audit()).hasSize(before);
        assertThat(TopicReader.readUncommitted(broker.bootstrapServers(), s.config.kafkaSink().aggregatesTopic()))
                .isEmpty();

        // the dead-letter replay's clients likewise
        assertThatThrownBy(() -> DeadLetterReplayCommand.run(new String[] {"--config", s.configFile.toString()},
                s.env)).satisfies(e -> assertThat(causeChain(e)).anySatisfy(c -> {
                    assertThat(c).isInstanceOf(SaslAuthenticationException.class);
                    assertThat(c.getMessage()).contains("Failed to find AWS IAM Credentials");
                }));
    }

    @Test
    void theStandInRefusesAWrongSecretKeyAndAnUnknownAccessKey() throws Exception {
        Scenario s = new Scenario("iam_refused");
        Map<String, String> client = s.config.kafkaSink().clientProperties();

        giveCredentials(secretAccessKey);
        assertThat(describeCluster(s, client)).isNull();

        giveCredentials("Wrong" + secretAccessKey);
        assertThat(describeCluster(s, client)).isInstanceOf(SaslAuthenticationException.class)
                .hasMessageContaining("MSK IAM stand-in refused the AWS_MSK_IAM token: the signature does not match");

        System.setProperty("aws.accessKeyId", "AKIAUNKNOWNTOTHEBROKER");
        assertThat(describeCluster(s, client)).isInstanceOf(SaslAuthenticationException.class)
                .hasMessageContaining("unknown access key id AKIAUNKNOWNTOTHEBROKER");
        assertThat(audit()).anySatisfy(l -> assertThat(l).contains("REFUSED the signature does not match"));
    }

    // ------------------------------------------------------------------------------------------------

    /** The admin client a job client would be, from the config's client properties; its failure's cause or null. */
    private static Throwable describeCluster(Scenario s, Map<String, String> clientProperties) throws Exception {
        Properties props = new Properties();
        props.putAll(clientProperties);
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, s.config.kafkaSink().bootstrapServers());
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "20000");
        try (Admin admin = Admin.create(props)) {
            assertThat(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS)).isNotEmpty();
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }

    /** An accepted token of this test's access key, with the fields aws-msk-iam-auth sends. */
    private static void assertAcceptedPayload(String line) {
        assertThat(line).contains(" ACCEPTED {").contains("version=2020_10_22").contains("action=kafka-cluster:Connect")
                .contains("x-amz-algorithm=AWS4-HMAC-SHA256").contains("x-amz-signedheaders=host")
                .containsPattern("x-amz-credential=" + ACCESS_KEY_ID + "/\\d{8}/" + REGION + "/kafka-cluster/aws4_request")
                .contains("x-amz-signature=verified").containsPattern("host=(127\\.0\\.0\\.1|localhost)[,}]")
                .contains("user-agent=aws-msk-iam-auth");
    }

    private static List<String> audit() throws Exception {
        return Files.exists(auditLog) ? Files.readAllLines(auditLog, StandardCharsets.UTF_8) : List.of();
    }

    /** The AWS default chain's system-property credentials (a dummy key the stand-in knows). */
    private static void giveCredentials(String secret) {
        System.setProperty("aws.accessKeyId", ACCESS_KEY_ID);
        System.setProperty("aws.secretAccessKey", secret);
    }

    private static void clearCredentials() {
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
        System.clearProperty("aws.sessionToken");
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
        for (int i = 0; i < 12; i++) {
            b.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return b.toString();
    }

    /**
     * One job run: its topics and database, and a config file that is the integration tests' base config with
     * {@code authentication: iam} for source and sinks, pointed at the SASL_SSL listener; the only client
     * property is the trust store of the broker's self-signed certificate (MSK's is publicly trusted).
     */
    private static final class Scenario {
        final String rawTopic;
        final Path configFile;
        final Map<String, String> env = new HashMap<>(System.getenv());
        final JobConfig config;
        final SchemaRegistryClient registry;

        Scenario(String label) throws Exception {
            String name = label + "_" + COUNTER.incrementAndGet() + "_"
                    + Long.toString(System.nanoTime() % 1_000_000, 36);
            rawTopic = name + ".raw";
            String jdbcUrl = services.postgres.createDatabase(name);
            try (Connection c = DriverManager.getConnection(jdbcUrl, services.postgres.username(),
                    services.postgres.password()); Statement st = c.createStatement()) {
                st.execute(Files.readString(Path.of("schemas", "sql", "harbinger.sql")));
            }
            Map<String, String> truststore = new LinkedHashMap<>();
            truststore.put("ssl.truststore.location", tls.serverTruststore.toString());
            truststore.put("ssl.truststore.type", "PKCS12");
            truststore.put("ssl.truststore.password", "${KAFKA_TRUSTSTORE_PASSWORD}");
            ObjectNode tree = (ObjectNode) YAML.readTree(PipelineScenario.CONFIG_FILE.toFile());
            for (ObjectNode section : List.of((ObjectNode) tree.path("source").path("kafka"),
                    (ObjectNode) tree.path("sinks").path("kafka"))) {
                section.put("authentication", "iam");
                truststore.forEach(section.putObject("properties")::put);
            }
            configFile = work.resolve(name + ".yaml");
            YAML.writeValue(configFile.toFile(), tree);

            env.put("JOB_NAME", name);
            env.put("RAW_TOPIC", rawTopic);
            env.put("KAFKA_BOOTSTRAP_SERVERS", broker.saslSslBootstrapServers());
            env.put("KAFKA_TRUSTSTORE_PASSWORD", tls.password);
            env.put("SCHEMA_REGISTRY_URL", services.registry.url());
            env.put("POSTGRES_JDBC_URL", jdbcUrl);
            env.put("POSTGRES_USER", services.postgres.username());
            env.put("POSTGRES_PASSWORD", services.postgres.password());
            env.put("CHECKPOINT_DIR", WorkDirs.create("harbinger-checkpoints-").toUri().toString());
            config = new JobConfigLoader(env).load(configFile, List.of());
            assertThat(config.input().kafka().authentication().method()).isEqualTo(KafkaAuthentication.Method.IAM);
            assertThat(config.kafkaSink().authentication().method()).isEqualTo(KafkaAuthentication.Method.IAM);

            registry = new SchemaRegistryClient(config.registry());
            broker.createTopics(2, rawTopic);
            broker.createTopics(1, config.kafkaSink().aggregatesTopic(), config.kafkaSink().anomaliesTopic(),
                    config.kafkaSink().deadLetterTopic(), config.kafkaSink().lateEventsTopic());
        }

        /** Two windows of US protests, one of French conflicts and one record that is not Avro (set-up, PLAINTEXT). */
        void produceInput() throws Exception {
            try (EventProducer in = new EventProducer(broker.bootstrapServers(), registry, rawTopic)) {
                in.send(0, event("u1", "US", EventType.PROTEST, 0.2, T0 + S));
                in.send(1, event("u2", "US", EventType.PROTEST, 0.4, T0 + 2 * S));
                in.send(0, event("f1", "FR", EventType.CONFLICT, 0.8, T0 + 10 * S));
                in.sendRaw(1, "bad".getBytes(StandardCharsets.UTF_8), "not avro".getBytes(StandardCharsets.UTF_8));
                in.send(0, event("u3", "US", EventType.PROTEST, 0.5, T0 + MINUTE + 10 * S));
                in.flush();
            }
        }

        /** With Flink's restart strategy {@code none}: the job's failure, which must come within {@link #FAIL_FAST}. */
        Throwable runExpectingFailure() throws Exception {
            produceInput();
            return JobRuns.failure(config, FAIL_FAST, "it has no AWS credentials");
        }

        /** The bounded job reads over IAM, commits exactly the expected windows and one dead letter. */
        void runAndAssertExactAggregates() throws Exception {
            produceInput();
            JobRuns.runToEnd(config, Duration.ofMinutes(3));
            List<SeverityAggregate> aggregates = TopicReader.readCommitted(broker.bootstrapServers(),
                    config.kafkaSink().aggregatesTopic(),
                    new WireDecoder<>(registry, SeverityAggregate.getClassSchema(), Integer.MAX_VALUE));
            assertThat(aggregates)
                    .extracting(SeverityAggregate::getCountryCode, SeverityAggregate::getEventType,
                            SeverityAggregate::getWindowStart, SeverityAggregate::getCount)
                    .containsExactlyInAnyOrder(
                            tuple("US", "PROTEST", T0, 2L),
                            tuple("FR", "CONFLICT", T0, 1L),
                            tuple("US", "PROTEST", T0 + MINUTE, 1L));
            assertThat(TopicReader.readCommitted(broker.bootstrapServers(), config.kafkaSink().deadLetterTopic()))
                    .hasSize(1);
        }
    }
}
