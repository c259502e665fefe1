package io.harbinger.stream.config;

import io.harbinger.stream.testing.LogCapture;
import io.harbinger.stream.toolkit.services.LocalSecretsManager;

import org.apache.logging.log4j.Level;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * {@code ${secretsmanager:ARN}} and {@code ${secretsmanager:ARN#key}} through the real loader and the real AWS
 * SDK client, against {@link LocalSecretsManager} on 127.0.0.1 (which checks that every request is a
 * GetSecretValue signed with the dummy credentials). No test here talks to AWS.
 */
class SecretsManagerReferencesTest {
    private static final String RDS = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:harbinger/postgres-writer-AbCdEf";
    private static final String RDS_PASSWORD = "pg-Pa55w0rd-x9Q7";
    private static final String RDS_JSON = "{\"username\":\"harbinger_writer\",\"password\":\"" + RDS_PASSWORD
            + "\",\"engine\":\"postgres\",\"host\":\"harbinger.cluster-abc123.eu-west-1.rds.amazonaws.com\","
            + "\"port\":5432,\"dbname\":\"harbinger\"}";
    private static final String REGISTRY = "arn:aws:secretsmanager:us-east-1:123456789012:secret:harbinger/registry-GhIjKl";
    private static final String REGISTRY_PASSWORD = "registry-s3cret-4711";
    private static final String PLAIN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:harbinger/plain-MnOpQr";
    private static final String PLAIN_VALUE = "plain-secret-text-0815";
    private static final String BINARY = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:harbinger/binary-StUvWx";
    private static final String DENIED = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:other-team/db-YzAbCd";
    private static final String DENIED_VALUE = "other-team-password-31337";
    private static final String MISSING = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:harbinger/gone-EfGhIj";
    private static final String NESTED = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:harbinger/nested-KlMnOp";
    private static final String NESTED_VALUE = "nested-inner-value-2718";
    private static final List<String> ALL_VALUES = List.of(RDS_PASSWORD, REGISTRY_PASSWORD, PLAIN_VALUE,
            DENIED_VALUE, NESTED_VALUE);

    private static final String CONFIG = """
            job: {name: test}
            source:
              kafka:
                bootstrap-servers: "k:9092"
                topics: [raw]
                group-id: g
                properties:
                  security.protocol: SASL_SSL
                  sasl.mechanism: SCRAM-SHA-512
                  sasl.jaas.config: 'org.apache.kafka.common.security.scram.ScramLoginModule required username="${secretsmanager:RDS#username}" password="${secretsmanager:RDS#password}";'
            registry: {url: "http://r:8081", username: reader, password: "${secretsmanager:REGISTRY}"}
            window: {size: 5m}
            sinks:
              kafka:
                bootstrap-servers: "k:9092"
                aggregates-topic: agg
                anomalies-topic: anom
                dead-letter-topic: dlq
                late-events-topic: late
                transactional-id-prefix: tx
              jdbc:
                url: "jdbc:postgresql://db/x"
                username: "${secretsmanager:RDS#username}"
                password: "${secretsmanager:RDS#password}"
            checkpoints: {directory: "file:///tmp/cp"}
            """.replace("RDS", RDS).replace("REGISTRY", REGISTRY);

    private static LocalSecretsManager secretsManager;
    private final JobConfigLoader loader = new JobConfigLoader(Map.of());

    @BeforeAll
    static void startLocalSecretsManager() throws IOException {
        secretsManager = LocalSecretsManager.start()
                .putString(RDS, RDS_JSON)
                .putString(REGISTRY, REGISTRY_PASSWORD)
                .putString(PLAIN, PLAIN_VALUE)
                .putBinary(BINARY, "binary-only".getBytes(StandardCharsets.UTF_8))
                .putString(DENIED, DENIED_VALUE).deny(DENIED)
                .putString(NESTED, "{\"outer\":{\"inner\":\"" + NESTED_VALUE + "\"},\"list\":[1,2],\"none\":null}");
    }

    @AfterAll
    static void stopLocalSecretsManager() {
        secretsManager.close();
    }

    @AfterEach
    void everyRequestWasASignedGetSecretValue() {
        assertThat(secretsManager.refused()).isEmpty();
    }

    @Test
    void wholeSecretStringsAndJsonKeysResolveEachSecretFetchedOnce() {
        int rdsBefore = secretsManager.requests(RDS);
        int registryBefore = secretsManager.requests(REGISTRY);

        JobConfig config = loader.parse(CONFIG, "job.yaml", List.of());

        assertThat(config.jdbcSink().username()).isEqualTo("harbinger_writer");
        assertThat(config.jdbcSink().password().reveal()).isEqualTo(RDS_PASSWORD);
        assertThat(config.registry().password()).hasValueSatisfying(p -> assertThat(p.reveal()).isEqualTo(REGISTRY_PASSWORD));
        assertThat(config.input().kafka().properties().get("sasl.jaas.config")).isEqualTo(
                "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"harbinger_writer\""
                        + " password=\"" + RDS_PASSWORD + "\";");
        // four references to the RDS secret, one to the registry's: one GetSecretValue each
        assertThat(secretsManager.requests(RDS) - rdsBefore).isEqualTo(1);
        assertThat(secretsManager.requests(REGISTRY) - registryBefore).isEqualTo(1);
        // each request was signed for the region in its ARN
        assertThat(secretsManager.signingRegions()).contains("eu-west-1", "us-east-1");
        // nothing secret prints with the config
        assertThat(config.toString()).doesNotContain(RDS_PASSWORD).doesNotContain(REGISTRY_PASSWORD)
                .contains("sasl.jaas.config=******");
    }

    @Test
    void numbersAndBooleansOfAJsonSecretResolveAsText() {
        JobConfig config = loader.parse(CONFIG.replace("password: \"${secretsmanager:" + RDS + "#password}\"",
                                "password: \"${secretsmanager:" + RDS + "#password}\"\n    batch-size: \"${secretsmanager:"
                                        + RDS + "#port}\""),
                "job.yaml", List.of());

        assertThat(config.jdbcSink().batchSize()).isEqualTo(5432);
    }

    @Test
    void everyFailureIsReportedAtOnceWithKeyFileAndReferenceButNoSecretValue() {
        String yaml = CONFIG
                .replace("username: reader, password: \"${secretsmanager:" + REGISTRY + "}\"",
                        "username: reader, password: \"${secretsmanager:" + MISSING + "}\"")
                .replace("username: \"${secretsmanager:" + RDS + "#username}\"",
                        "username: \"${secretsmanager:" + DENIED + "#username}\"")
                .replace("password: \"${secretsmanager:" + RDS + "#password}\"",
                        "password: \"${secretsmanager:" + RDS + "#passwd}\"")
                .replace("transactional-id-prefix: tx", "transactional-id-prefix: \"${secretsmanager:" + PLAIN
                        + "#prefix}\"")
                .replace("aggregates-topic: agg", "aggregates-topic: \"${secretsmanager:" + BINARY + "}\"")
                .replace("anomalies-topic: anom", "anomalies-topic: \"${secretsmanager:harbinger/postgres-writer}\"")
                .replace("dead-letter-topic: dlq", "dead-letter-topic: \"${secretsmanager:arn:aws:s3:::harbinger-artifacts}\"")
                .replace("late-events-topic: late", "late-events-topic: \"${secretsmanager:" + RDS + "#}\"")
                .replace("group-id: g", "group-id: \"${secretsmanager:" + NESTED + "#outer}\"")
                .replace("topics: [raw]", "topics: [\"${secretsmanager:" + NESTED + "#none}\"]");
        int deniedBefore = secretsManager.requests(DENIED);

        ConfigException e = configError(() -> loader.parse(yaml, "jobs-config/prod.yaml", List.of()));

        assertThat(e.getMessage()).startsWith("Invalid job configuration (jobs-config/prod.yaml):");
        assertThat(e.problems()).containsExactlyInAnyOrder(
                "registry.password: Secrets Manager secret " + MISSING + " (from ${secretsmanager:" + MISSING
                        + "}) does not exist (ResourceNotFoundException: Secrets Manager can't find the specified"
                        + " secret.)",
                "sinks.jdbc.username: Secrets Manager secret " + DENIED + " (from ${secretsmanager:" + DENIED
                        + "#username}) may not be read by the job's AWS credentials (AccessDeniedException: User:"
                        + " arn:aws:sts::123456789012:assumed-role/harbinger-stream-msf/test is not authorized to"
                        + " perform: secretsmanager:GetSecretValue on resource: " + DENIED + " because no"
                        + " identity-based policy allows the secretsmanager:GetSecretValue action); the role needs"
                        + " secretsmanager:GetSecretValue on this secret, and kms:Decrypt on its KMS key if that key"
                        + " is customer-managed",
                "sinks.jdbc.password: Secrets Manager secret " + RDS + " (from ${secretsmanager:" + RDS
                        + "#passwd}) has no JSON key \"passwd\" (its keys: username, password, engine, host, port,"
                        + " dbname)",
                "sinks.kafka.transactional-id-prefix: Secrets Manager secret " + PLAIN + " (from ${secretsmanager:"
                        + PLAIN + "#prefix}) is not a JSON object, so it has no key \"prefix\"; leave out #prefix to"
                        + " use the whole SecretString",
                "sinks.kafka.aggregates-topic: Secrets Manager secret " + BINARY + " (from ${secretsmanager:" + BINARY
                        + "}) holds binary data only (SecretBinary); only a SecretString can be referenced",
                "sinks.kafka.anomalies-topic: ${secretsmanager:harbinger/postgres-writer} does not name a Secrets"
                        + " Manager secret by its ARN; expected"
                        + " ${secretsmanager:arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME}, optionally followed"
                        + " by #json-key",
                "sinks.kafka.dead-letter-topic: ${secretsmanager:arn:aws:s3:::harbinger-artifacts} does not name a"
                        + " Secrets Manager secret by its ARN; expected"
                        + " ${secretsmanager:arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME}, optionally followed"
                        + " by #json-key",
                "sinks.kafka.late-events-topic: ${secretsmanager:" + RDS + "#} has nothing after #; name a key of"
                        + " the secret's JSON (e.g. #password) or leave out the # to use the whole SecretString",
                "source.kafka.group-id: Secrets Manager secret " + NESTED + " (from ${secretsmanager:" + NESTED
                        + "#outer}) holds an object under JSON key \"outer\", not a single value",
                "source.kafka.topics[0]: Secrets Manager secret " + NESTED + " (from ${secretsmanager:" + NESTED
                        + "#none}) holds null under JSON key \"none\", not a single value");
        assertThat(secretsManager.requests(DENIED) - deniedBefore).isEqualTo(1);
        assertThat(LogCapture.stackTrace(e)).doesNotContain(ALL_VALUES).doesNotContain(RDS_JSON).doesNotContain("binary-only");
    }

    @Test
    void anUnreachableEndpointIsAnErrorWithinTheBoundsNotAHang() throws IOException {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = probe.getLocalPort();
        }
        String yaml = CONFIG.replace("${secretsmanager:" + REGISTRY + "}", "${secretsmanager:" + PLAIN + "}");

        long start = System.nanoTime();
        ConfigException e = withEndpoint("http://127.0.0.1:" + closedPort,
                () -> configError(() -> loader.parse(yaml, "job.yaml", List.of())));
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        // Connection refused: the default bounds (3 attempts with backoff, 30 s at most) end it in seconds.
        assertThat(tookMs).isLessThan(30_000);
        assertThat(e.problems()).hasSize(5).allSatisfy(p -> assertThat(p)
                .contains(") could not be read: no answer from Secrets Manager in eu-west-1 at http://127.0.0.1:"
                        + closedPort + " (ConnectException: Connection refused; 3 attempts)"));
        assertThat(e.problems()).anySatisfy(p -> assertThat(p).startsWith("sinks.jdbc.password: Secrets Manager secret "
                + RDS + " (from ${secretsmanager:" + RDS + "#password})"));
    }

    @Test
    void anEndpointThatNeverAnswersIsCutOffByTheTimeouts() throws Exception {
        JobConfigLoader impatient = new JobConfigLoader(Map.of(), new SecretsManagerReferences.Limits(
                Duration.ofSeconds(1), Duration.ofMillis(500), Duration.ofSeconds(3), 2));
        List<Socket> accepted = java.util.Collections.synchronizedList(new ArrayList<>());
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        accepted.add(silent.accept()); // read nothing, answer nothing
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            }, "silent-secrets-manager");
            acceptor.setDaemon(true);
            acceptor.start();
            String yaml = CONFIG.replace("${secretsmanager:" + REGISTRY + "}", "${secretsmanager:" + PLAIN + "}");

            long start = System.nanoTime();
            ConfigException e = withEndpoint("http://127.0.0.1:" + silent.getLocalPort(),
                    () -> configError(() -> impatient.parse(yaml, "job.yaml", List.of())));
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            // two secrets, each at most one 3 s call of two attempts (each attempt a connection of its own)
            assertThat(tookMs).isLessThan(10_000);
            assertThat(accepted).hasSizeBetween(2, 4);
            assertThat(e.problems()).hasSize(5).allSatisfy(p -> assertThat(p).contains(
                    ") could not be read: no answer from Secrets Manager in eu-west-1 at http://127.0.0.1:"
                            + silent.getLocalPort()).containsAnyOf(
                    " (SocketTimeoutException: Read timed out; 2 attempts)", " within 3000 ms"));
        } finally {
            synchronized (accepted) {
                for (Socket s : accepted) {
                    s.close();
                }
            }
        }
    }

    @Test
    void noSecretValueReachesAnyLogLineAtAnyLevel() {
        LogCapture capture = LogCapture.begin(Level.ALL);
        JobConfig config;
        ConfigException failure;
        try {
            config = loader.parse(CONFIG, "job.yaml", List.of());
            failure = configError(() -> loader.parse(CONFIG.replace(RDS + "#password", PLAIN + "#password")
                    .replace(RDS + "#username", DENIED), "job.yaml", List.of()));
        } finally {
            capture.finish();
        }

        assertThat(config.jdbcSink().password().reveal()).isEqualTo(RDS_PASSWORD);
        assertThat(failure).isNotNull();
        List<String> lines = capture.lines();
        // the SDK's own DEBUG logging was on, and the job's INFO line names the secrets it read
        assertThat(lines).anyMatch(l -> l.startsWith("software.amazon.awssdk"));
        assertThat(lines).anyMatch(l -> l.contains("Read Secrets Manager secret " + RDS + " (version "));
        for (String line : lines) {
            assertThat(line).doesNotContain(ALL_VALUES).doesNotContain(RDS_JSON);
        }
        assertThat(config.toString()).doesNotContain(ALL_VALUES);
        assertThat(LogCapture.stackTrace(failure)).doesNotContain(ALL_VALUES);
    }

    @Test
    void referencesResolveThroughTheManagedServicePropertyGroupsAndProblemsNameGroupAndKey() {
        Map<String, Properties> groups = new java.util.LinkedHashMap<>();
        groups.put("job", props("name", "msf"));
        groups.put("source", props("type", "kinesis"));
        groups.put("source.kinesis", props("streams", "s", "region", "eu-west-1"));
        groups.put("registry", props("url", "https://r:8081", "username", "reader",
                "password", "${secretsmanager:" + REGISTRY + "}"));
        groups.put("window", props("size", "5m"));
        groups.put("sinks.kafka", props("bootstrap-servers", "b:9098", "aggregates-topic", "a", "anomalies-topic", "b",
                "dead-letter-topic", "c", "late-events-topic", "d", "transactional-id-prefix", "tx"));
        groups.put("sinks.jdbc", props("url", "jdbc:postgresql://db/x", "username", "${secretsmanager:" + RDS + "#username}",
                "password", "${secretsmanager:" + RDS + "#password}"));
        int before = secretsManager.requests(RDS);

        JobConfig config = MsfPropertyGroups.load(loader, groups, "msf.json", List.of());

        assertThat(config.jdbcSink().username()).isEqualTo("harbinger_writer");
        assertThat(config.jdbcSink().password().reveal()).isEqualTo(RDS_PASSWORD);
        assertThat(config.registry().password()).hasValueSatisfying(p -> assertThat(p.reveal()).isEqualTo(REGISTRY_PASSWORD));
        assertThat(secretsManager.requests(RDS) - before).isEqualTo(1);

        groups.get("sinks.jdbc").setProperty("password", "${secretsmanager:" + MISSING + "#password}");
        ConfigException e = configError(() -> MsfPropertyGroups.load(loader, groups, "msf.json", List.of()));
        assertThat(e.getMessage()).startsWith("Invalid job configuration (msf.json, runtime property groups):");
        assertThat(e.problems()).containsExactly("property group sinks.jdbc, key password: Secrets Manager secret "
                + MISSING + " (from ${secretsmanager:" + MISSING + "#password}) does not exist"
                + " (ResourceNotFoundException: Secrets Manager can't find the specified secret.)");
        assertThat(LogCapture.stackTrace(e)).doesNotContain(ALL_VALUES);
    }

    @Test
    void anOverrideReplacesAReferenceBeforeItIsResolved() {
        int before = secretsManager.requests(MISSING);

        JobConfig config = loader.parse(CONFIG.replace("password: \"${secretsmanager:" + RDS + "#password}\"",
                        "password: \"${secretsmanager:" + MISSING + "#password}\""), "job.yaml",
                List.of("sinks.jdbc.password=${secretsmanager:" + REGISTRY + "}"));

        assertThat(config.jdbcSink().password().reveal()).isEqualTo(REGISTRY_PASSWORD);
        assertThat(secretsManager.requests(MISSING)).isEqualTo(before);
    }

    /** The ConfigException that loading throws (failing the test if it throws none). */
    private static ConfigException configError(ThrowingCallable load) {
        ConfigException e = catchThrowableOfType(ConfigException.class, load);
        assertThat(e).as("a ConfigException").isNotNull();
        return e;
    }

    private static <T> T withEndpoint(String endpoint, java.util.function.Supplier<T> call) {
        String previous = System.getProperty("aws.endpointUrlSecretsManager");
        System.setProperty("aws.endpointUrlSecretsManager", endpoint);
        try {
            return call.get();
        } finally {
            System.setProperty("aws.endpointUrlSecretsManager", previous);
        }
    }

    private static Properties props(String... kv) {
        Properties p = new Properties();
        for (int i = 0; i < kv.length; i += 2) {
            p.setProperty(kv[i], kv[i + 1]);
        }
        return p;
    }
}
