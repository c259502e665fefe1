package io.harbinger.stream.sink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.harbinger.curated.SeverityAggregate;
import io.harbinger.events.EventType;
import io.harbinger.stream.config.JobConfig.RegistrySettings;
import io.harbinger.stream.records.Envelope;
import io.harbinger.stream.records.RawRecord;
import io.harbinger.stream.records.Reason;
import io.harbinger.stream.records.WireFormat;
import io.harbinger.stream.registry.SchemaRegistryClient;
import io.harbinger.stream.registry.SchemaRegistryException;
import io.harbinger.stream.toolkit.services.LocalSchemaRegistry;
import io.harbinger.stream.validate.WireDecoder;

import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.functions.DefaultOpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.util.InstantiationUtil;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;

import static io.harbinger.stream.testing.TestEvents.T0;
import static io.harbinger.stream.testing.TestEvents.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The serializers of the Kafka outputs, checked on the record the one Kafka sink finally hands to the producer:
 * {@link DeadLetterSerializer} keeps the original record byte for byte and explains it in harbinger.* headers; {@link AvroRecordSerializer} registers its schema under
 * "{topic}-value" and writes wire-format Avro that a registry-aware reader decodes back.
 */
class SerializersTest {
    private static final String DLQ = "harbinger.dead-letters";
    private static final byte[] KEY = {0, (byte) 0xff, 'k', (byte) 0x80};
    private static final byte[] VALUE = {7, 0, 0, 0, 1, (byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) 0xef};
    private static final byte[] BINARY_JUNK = {0, (byte) 0xff, (byte) 0xfe, (byte) 0xc3, (byte) 0x28, 0x7f, 10};

    // ---------------------------------------------------------------------------------------------
    // DeadLetterSerializer

    @Test
    void aDeadLetterKeepsTheOriginalRecordAndSaysWhyAndWhereFrom() {
        RawRecord raw = new RawRecord("raw-events", "3", "1234", T0, KEY.clone(), VALUE.clone(),
                new String[] {"trace-id", "binary", "no-value"},
                new byte[][] {utf8("abc-123"), BINARY_JUNK.clone(), null});
        Envelope rejected = Envelope.rejected(raw, Reason.NOT_WIRE_FORMAT,
                "magic byte is 0x07, expected 0x00 (Confluent wire format) [raw-events/3@1234]");

        ProducerRecord<byte[], byte[]> out = new DeadLetterSerializer(DLQ).map(rejected).toProducerRecord();

        assertThat(out.topic()).isEqualTo(DLQ);
        assertThat(out.partition()).isNull();
        assertThat(out.key()).containsExactly(KEY);
        assertThat(out.value()).containsExactly(VALUE);
        // stamped when written, so retention counts from dead-lettering; the original time is in a header
        assertThat(out.timestamp()).isNull();
        assertThat(header(out, DeadLetterHeaders.SOURCE_TIMESTAMP)).isEqualTo(String.valueOf(T0));

        Header[] headers = out.headers().toArray();
        assertThat(headers).hasSize(3 + 6);
        // the originals first, in order, byte for byte (a null value stays null)
        assertThat(headers[0].key()).isEqualTo("trace-id");
        assertThat(headers[0].value()).containsExactly(utf8("abc-123"));
        assertThat(headers[1].key()).isEqualTo("binary");
        assertThat(headers[1].value()).containsExactly(BINARY_JUNK);
        assertThat(headers[2].key()).isEqualTo("no-value");
        assertThat(headers[2].value()).isNull();

        assertThat(header(out, DeadLetterHeaders.REASON)).isEqualTo("NOT_WIRE_FORMAT");
        assertThat(header(out, DeadLetterHeaders.MESSAGE))
                .isEqualTo("magic byte is 0x07, expected 0x00 (Confluent wire format) [raw-events/3@1234]");
        assertThat(header(out, DeadLetterHeaders.SOURCE_TOPIC)).isEqualTo("raw-events");
        assertThat(header(out, DeadLetterHeaders.SOURCE_PARTITION)).isEqualTo("3");
        assertThat(header(out, DeadLetterHeaders.SOURCE_OFFSET)).isEqualTo("1234");
        assertThat(header(out, DeadLetterHeaders.SOURCE_TIMESTAMP)).isEqualTo(String.valueOf(T0));

        // the envelope itself is untouched (it may be checkpointed or sent elsewhere)
        assertThat(raw.key).containsExactly(KEY);
        assertThat(raw.headerValues[1]).containsExactly(BINARY_JUNK);
    }

