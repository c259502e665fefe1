package io.harbinger.stream.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The rules of {@link CrossKeyRules} (and the single-key checks docs/configuration.md lists with them) that
 * JobConfigLoaderTest and KinesisSourceConfigTest do not already cover, each by its exact message.
 */
class CrossKeyRulesTest {
    private static final String MINIMAL = "job: {name: test}\nsource:\n"
            + "  kafka: {bootstrap-servers: \"k:9092\", topics: [raw], group-id: g}\n"
            + JobConfigLoaderTest.ALL_BUT_JOB_AND_SOURCE;

    private final JobConfigLoader loader = new JobConfigLoader(Map.of());

    private List<String> problems(String yaml, String... overrides) {
        try {
            loader.parse(yaml, "f.yaml", List.of(overrides));
        } catch (ConfigException e) {
            return e.problems();
        }
        throw new AssertionError("the config loaded: " + List.of(overrides));
    }

    @Test
    void lowerBoundsAndTheCheckpointTimeoutAreCheckedOnceEveryKeyIsValid() {
        assertThat(problems(MINIMAL, "window.size=0s", "checkpoints.interval=5ms", "event-time.idleness=0ms",
                "checkpoints.timeout=2ms")).containsExactly(
                "window.size: must be longer than 0",
                "checkpoints.interval: must be at least 10ms (Flink's minimum)",
                "event-time.idleness: must be longer than 0, or an idle partition holds every window back",
                "checkpoints.timeout: shorter than checkpoints.interval; every slow checkpoint would be dropped");
        // stage 4 waits for stage 3: with a broken key, only that key is reported
        assertThat(problems(MINIMAL, "window.size=0s", "job.name=")).containsExactly("job.name: must not be empty");
    }

