package io.harbinger.stream.config;

import io.harbinger.stream.config.JobConfig.EfoRegistration;
import io.harbinger.stream.config.JobConfig.KinesisRecordPublisher;
import io.harbinger.stream.config.JobConfig.KinesisSourceSettings;
import io.harbinger.stream.config.JobConfig.KinesisStartingPosition;
import io.harbinger.stream.config.JobConfig.SourceType;
import io.harbinger.stream.source.KinesisEventSource;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** source.type: kinesis and source.kinesis.*: binding, defaults, every rule, and the connector properties. */
class KinesisSourceConfigTest {

    private final JobConfigLoader loader = new JobConfigLoader(Map.of(
            "KINESIS_ENDPOINT", "http://127.0.0.1:4567", "KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092",
            "SCHEMA_REGISTRY_URL", "http://127.0.0.1:8081", "POSTGRES_JDBC_URL", "jdbc:postgresql://h/db",
            "POSTGRES_USER", "u", "POSTGRES_PASSWORD", "p", "CHECKPOINT_DIR", "file:///tmp/cp"));

    private JobConfig parse(String source) {
        return loader.parse("job: {name: test}\n" + source + JobConfigLoaderTest.ALL_BUT_JOB_AND_SOURCE, "test.yaml", List.of());
    }

    @Test
    void minimalKinesisSourceTakesTheDefaultsAndNeedsNoKafkaSource() {
        JobConfig config = parse("""
                source:
                  type: kinesis
                  kinesis: {streams: [raw], region: eu-west-1}
                """);
        KinesisSourceSettings k = config.input().kinesis();
        assertThat(config.input().type()).isEqualTo(SourceType.KINESIS);
        assertThat(config.input().kafka()).isNull();
        assertThat(k.streams()).containsExactly("raw");
        assertThat(k.startingPosition()).isEqualTo(KinesisStartingPosition.LATEST);
        assertThat(k.recordPublisher()).isEqualTo(KinesisRecordPublisher.POLLING);
        assertThat(k.pollingInterval()).isEqualTo(Duration.ofMillis(200));
        assertThat(k.pollingMaxRecords()).isEqualTo(10_000);
        assertThat(k.endpoint()).isEmpty();

        Properties p = KinesisEventSource.consumerProperties(k);
        assertThat(p).containsEntry("aws.region", "eu-west-1")
                .containsEntry("aws.credentials.provider", "AUTO")
                .containsEntry("flink.stream.initpos", "LATEST")
                .containsEntry("flink.stream.recordpublisher", "POLLING")
                .containsEntry("flink.shard.getrecords.intervalmillis", "200")
                .containsEntry("flink.shard.getrecords.maxrecordcount", "10000")
                .containsEntry("flink.shard.discovery.intervalmillis", "10000")
                .doesNotContainKey("aws.endpoint");
    }

    @Test
    void enhancedFanOutAtATimestampWithAnEndpointBecomesConnectorProperties() {
        JobConfig config = parse("""
                source:
                  type: kinesis
                  kinesis:
                    streams: "a, b"
                    region: us-east-1
                    endpoint: http://127.0.0.1:4567
                    starting-position: at-timestamp
                    starting-timestamp: 2024-03-01T12:00:00Z
                    record-publisher: efo
                    efo: {consumer-name: harbinger, registration: eager}
                    properties: {flink.stream.efo.http-client.read-timeout: "60000"}
                """);
        KinesisSourceSettings k = config.input().kinesis();
        assertThat(k.streams()).containsExactly("a", "b");
        assertThat(k.startingTimestamp()).contains(Instant.parse("2024-03-01T12:00:00Z"));
        assertThat(k.efoRegistration()).isEqualTo(EfoRegistration.EAGER);

        Properties p = KinesisEventSource.consumerProperties(k);
        assertThat(p).containsEntry("aws.endpoint", "http://127.0.0.1:4567")
                .containsEntry("flink.stream.initpos", "AT_TIMESTAMP")
                .containsEntry("flink.stream.initpos.timestamp", "2024-03-01T12:00:00.000Z")
                .containsEntry("flink.stream.recordpublisher", "EFO")
                .containsEntry("flink.stream.efo.consumername", "harbinger")
                .containsEntry("flink.stream.efo.registration", "EAGER")
                .containsEntry("flink.stream.efo.http-client.read-timeout", "60000")
                .doesNotContainKey("flink.shard.getrecords.intervalmillis");
    }

    @Test
    void everyKinesisProblemIsNamedWithItsKey() {
        assertThatThrownBy(() -> parse("""
                source:
                  type: kinesis
                  kafka: {bootstrap-servers: "k:9092", topics: [raw], group-id: g}
                  kinesis:
                    endpoint: "localhost:4567"
                    starting-position: at-timestamp
                    record-publisher: efo
                    polling: {max-records: 20000, interval: soon}
                    properties: {aws.credentials.provider.basic.secretkey: x}
                    shard-discovery: 1s
                """))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("Invalid job configuration (test.yaml):")
                .hasMessageContaining("source.kafka: not used when source.type is kinesis; remove it")
                .hasMessageContaining("source.kinesis.streams: is required")
                .hasMessageContaining("source.kinesis.region: is required")
                .hasMessageContaining("source.kinesis.endpoint: expected an http:// or https:// URL, got \"localhost:4567\"")
                .hasMessageContaining("source.kinesis.starting-timestamp: is required when starting-position is at-timestamp")
                .hasMessageContaining("source.kinesis.efo.consumer-name: is required when record-publisher is efo")
                .hasMessageContaining("source.kinesis.polling.max-records: must be at most 10000")
                .hasMessageContaining("source.kinesis.polling.interval: expected a duration")
                .hasMessageContaining("source.kinesis.properties.aws.credentials.provider.basic.secretkey: credentials never go in the config")
                .hasMessageContaining("source.kinesis.shard-discovery: unknown key");
    }

    @Test
    void aTimestampWithoutAtTimestampAndAKinesisSectionOnAKafkaJobAreRejected() {
        assertThatThrownBy(() -> parse("""
                source:
                  type: kinesis
                  kinesis: {streams: [raw], region: r, starting-position: trim-horizon,
                            starting-timestamp: 2024-01-01T00:00:00Z, record-publisher: sideways}
                """)).hasMessageContaining(
                        "source.kinesis.starting-timestamp: is only used with starting-position at-timestamp")
                .hasMessageContaining("source.kinesis.record-publisher: must be one of [polling, efo], got \"sideways\"");
        assertThatThrownBy(() -> parse("""
                source:
                  kafka: {bootstrap-servers: "k:9092", topics: [raw], group-id: g}
                  kinesis: {streams: [raw], region: r}
                """)).hasMessageContaining("source.kinesis: not used when source.type is kafka; remove it");
    }

    @Test
    void shippedKinesisLocalConfigLoads() {
        JobConfig config = loader.load(Path.of("jobs-config/kinesis-local.yaml"), List.of());
        assertThat(config.input().kinesis().endpoint()).contains("http://127.0.0.1:4567");
        assertThat(config.input().kinesis().startingPosition()).isEqualTo(KinesisStartingPosition.TRIM_HORIZON);
    }
}