    @Test
    void aDeadLetterWithoutKeyValueOrHeaders() {
        RawRecord raw = new RawRecord("raw-events", "0", "7", T0, null, null, null, null);
        ProducerRecord<byte[], byte[]> out = new DeadLetterSerializer(DLQ)
                .map(Envelope.rejected(raw, Reason.EMPTY_VALUE, "value is null [raw-events/0@7]")).toProducerRecord();

        assertThat(out.key()).isNull();
        assertThat(out.value()).isNull();
        assertThat(out.headers().toArray()).extracting(Header::key).containsExactly(
                DeadLetterHeaders.REASON, DeadLetterHeaders.MESSAGE, DeadLetterHeaders.SOURCE_TOPIC,
                DeadLetterHeaders.SOURCE_PARTITION, DeadLetterHeaders.SOURCE_OFFSET,
                DeadLetterHeaders.SOURCE_TIMESTAMP);
        assertThat(header(out, DeadLetterHeaders.REASON)).isEqualTo("EMPTY_VALUE");
    }

    @Test
    void aRecordWithoutBrokerTimestampGetsTheProducersTime() {
        RawRecord raw = new RawRecord("raw-events", "0", "8", -1, KEY, VALUE, new String[0], new byte[0][]);
        ProducerRecord<byte[], byte[]> out = new DeadLetterSerializer(DLQ)
                .map(Envelope.rejected(raw, Reason.UNDECODABLE_AVRO, "x")).toProducerRecord();
        assertThat(out.timestamp()).isNull();
        assertThat(header(out, DeadLetterHeaders.SOURCE_TIMESTAMP)).isEqualTo("-1");
    }

    @Test
    void aLateEventKeepsItsRecordAndCarriesReasonLate() {
        RawRecord raw = new RawRecord("raw-events", "1", "99", T0 + 5, KEY, VALUE,
                new String[] {"h"}, new byte[][] {BINARY_JUNK});
        Envelope late = Envelope.valid(raw, event("e1", "UA", EventType.CONFLICT, 0.5, T0))
                .withReason(Reason.LATE, "event time is past the window's allowed lateness");

        ProducerRecord<byte[], byte[]> out = new DeadLetterSerializer("harbinger.late-events").map(late).toProducerRecord();

        assertThat(out.topic()).isEqualTo("harbinger.late-events");
        assertThat(out.value()).containsExactly(VALUE);
        assertThat(out.timestamp()).isNull();
        assertThat(out.headers().lastHeader("h").value()).containsExactly(BINARY_JUNK);
        assertThat(header(out, DeadLetterHeaders.REASON)).isEqualTo("LATE");
        assertThat(header(out, DeadLetterHeaders.SOURCE_OFFSET)).isEqualTo("99");
    }

    @Test
    void aReplayedDeadLetterKeepsItsOldHeadersAndTheNewestWinsOnLastHeader() {
        RawRecord raw = new RawRecord("harbinger.dead-letters", "0", "5", T0, KEY, VALUE,
                new String[] {DeadLetterHeaders.REASON, DeadLetterHeaders.SOURCE_TOPIC},
                new byte[][] {utf8("UNKNOWN_SCHEMA_ID"), utf8("raw-events")});
        ProducerRecord<byte[], byte[]> out = new DeadLetterSerializer(DLQ)
                .map(Envelope.rejected(raw, Reason.INCOMPATIBLE_SCHEMA, "again")).toProducerRecord();

        assertThat(out.headers().headers(DeadLetterHeaders.REASON)).extracting(h -> new String(h.value()))
                .containsExactly("UNKNOWN_SCHEMA_ID", "INCOMPATIBLE_SCHEMA");
        assertThat(header(out, DeadLetterHeaders.SOURCE_TOPIC)).isEqualTo("harbinger.dead-letters");
    }