    @Test
    void deliveryIsExactlyOnceUnlessSetAndOnlyExactlyOnceChecksTheTransactionTimeout() throws Exception {
        assertThat(loader.parse(MINIMAL, "f.yaml", List.of()).job().delivery())
                .isEqualTo(JobConfig.Delivery.EXACTLY_ONCE);
        assertThat(loader.parse(MINIMAL, "f.yaml", List.of("job.delivery=at-least-once")).job().delivery())
                .isEqualTo(JobConfig.Delivery.AT_LEAST_ONCE);
        assertThatThrownBy(() -> loader.parse(MINIMAL, "f.yaml", List.of("job.delivery=exactly-twice")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("f.yaml")
                .hasMessageContaining("job.delivery: must be one of [exactly-once, at-least-once], got \"exactly-twice\"");

        String[] shortTimeout = {"sinks.kafka.transaction-timeout=1m", "checkpoints.interval=30s",
                "checkpoints.timeout=10m"};
        assertThat(problems(MINIMAL, shortTimeout)).containsExactly(
                "sinks.kafka.transaction-timeout: 1m is shorter than checkpoints.interval + checkpoints.timeout"
                        + " (630s); the broker would abort transactions of checkpoints still in flight");
        // without transactions the timeout is not used, so it is not held against the checkpoints
        List<String> atLeastOnce = new java.util.ArrayList<>(List.of(shortTimeout));
        atLeastOnce.add("job.delivery=at-least-once");
        assertThat(loader.parse(MINIMAL, "f.yaml", atLeastOnce).job().delivery())
                .isEqualTo(JobConfig.Delivery.AT_LEAST_ONCE);
    }

    @Test
    void silenceIsScoredByDefaultAndItsSpanMustHoldAWindow() throws Exception {
        JobConfig defaults = loader.parse(MINIMAL, "f.yaml", List.of());
        assertThat(defaults.anomaly().scoreSilence()).isTrue();
        assertThat(defaults.anomaly().silenceForgetAfter()).isEqualTo(java.time.Duration.ofDays(1));
        JobConfig set = loader.parse(MINIMAL, "f.yaml", List.of("anomaly.silence.enabled=false",
                "anomaly.silence.forget-after=2h"));
        assertThat(set.anomaly().scoreSilence()).isFalse();
        assertThat(set.anomaly().silenceForgetAfter()).isEqualTo(java.time.Duration.ofHours(2));

        assertThat(problems(MINIMAL, "window.size=15m", "anomaly.silence.forget-after=10m")).containsExactly(
                "anomaly.silence.forget-after: 10m is shorter than window.size (15m); a silent key would be"
                        + " forgotten before its first silent window is scored");
        assertThat(problems(MINIMAL, "anomaly.silence.enabled=maybe")).containsExactly(
                "anomaly.silence.enabled: expected true or false, got \"maybe\"");
        // switched off, the span is not used and not checked
        assertThat(loader.parse(MINIMAL, "f.yaml", List.of("window.size=15m", "anomaly.silence.forget-after=10m",
                "anomaly.silence.enabled=false")).anomaly().scoreSilence()).isFalse();
    }

    @Test
    void anOutputTopicThatTheTopicPatternMatchesIsAnInput() {
        assertThat(problems(MINIMAL, "source.kafka.topics=", "source.kafka.topic-pattern=(raw|dlq)"))
                .containsExactly("sinks.kafka.dead-letter-topic: \"dlq\" is also an input topic; the job would read"
                        + " its own output");
    }

    @Test
    void topicsOrPatternIsRequiredAndThePatternMustCompile() {
        assertThat(problems(MINIMAL, "source.kafka.topics=")).containsExactly(
                "source.kafka.topics: give exactly one of topics (a list) or topic-pattern (a regular expression)");
        assertThat(problems(MINIMAL, "source.kafka.topics=", "source.kafka.topic-pattern=raw(")).singleElement()
                .asString().startsWith("source.kafka.topic-pattern: not a valid regular expression: Unclosed group");
    }

    @Test
    void registryCredentialsAndStoresComeInPairs(@TempDir Path dir) throws Exception {
        Path keystore = Files.writeString(dir.resolve("client.p12"), "not read here");
        Path missing = dir.resolve("ca.p12");
        assertThat(problems(MINIMAL, "registry.username=reader", "registry.truststore-password=x",
                "registry.keystore-path=" + keystore)).containsExactly(
                "registry.truststore-password: given without truststore-path",
                "registry.keystore-password: is required with keystore-path (it also unlocks the key)",
                "registry.username: username and password go together: give both or neither");
        assertThat(problems(MINIMAL, "registry.password=p", "registry.truststore-path=" + missing)).containsExactly(
                "registry.truststore-path: file " + missing + " does not exist or cannot be read",
                "registry.username: username and password go together: give both or neither");
    }

    @Test
    void anEfoConsumerNameMustBeOneKinesisAccepts() {
        String kinesis = MINIMAL.replace("  kafka: {bootstrap-servers: \"k:9092\", topics: [raw], group-id: g}\n",
                "  type: kinesis\n  kinesis: {streams: [raw], region: eu-west-1}\n");
        assertThat(problems(kinesis, "source.kinesis.record-publisher=efo", "source.kinesis.efo.consumer-name=my app"))
                .containsExactly("source.kinesis.efo.consumer-name: must be 1 to 128 of [a-zA-Z0-9_.-] (a Kinesis"
                        + " consumer name), got \"my app\"");
        // the polling publisher registers no consumer, so its name is not checked
        assertThat(loader.parse(kinesis, "f.yaml", List.of("source.kinesis.efo.consumer-name=my app"))
                .input().kinesis().efoConsumerName()).contains("my app");
    }

    @Test
    void theJdbcUrlMustBePostgres() {
        assertThat(problems(MINIMAL, "sinks.jdbc.url=jdbc:mysql://db/x")).containsExactly(
                "sinks.jdbc.url: expected a PostgreSQL JDBC URL (jdbc:postgresql://host:port/db), got"
                        + " \"jdbc:mysql://db/x\"");
    }
}
