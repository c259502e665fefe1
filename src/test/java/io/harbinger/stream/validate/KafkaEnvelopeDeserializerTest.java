package io.harbinger.stream.validate;

import io.harbinger.events.EventType;
import io.harbinger.events.GeopoliticalEvent;
import io.harbinger.stream.config.JobConfig.MetricsSettings;
import io.harbinger.stream.config.JobConfig.RegistrySettings;
import io.harbinger.stream.config.JobConfig.ValidationSettings;
import io.harbinger.stream.records.Envelope;
import io.harbinger.stream.records.RawRecord;
import io.harbinger.stream.records.Reason;
import io.harbinger.stream.registry.AvroWireEncoder;
import io.harbinger.stream.registry.RegistryUnavailableException;
import io.harbinger.stream.registry.SchemaRegistryClient;
import io.harbinger.stream.toolkit.services.LocalSchemaRegistry;

import org.apache.flink.api.common.functions.util.ListCollector;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.util.InstantiationUtil;
import org.apache.flink.util.SimpleUserCodeClassLoader;
import org.apache.flink.util.UserCodeClassLoader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static io.harbinger.stream.testing.TestEvents.T0;
import static io.harbinger.stream.testing.TestEvents.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link KafkaEnvelopeDeserializer}: every Kafka record comes out whole as a {@link RawRecord}, and
 * deserialize turns good records into valid envelopes and bad ones into rejected envelopes that name the
 * record; only a registry outage escapes as an exception.
 */
class KafkaEnvelopeDeserializerTest {
    private static final String TOPIC = "raw-events";
    private static final byte[] BINARY_JUNK = {0, (byte) 0xff, (byte) 0xfe, (byte) 0xc3, (byte) 0x28};
    private static final EventValidator RULES = new EventValidator(
            new ValidationSettings(Instant.parse("2015-01-01T00:00:00Z"), Duration.ofMinutes(5), 1 << 20),
            Clock.fixed(Instant.ofEpochMilli(T0).plusSeconds(3600), ZoneOffset.UTC));

    private LocalSchemaRegistry registry;
    private SchemaRegistryClient client;
    private int schemaId;

    @BeforeEach
    void setUp() {
        registry = LocalSchemaRegistry.start();
        schemaId = registry.register(TOPIC + "-value", GeopoliticalEvent.getClassSchema());
        client = new SchemaRegistryClient(new RegistrySettings(registry.url(), Optional.empty(), Optional.empty(),
                100, Duration.ofSeconds(5), 1, Duration.ofMillis(10), Duration.ofMinutes(1)));
    }

    @AfterEach
    void tearDown() {
        registry.close();
    }

    @Test
    void toRawKeepsEverythingAboutTheRecord() {
        RecordHeaders headers = new RecordHeaders();
        headers.add(new RecordHeader("trace-id", "abc".getBytes(StandardCharsets.UTF_8)));
        headers.add(new RecordHeader("binary", BINARY_JUNK));
        headers.add(new RecordHeader("no-value", (byte[]) null));
        headers.add(new RecordHeader("trace-id", "second".getBytes(StandardCharsets.UTF_8))); // repeated key
        byte[] key = {1, 2, 3};
        byte[] value = {0, 0, 0, 0, 1, 9, 9};

        RawRecord raw = KafkaEnvelopeDeserializer.toRaw(record(7, 123_456_789L, T0, key, value, headers));

        assertThat(raw.source).isEqualTo(TOPIC);
        assertThat(raw.partition).isEqualTo("7");
        assertThat(raw.position).isEqualTo("123456789");
        assertThat(raw.timestamp).isEqualTo(T0);
        assertThat(raw.key).containsExactly(key);
        assertThat(raw.value).containsExactly(value);
        assertThat(raw.headerKeys).containsExactly("trace-id", "binary", "no-value", "trace-id");
        assertThat(raw.headerValues[0]).containsExactly("abc".getBytes(StandardCharsets.UTF_8));
        assertThat(raw.headerValues[1]).containsExactly(BINARY_JUNK);
        assertThat(raw.headerValues[2]).isNull();
        assertThat(raw.headerValues[3]).containsExactly("second".getBytes(StandardCharsets.UTF_8));
        assertThat(raw.describe()).isEqualTo("raw-events/7@123456789");
    }