    @Test
    void aKafkaOutputCrossesToTheSinkAsAPojoByteForByte() throws Exception {
        // The outputs travel from their stage to the one sink over Flink's network stack, without Kryo (the job
        // disables generic types); null keys, null header values and the absent timestamp must survive it.
        TypeInformation<KafkaOutput> type = TypeInformation.of(KafkaOutput.class);
        assertThat(type).isInstanceOf(PojoTypeInfo.class);
        ExecutionConfig noGenericTypes = new ExecutionConfig();
        noGenericTypes.disableGenericTypes();
        TypeSerializer<KafkaOutput> serializer = type.createSerializer(noGenericTypes.getSerializerConfig());
        RawRecord raw = new RawRecord("raw-events", "3", "1234", T0, null, VALUE.clone(),
                new String[] {"binary", "no-value"}, new byte[][] {BINARY_JUNK.clone(), null});
        KafkaOutput deadLetter = new DeadLetterSerializer(DLQ).map(Envelope.rejected(raw, Reason.NOT_WIRE_FORMAT, null));

        DataOutputSerializer out = new DataOutputSerializer(256);
        serializer.serialize(deadLetter, out);
        KafkaOutput received = serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));

        assertThat(received).isEqualTo(deadLetter);
        ProducerRecord<byte[], byte[]> record = received.toProducerRecord();
        assertThat(record.key()).isNull();
        assertThat(record.value()).containsExactly(VALUE);
        assertThat(record.timestamp()).isNull();
        assertThat(record.headers().toArray()).extracting(Header::key).containsExactly("binary", "no-value",
                DeadLetterHeaders.REASON, DeadLetterHeaders.MESSAGE, DeadLetterHeaders.SOURCE_TOPIC,
                DeadLetterHeaders.SOURCE_PARTITION, DeadLetterHeaders.SOURCE_OFFSET,
                DeadLetterHeaders.SOURCE_TIMESTAMP);
        assertThat(record.headers().lastHeader("binary").value()).containsExactly(BINARY_JUNK);
        assertThat(record.headers().lastHeader("no-value").value()).isNull();
        assertThat(record.headers().lastHeader(DeadLetterHeaders.MESSAGE).value()).isNull();
    }

    // ---------------------------------------------------------------------------------------------
    // AvroRecordSerializer

    private static final String AGGREGATES = "harbinger.severity-aggregates";

    private LocalSchemaRegistry registry;
    private SchemaRegistryClient client;

    @BeforeEach
    void startRegistry() {
        registry = LocalSchemaRegistry.start();
        client = new SchemaRegistryClient(settings(registry.url()));
    }

    @AfterEach
    void stopRegistry() {
        registry.close();
    }

    @Test
    void avroRecordsAreRegisteredUnderTopicValueAndDecodeBack() throws Exception {
        AvroRecordSerializer<SeverityAggregate> serializer = aggregatesSerializer(client);
        serializer.open(DefaultOpenContext.INSTANCE);

        assertThat(AvroRecordSerializer.subjectOf(AGGREGATES)).isEqualTo(AGGREGATES + "-value");
        JsonNode latest = getJson("/subjects/" + AGGREGATES + "-value/versions/latest");
        int id = latest.path("id").asInt();
        assertThat(new Schema.Parser().parse(latest.path("schema").asText()))
                .isEqualTo(SeverityAggregate.getClassSchema());
        assertThat(getJson("/subjects").toString()).isEqualTo("[\"" + AGGREGATES + "-value\"]");

        SeverityAggregate first = aggregate("UA", "CONFLICT", 0);
        SeverityAggregate second = aggregate("DE", "PROTEST", 1);
        ProducerRecord<byte[], byte[]> out1 = serializer.map(first).toProducerRecord();
        ProducerRecord<byte[], byte[]> out2 = serializer.map(second).toProducerRecord();

        assertThat(out1.topic()).isEqualTo(AGGREGATES);
        assertThat(out1.partition()).isNull();
        // no event-time record timestamp: time-based retention would delete a backfill's results at once
        assertThat(out1.timestamp()).isNull();
        assertThat(new String(out1.key(), StandardCharsets.UTF_8)).isEqualTo("UA|CONFLICT|" + T0);
        assertThat(new String(out2.key(), StandardCharsets.UTF_8)).isEqualTo("DE|PROTEST|" + T0);
        assertThat(WireFormat.headerProblem(out1.value())).isNull();
        assertThat(WireFormat.schemaId(out1.value())).isEqualTo(id);

        // a reader that knows nothing but the registry (a fresh client, so the schema is fetched by id)
        WireDecoder<SeverityAggregate> reader = new WireDecoder<>(
                new SchemaRegistryClient(settings(registry.url())), SeverityAggregate.getClassSchema(),
                Integer.MAX_VALUE);
        // the first value was not overwritten by the second (the encoder reuses its buffer)
        assertThat(reader.decode(out1.value())).isEqualTo(first);
        assertThat(reader.decode(out2.value())).isEqualTo(second);
        assertThat(registry.schemaByIdRequests()).isEqualTo(1);
    }

    @Test
    void reopeningDoesNotCreateANewVersion() throws Exception {
        aggregatesSerializer(client).open(DefaultOpenContext.INSTANCE);
        aggregatesSerializer(new SchemaRegistryClient(settings(registry.url()))).open(DefaultOpenContext.INSTANCE);
        assertThat(getJson("/subjects/" + AGGREGATES + "-value/versions").toString()).isEqualTo("[1]");
    }

    @Test
    void openFailsWhenTheRegistryRefusesTheSchema() {
        // Someone registered a record under the subject that the current schema cannot read (fields missing).
        Schema foreign = SchemaBuilder.record("SeverityAggregate").namespace("io.harbinger.curated").fields()
                .requiredString("country_code").endRecord();
        registry.register(AGGREGATES + "-value", foreign);

        assertThatThrownBy(() -> aggregatesSerializer(client).open(DefaultOpenContext.INSTANCE))
                .isInstanceOf(SchemaRegistryException.class)
                .hasMessageContaining("HTTP 409")
                .hasMessageContaining(AGGREGATES + "-value");
    }

    @Test
    void theSerializersSurviveJavaSerializationAsFlinkShipsThem() throws Exception {
        // Flink serializes the sink, its serialization schema and the registry client into the job graph.
        DeadLetterSerializer dlq = InstantiationUtil.clone(new DeadLetterSerializer(DLQ));
        assertThat(dlq.map(Envelope.rejected(new RawRecord("t", "0", "1", T0, KEY, VALUE, null, null),
                Reason.EMPTY_VALUE, "m")).toProducerRecord().value()).containsExactly(VALUE);

        AvroRecordSerializer<SeverityAggregate> copy = InstantiationUtil.clone(aggregatesSerializer(client));
        copy.open(DefaultOpenContext.INSTANCE);
        SeverityAggregate record = aggregate("FR", "ELECTION", 2);
        byte[] value = copy.map(record).toProducerRecord().value();
        assertThat(new WireDecoder<>(client, SeverityAggregate.getClassSchema(), Integer.MAX_VALUE).decode(value))
                .isEqualTo(record);
    }

    // ---------------------------------------------------------------------------------------------

    private static AvroRecordSerializer<SeverityAggregate> aggregatesSerializer(SchemaRegistryClient client) {
        return new AvroRecordSerializer<>(AGGREGATES, SeverityAggregate.getClassSchema(), client,
                a -> a.getCountryCode() + "|" + a.getEventType() + "|" + a.getWindowStart());
    }

    private static SeverityAggregate aggregate(String country, String type, int revision) {
        return SeverityAggregate.newBuilder()
                .setCountryCode(country)
                .setEventType(type)
                .setWindowStart(T0)
                .setWindowEnd(T0 + 60_000)
                .setCount(3)
                .setSeveritySum(1.5)
                .setSeverityMean(0.5)
                .setSeverityMin(0.25)
                .setSeverityMax(0.75)
                .setSeverityStddev(0.2041241452)
                .setRevision(revision)
                .build();
    }

    private static RegistrySettings settings(String url) {
        return new RegistrySettings(url, Optional.empty(), Optional.empty(), 100, Duration.ofSeconds(5), 1,
                Duration.ofMillis(10), Duration.ofMinutes(1));
    }

    private JsonNode getJson(String path) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(registry.url() + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("GET %s: %s", path, response.body()).isEqualTo(200);
        return new ObjectMapper().readTree(response.body());
    }

    private static String header(ProducerRecord<byte[], byte[]> record, String key) {
        Header h = record.headers().lastHeader(key);
        assertThat(h).as("header %s in %s", key, Arrays.toString(record.headers().toArray())).isNotNull();
        return h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