    @Test
    void toRawOfARecordWithoutKeyValueHeadersOrTimestamp() {
        RawRecord raw = KafkaEnvelopeDeserializer.toRaw(record(0, 0, ConsumerRecord.NO_TIMESTAMP, null, null,
                new RecordHeaders()));
        assertThat(raw.key).isNull();
        assertThat(raw.value).isNull();
        assertThat(raw.timestamp).isEqualTo(-1);
        assertThat(raw.headerKeys).isEmpty();
        assertThat(raw.headerValues).isEmpty();
    }

    @Test
    void aValidEnvelopeLeavesTheOptionalFieldsToTheOriginalBytes() throws Exception {
        KafkaEnvelopeDeserializer deserializer = opened();
        GeopoliticalEvent event = GeopoliticalEvent.newBuilder(event("e-2", "UA", EventType.CONFLICT, 0.75, T0))
                .setSourceUrl("https://example.org/a-long-article-url").setNumMentions(12).setGoldsteinScale(-5.0)
                .build();
        byte[] value = encode(event);

        Envelope envelope = deserializeOne(deserializer, record(0, 7, T0, null, value, new RecordHeaders()));

        assertThat(envelope.isValid()).isTrue();
        assertThat(envelope.event.getSourceUrl()).isNull();
        assertThat(envelope.event.getNumMentions()).isNull();
        assertThat(envelope.event.getGoldsteinScale()).isNull();
        assertThat(envelope.event.getEventId()).isEqualTo("e-2");
        assertThat(envelope.raw.value).as("the original bytes, optional fields included").containsExactly(value);
    }

    @Test
    void aGoodRecordBecomesAValidEnvelope() throws Exception {
        KafkaEnvelopeDeserializer deserializer = opened();
        GeopoliticalEvent event = event("e-1", "UA", EventType.CONFLICT, 0.75, T0);
        RecordHeaders headers = new RecordHeaders();
        headers.add("trace-id", "t1".getBytes(StandardCharsets.UTF_8));
        byte[] value = encode(event);

        Envelope envelope = deserializeOne(deserializer, record(2, 41, T0 + 10, "k".getBytes(), value, headers));

        assertThat(envelope.isValid()).isTrue();
        assertThat(envelope.reason).isNull();
        assertThat(envelope.event).isEqualTo(event);
        assertThat(envelope.raw.describe()).isEqualTo("raw-events/2@41");
        assertThat(envelope.raw.timestamp).isEqualTo(T0 + 10);
        assertThat(envelope.raw.value).containsExactly(value);
        assertThat(envelope.raw.headerKeys).containsExactly("trace-id");
    }

    @Test
    void aBadRecordBecomesARejectedEnvelopeThatNamesIt() throws Exception {
        KafkaEnvelopeDeserializer deserializer = opened();
        byte[] json = "{\"event_id\":\"e-1\"}".getBytes(StandardCharsets.UTF_8);

        Envelope envelope = deserializeOne(deserializer, record(3, 1234, T0, null, json, new RecordHeaders()));

        assertThat(envelope.isValid()).isFalse();
        assertThat(envelope.event).isNull();
        assertThat(envelope.reason).isEqualTo(Reason.NOT_WIRE_FORMAT);
        assertThat(envelope.message).startsWith("magic byte is 0x7b").endsWith("[raw-events/3@1234]");
        assertThat(envelope.raw.value).containsExactly(json);
    }

    @Test
    void anEventBreakingABusinessRuleIsRejectedToo() throws Exception {
        KafkaEnvelopeDeserializer deserializer = opened();
        byte[] value = encode(event("e-2", "XX", EventType.PROTEST, 0.5, T0));

        Envelope envelope = deserializeOne(deserializer, record(0, 5, T0, null, value, new RecordHeaders()));

        assertThat(envelope.reason).isEqualTo(Reason.INVALID_COUNTRY_CODE);
        assertThat(envelope.message).contains("\"XX\"").endsWith("[raw-events/0@5]");
    }

    @Test
    void goodAndBadRecordsInterleaveOnOneDeserializer() throws Exception {
        KafkaEnvelopeDeserializer deserializer = opened();
        List<Envelope> out = new ArrayList<>();
        ListCollector<Envelope> collector = new ListCollector<>(out);
        deserializer.deserialize(record(0, 0, T0, null, encode(event("a", "UA", EventType.CONFLICT, 0.1, T0)),
                new RecordHeaders()), collector);
        deserializer.deserialize(record(0, 1, T0, null, new byte[0], new RecordHeaders()), collector);
        deserializer.deserialize(record(0, 2, T0, null, null, new RecordHeaders()), collector);
        byte[] good = encode(event("b", "DE", EventType.PROTEST, 0.2, T0));
        byte[] truncated = java.util.Arrays.copyOf(good, good.length - 2);
        deserializer.deserialize(record(0, 3, T0, null, truncated, new RecordHeaders()), collector);
        deserializer.deserialize(record(0, 4, T0, null, good, new RecordHeaders()), collector);

        assertThat(out).extracting(e -> e.reason).containsExactly(
                null, Reason.EMPTY_VALUE, Reason.EMPTY_VALUE, Reason.UNDECODABLE_AVRO, null);
        assertThat(out.get(2).message).isEqualTo("value is null [raw-events/0@2]");
        assertThat(out.get(4).event.getEventId()).isEqualTo("b");
    }

    @Test
    void aRegistryOutageFailsTheTaskInsteadOfRejectingTheRecord() throws Exception {
        KafkaEnvelopeDeserializer deserializer = opened();
        byte[] value = encode(event("e-3", "UA", EventType.CONFLICT, 0.5, T0));
        registry.setAvailable(false);

        List<Envelope> out = new ArrayList<>();
        assertThatThrownBy(() -> deserializer.deserialize(record(0, 9, T0, null, value, new RecordHeaders()),
                new ListCollector<>(out)))
                .isInstanceOf(RegistryUnavailableException.class)
                .hasMessageContaining("unavailable after 2 attempts");
        assertThat(out).isEmpty();
    }

    @Test
    void theDeserializerSurvivesJavaSerializationAsFlinkShipsIt() throws Exception {
        // KafkaSource carries the deserializer (and its registry client) into the job graph.
        KafkaEnvelopeDeserializer copy = InstantiationUtil.clone(
                new KafkaEnvelopeDeserializer(client, RULES, 1 << 20, MetricsSettings.CLUSTER));
        copy.open(context());
        byte[] value = encode(event("e-4", "UA", EventType.CONFLICT, 0.5, T0));
        assertThat(deserializeOne(copy, record(0, 1, T0, null, value, new RecordHeaders())).isValid()).isTrue();
        assertThat(copy.getProducedType().getTypeClass()).isEqualTo(Envelope.class);
    }

    // ---------------------------------------------------------------------------------------------

    private KafkaEnvelopeDeserializer opened() {
        KafkaEnvelopeDeserializer deserializer =
                new KafkaEnvelopeDeserializer(client, RULES, 1 << 20, MetricsSettings.CLUSTER);
        deserializer.open(context());
        return deserializer;
    }

    private static DeserializationSchema.InitializationContext context() {
        return new DeserializationSchema.InitializationContext() {
            @Override
            public MetricGroup getMetricGroup() {
                return new UnregisteredMetricsGroup();
            }

            @Override
            public UserCodeClassLoader getUserCodeClassLoader() {
                return SimpleUserCodeClassLoader.create(KafkaEnvelopeDeserializerTest.class.getClassLoader());
            }
        };
    }

    private static Envelope deserializeOne(KafkaEnvelopeDeserializer deserializer,
                                           ConsumerRecord<byte[], byte[]> record) throws Exception {
        List<Envelope> out = new ArrayList<>();
        deserializer.deserialize(record, new ListCollector<>(out));
        assertThat(out).hasSize(1);
        return out.get(0);
    }

    private byte[] encode(GeopoliticalEvent event) {
        return AvroWireEncoder.specific(GeopoliticalEvent.getClassSchema(), schemaId).encode(event);
    }

    private static ConsumerRecord<byte[], byte[]> record(int partition, long offset, long timestamp, byte[] key,
                                                         byte[] value, RecordHeaders headers) {
        return new ConsumerRecord<>(TOPIC, partition, offset, timestamp,
                timestamp < 0 ? TimestampType.NO_TIMESTAMP_TYPE : TimestampType.CREATE_TIME,
                key == null ? -1 : key.length, value == null ? -1 : value.length, key, value, headers,
                Optional.empty());
    }
}
