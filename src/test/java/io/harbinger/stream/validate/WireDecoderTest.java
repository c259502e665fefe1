package io.harbinger.stream.validate;

import io.harbinger.stream.records.Reason;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.harbinger.events.EventType;
import io.harbinger.events.GeopoliticalEvent;
import io.harbinger.stream.config.JobConfig.RegistrySettings;
import io.harbinger.stream.records.WireFormat;
import io.harbinger.stream.registry.AvroWireEncoder;
import io.harbinger.stream.registry.RegistryUnavailableException;
import io.harbinger.stream.registry.SchemaRegistryClient;
import io.harbinger.stream.toolkit.services.LocalSchemaRegistry;

import org.apache.avro.Schema;
import org.apache.avro.SystemLimitException;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.Consumer;

import static io.harbinger.stream.testing.AvroSchemas.parseFile;
import static io.harbinger.stream.testing.TestEvents.T0;
import static io.harbinger.stream.testing.TestEvents.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * {@link WireDecoder#forEvents}: schema evolution (v1 and v2 writers, an enum symbol the reader does not know),
 * every kind of bad payload (with the right {@link Reason} and a message naming the problem), isolation of
 * records from each other (FLINK-31951) and a registry outage, which must fail the task instead of
 * dead-lettering good records. Runs against the real in-JVM {@link LocalSchemaRegistry}.
 */
class WireDecoderTest {
    private static final String SUBJECT = "geopolitical-events-value";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Schema V2 = GeopoliticalEvent.getClassSchema();
    private static final Schema V1 = parseFile("schemas/avro/history/GeopoliticalEvent.v1.avsc");
    private static final int MAX_RETRIES = 2;

    private LocalSchemaRegistry registry;
    private SchemaRegistryClient client;
    private WireDecoder<GeopoliticalEvent> decoder;
    private int v1Id;
    private int v2Id;

    @BeforeEach
    void setUp() {
        registry = LocalSchemaRegistry.start();
        // The real history of the subject: v1, then v2 (BACKWARD compatible). Seeded on the registry directly,
        // so that the client under test has nothing cached yet.
        v1Id = registry.register(SUBJECT, V1);
        v2Id = registry.register(SUBJECT, V2);
        client = new SchemaRegistryClient(settings(registry.url()));
        decoder = WireDecoder.forEvents(client, 1 << 20);
    }

    @AfterEach
    void tearDown() {
        registry.close();
    }

    // ---------------------------------------------------------------------------------------------
    // Good records and schema evolution

    @Test
    void aV2EventDecodesFieldByField() throws Exception {
        GeopoliticalEvent written = GeopoliticalEvent.newBuilder()
                .setEventId("gdelt-1184467890")
                .setTimestamp(T0)
                .setCountryCode("UA")
                .setEventType(EventType.CONFLICT)
                .setSeverity(0.875)
                .setSourceUrl("https://example.org/news/1")
                .setNumMentions(12)
                .setGoldsteinScale(-7.5)
                .build();

        GeopoliticalEvent read = decoder.decode(encodeV2(written));

        assertThat(read.getEventId()).isEqualTo("gdelt-1184467890");
        assertThat(read.getTimestamp()).isEqualTo(T0);
        assertThat(read.getCountryCode()).isEqualTo("UA");
        assertThat(read.getEventType()).isEqualTo(EventType.CONFLICT);
        assertThat(read.getSeverity()).isEqualTo(0.875);
        assertThat(read.getSourceUrl()).isEqualTo("https://example.org/news/1");
        assertThat(read.getNumMentions()).isEqualTo(12);
        assertThat(read.getGoldsteinScale()).isEqualTo(-7.5);
        assertThat(read).isEqualTo(written);
    }

    @Test
    void aV1EventDecodesWithTheDefaultsOfTheNewFields() throws Exception {
        GenericRecord v1 = new GenericData.Record(V1);
        v1.put("event_id", "old-1");
        v1.put("timestamp", T0);
        v1.put("country_code", "DE");
        v1.put("event_type", new GenericData.EnumSymbol(V1.getField("event_type").schema(), "PROTEST"));
        v1.put("severity", 0.25);
        byte[] payload = AvroWireEncoder.<GenericRecord>generic(V1, v1Id).encode(v1);
        assertThat(WireFormat.schemaId(payload)).isEqualTo(v1Id);

        GeopoliticalEvent read = decoder.decode(payload);

        assertThat(read.getEventId()).isEqualTo("old-1");
        assertThat(read.getTimestamp()).isEqualTo(T0);
        assertThat(read.getCountryCode()).isEqualTo("DE");
        assertThat(read.getEventType()).isEqualTo(EventType.PROTEST);
        assertThat(read.getSeverity()).isEqualTo(0.25);
        assertThat(read.getSourceUrl()).isNull();
        assertThat(read.getNumMentions()).isNull();
        assertThat(read.getGoldsteinScale()).isNull();
    }

    @Test
    void aWriterOfTheDesignSchemaIsReadFieldByField() throws Exception {
        // The design's schema: namespace com.harbinger.events, float severity, the symbols in another order,
        // a timestamp-millis logical type. Avro resolves records and enums by unqualified name and symbol name.
        Schema design = parseFile("schemas/avro/history/GeopoliticalEvent.design.avsc");
        int designId = registry.register("design-producer-value", design);
        GenericRecord written = new GenericData.Record(design);
        written.put("event_id", "design-1");
        written.put("timestamp", T0);
        written.put("country_code", "FR");
        written.put("event_type", new GenericData.EnumSymbol(design.getField("event_type").schema(), "SANCTION"));
        written.put("severity", 0.3f);
        written.put("source_url", "https://example.org/design");
        byte[] payload = AvroWireEncoder.<GenericRecord>generic(design, designId).encode(written);

        GeopoliticalEvent read = decoder.decode(payload);

        assertThat(read.getEventId()).isEqualTo("design-1");
        assertThat(read.getTimestamp()).isEqualTo(T0);
        assertThat(read.getCountryCode()).isEqualTo("FR");
        assertThat(read.getEventType()).isEqualTo(EventType.SANCTION);
        assertThat(read.getSeverity()).isEqualTo((double) 0.3f); // float promoted to double, no rounding
        assertThat(read.getSourceUrl()).isEqualTo("https://example.org/design");
        assertThat(read.getNumMentions()).isNull();
        assertThat(read.getGoldsteinScale()).isNull();
    }

    @Test
    void anEnumSymbolUnknownToTheReaderBecomesOther() throws Exception {
        // A newer producer added CYBER_ATTACK; the job's reader maps it to the enum default, OTHER.
        Schema v3 = edit(V2, root -> ((ArrayNode) field(root, "event_type").path("type").path("symbols"))
                .add("CYBER_ATTACK"));
        registry.setCompatibility(SUBJECT, LocalSchemaRegistry.Compatibility.NONE);
        int v3Id = registry.register(SUBJECT, v3);
        assertThat(v3Id).isNotIn(v1Id, v2Id);

        GenericRecord cyber = genericV2Like(v3, "cyber-1", "EE", "CYBER_ATTACK");
        GenericRecord conflict = genericV2Like(v3, "cyber-2", "EE", "CONFLICT");
        AvroWireEncoder<GenericRecord> encoder = AvroWireEncoder.generic(v3, v3Id);

        GeopoliticalEvent read = decoder.decode(encoder.encode(cyber));
        assertThat(read.getEventType()).isEqualTo(EventType.OTHER);
        assertThat(read.getEventId()).isEqualTo("cyber-1");
        assertThat(read.getCountryCode()).isEqualTo("EE");
        assertThat(read.getSourceUrl()).isEqualTo("https://example.org/cyber-1");
        // symbols both sides know still map by name, not by index
        assertThat(decoder.decode(encoder.encode(conflict)).getEventType()).isEqualTo(EventType.CONFLICT);
    }

    // ---------------------------------------------------------------------------------------------
    // Bad input: the right reason and a message that says what was wrong

    @Test
    void nullAndEmptyValues() {
        assertRejected(null, Reason.EMPTY_VALUE, "value is null");
        assertRejected(new byte[0], Reason.EMPTY_VALUE, "value is empty");
    }

    @Test
    void valuesShorterThanTheHeader() {
        assertRejected(new byte[] {0}, Reason.NOT_WIRE_FORMAT,
                "value has 1 bytes, fewer than the 5-byte wire-format header");
        assertRejected(new byte[] {0, 0, 0, 1}, Reason.NOT_WIRE_FORMAT,
                "value has 4 bytes, fewer than the 5-byte wire-format header");
    }

    @Test
    void aWrongMagicByte() {
        byte[] payload = encodeV2(goodEvent("e1"));
        payload[0] = 1;
        assertRejected(payload, Reason.NOT_WIRE_FORMAT, "magic byte is 0x01, expected 0x00");
        // plain JSON on the Avro topic, the classic mistake
        assertRejected("{\"event_id\":\"e1\"}".getBytes(), Reason.NOT_WIRE_FORMAT, "magic byte is 0x7b");
    }

    @Test
    void anUnknownSchemaId() {
        byte[] payload = encodeV2(goodEvent("e1"));
        System.arraycopy(WireFormat.header(4242), 0, payload, 0, WireFormat.HEADER_LENGTH);
        assertRejected(payload, Reason.UNKNOWN_SCHEMA_ID, "schema id 4242 is not known to the registry");
    }

    @Test
    void aTruncatedBody() {
        byte[] good = encodeV2(goodEvent("e1"));
        assertRejected(Arrays.copyOf(good, good.length - 3), Reason.UNDECODABLE_AVRO,
                "does not decode with writer schema id " + v2Id, "EOFException");
        // only the header, no body at all
        assertRejected(WireFormat.header(v2Id), Reason.UNDECODABLE_AVRO,
                "does not decode with writer schema id " + v2Id);
    }

    @Test
    void trailingGarbage() {
        byte[] good = encodeV2(goodEvent("e1"));
        byte[] withJunk = Arrays.copyOf(good, good.length + 3);
        withJunk[good.length] = 7;
        assertRejected(withJunk, Reason.UNDECODABLE_AVRO,
                "trailing bytes after the Avro record (writer schema id " + v2Id + ")");
    }

    @Test
    void aNegativeStringLength() {
        byte[] payload = v2Body(e -> e.writeLong(-5)); // event_id's length prefix
        assertRejected(payload, Reason.UNDECODABLE_AVRO, "Length is negative: -5");
    }

    @Test
    void aHugeStringLengthIsRejectedWithoutTakingDownTheDecoder() throws Exception {
        // event_id claims 2^30 bytes (zigzag varint 80 80 80 80 08) in a 10-byte payload
        byte[] payload = v2Body(e -> e.writeLong(1L << 30));
        assertThat(Arrays.copyOfRange(payload, 5, payload.length))
                .containsExactly(0x80, 0x80, 0x80, 0x80, 0x08);

        InvalidRecordException e = rejection(payload);
        assertThat(e.reason()).isEqualTo(Reason.UNDECODABLE_AVRO);
        assertThat(e.getMessage()).contains("writer schema id " + v2Id);
        if (avroStringLimitIsInEffect()) {
            // WireDecoder's 16 MiB limit reached Avro: refused before anything is allocated
            assertThat(e.getMessage()).contains("String length 1073741824 exceeds maximum allowed");
        }
        // and the next record is fine
        assertThat(decoder.decode(encodeV2(goodEvent("after")))).isEqualTo(goodEvent("after"));
    }

    @Test
    void anEnumIndexOutOfRange() {
        byte[] payload = v2Body(e -> {
            e.writeString("e1");
            e.writeLong(T0);
            e.writeString("UA");
            e.writeEnum(99);
            e.writeDouble(0.5);
            e.writeIndex(0);
            e.writeIndex(0);
            e.writeIndex(0);
        });
        assertRejected(payload, Reason.UNDECODABLE_AVRO, "writer schema id " + v2Id, "Index 99 out of bounds");
    }

    @Test
    void aUnionBranchIndexOutOfRange() {
        byte[] payload = v2Body(e -> {
            e.writeString("e1");
            e.writeLong(T0);
            e.writeString("UA");
            e.writeEnum(1);
            e.writeDouble(0.5);
            e.writeIndex(5); // source_url is ["null", "string"]
            e.writeIndex(0);
            e.writeIndex(0);
        });
        assertRejected(payload, Reason.UNDECODABLE_AVRO, "writer schema id " + v2Id, "Index 5 out of bounds");
    }

    @Test
    void aWriterRecordWithAnotherName() throws Exception {
        Schema renamed = edit(V2, root -> root.put("name", "NotAnEvent"));
        int id = registry.register("not-an-event-value", renamed);
        byte[] payload = AvroWireEncoder.<GenericRecord>generic(renamed, id)
                .encode(genericV2Like(renamed, "e1", "UA", "CONFLICT"));

        assertRejected(payload, Reason.INCOMPATIBLE_SCHEMA,
                "writer schema id " + id + " (io.harbinger.events.NotAnEvent) cannot be read as "
                        + "io.harbinger.events.GeopoliticalEvent", "NAME_MISMATCH");
    }

    @Test
    void aWriterWithoutARequiredReaderFieldIsIncompatibleAndRememberedAsSuch() throws Exception {
        Schema noSeverity = edit(V2, root -> ((ArrayNode) root.path("fields"))
                .remove(indexOfField(root, "severity")));
        int id = registry.register("no-severity-value", noSeverity);
        GenericRecord r = new GenericData.Record(noSeverity);
        r.put("event_id", "e1");
        r.put("timestamp", T0);
        r.put("country_code", "UA");
        r.put("event_type", new GenericData.EnumSymbol(noSeverity.getField("event_type").schema(), "CONFLICT"));
        byte[] payload = AvroWireEncoder.<GenericRecord>generic(noSeverity, id).encode(r);

        assertRejected(payload, Reason.INCOMPATIBLE_SCHEMA, "writer schema id " + id,
                "READER_FIELD_MISSING_DEFAULT_VALUE", "severity");
        long fetches = registry.schemaByIdRequests();
        // the verdict is cached: a flood of such records does not hammer the registry
        assertRejected(payload, Reason.INCOMPATIBLE_SCHEMA, "READER_FIELD_MISSING_DEFAULT_VALUE");
        assertThat(registry.schemaByIdRequests()).isEqualTo(fetches);
    }

    @Test
    void aPayloadAboveTheLimit() throws Exception {
        WireDecoder<GeopoliticalEvent> small = WireDecoder.forEvents(client, 64);
        GeopoliticalEvent big = GeopoliticalEvent.newBuilder(goodEvent("big"))
                .setSourceUrl("https://example.org/" + "x".repeat(100)).build();
        byte[] payload = encodeV2(big);
        assertThat(payload.length).isGreaterThan(64);

        InvalidRecordException e = catchThrowableOfType(() -> small.decode(payload), InvalidRecordException.class);
        assertThat(e.reason()).isEqualTo(Reason.VALUE_TOO_LARGE);
        assertThat(e.getMessage()).isEqualTo("value has " + payload.length
                + " bytes, more than the 64 allowed (validation.max-value-bytes)");
        // the size is checked before the header: an oversized value that is not even wire format says so too
        byte[] json = ("{\"event_id\":\"" + "x".repeat(100) + "\"}").getBytes();
        assertThat(catchThrowableOfType(() -> small.decode(json), InvalidRecordException.class).reason())
                .isEqualTo(Reason.VALUE_TOO_LARGE);
        // rejected before the registry is asked about it
        assertThat(registry.schemaByIdRequests()).isZero();
        // exactly at the limit is fine
        byte[] fits = encodeV2(goodEvent("s"));
        assertThat(WireDecoder.forEvents(client, fits.length).decode(fits)).isEqualTo(goodEvent("s"));
    }

    // ---------------------------------------------------------------------------------------------
    // Records do not affect each other

    @Test
    void aBadRecordDoesNotPoisonTheNextOnes() throws Exception {
        // FLINK-31951: a decoder reused across records kept the state of a failed one.
        byte[] good1 = encodeV2(goodEvent("good-1"));
        byte[] good2 = encodeV2(event("good-2", "FR", EventType.ELECTION, 0.1, T0 + 1));
        byte[] good3 = encodeV2(event("good-3", "BR", EventType.NATURAL_DISASTER, 0.9, T0 + 2));
        byte[] truncated = Arrays.copyOf(encodeV2(goodEvent("cut")), 12);
        byte[] trailing = Arrays.copyOf(good1, good1.length + 8);
        Arrays.fill(trailing, good1.length, trailing.length, (byte) 0x55);

        assertThat(decoder.decode(good1)).isEqualTo(goodEvent("good-1"));
        assertRejected(truncated, Reason.UNDECODABLE_AVRO, "does not decode");
        assertThat(decoder.decode(good2)).isEqualTo(event("good-2", "FR", EventType.ELECTION, 0.1, T0 + 1));
        assertRejected(trailing, Reason.UNDECODABLE_AVRO, "trailing bytes");
        assertThat(decoder.decode(good3)).isEqualTo(event("good-3", "BR", EventType.NATURAL_DISASTER, 0.9, T0 + 2));
        // the decoded events are distinct objects, not one instance reused
        assertThat(decoder.decode(good1)).isNotSameAs(decoder.decode(good1));
    }

    // ---------------------------------------------------------------------------------------------
    // A registry outage is not a bad record

    @Test
    void aRegistryOutageFailsInsteadOfRejectingTheRecord() throws Exception {
        byte[] payload = encodeV2(goodEvent("during-outage"));
        registry.setAvailable(false);

        assertThatThrownBy(() -> decoder.decode(payload))
                .isInstanceOf(RegistryUnavailableException.class)
                .isNotInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("unavailable after " + (MAX_RETRIES + 1) + " attempts");
        assertThat(registry.unavailableResponses()).isEqualTo(MAX_RETRIES + 1);

        // an id that does not exist is not "unknown" while the registry cannot say so
        byte[] unknownId = payload.clone();
        System.arraycopy(WireFormat.header(4242), 0, unknownId, 0, WireFormat.HEADER_LENGTH);
        assertThatThrownBy(() -> decoder.decode(unknownId)).isInstanceOf(RegistryUnavailableException.class);

        registry.setAvailable(true);
        assertThat(decoder.decode(payload)).isEqualTo(goodEvent("during-outage"));
    }

    @Test
    void aCachedSchemaKeepsDecodingDuringAnOutage() throws Exception {
        assertThat(decoder.decode(encodeV2(goodEvent("before")))).isEqualTo(goodEvent("before"));
        registry.setAvailable(false);

        assertThat(decoder.decode(encodeV2(goodEvent("during")))).isEqualTo(goodEvent("during"));
        // a second decoder sharing the client finds the schema in the client's cache, too
        assertThat(WireDecoder.forEvents(client, 1 << 20).decode(encodeV2(goodEvent("other"))))
                .isEqualTo(goodEvent("other"));
        assertThat(registry.unavailableResponses()).isZero();
    }

    // ---------------------------------------------------------------------------------------------

    private static RegistrySettings settings(String url) {
        return new RegistrySettings(url, Optional.empty(), Optional.empty(), 100, Duration.ofSeconds(5),
                MAX_RETRIES, Duration.ofMillis(10), Duration.ofMinutes(1));
    }

    private static GeopoliticalEvent goodEvent(String id) {
        return event(id, "UA", EventType.CONFLICT, 0.5, T0);
    }

    private byte[] encodeV2(GeopoliticalEvent e) {
        return AvroWireEncoder.specific(V2, v2Id).encode(e);
    }

    /** A wire-format payload with schema id v2 and a hand-written (usually malformed) body. */
    private byte[] v2Body(EncoderAction body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(WireFormat.header(v2Id));
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        try {
            body.write(encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private interface EncoderAction {
        void write(BinaryEncoder encoder) throws IOException;
    }

    private InvalidRecordException rejection(byte[] payload) {
        InvalidRecordException e = catchThrowableOfType(() -> decoder.decode(payload), InvalidRecordException.class);
        assertThat(e).as("decode must reject the payload with an InvalidRecordException").isNotNull();
        return e;
    }

    private InvalidRecordException assertRejected(byte[] payload, Reason reason, String... messageParts) {
        InvalidRecordException e = rejection(payload);
        assertThat(e.reason()).as("reason of: %s", e.getMessage()).isEqualTo(reason);
        assertThat(e.getMessage()).contains(messageParts);
        return e;
    }

    /** Whether Avro's string length limit is the 16 MiB WireDecoder sets (it is read once per JVM). */
    private static boolean avroStringLimitIsInEffect() {
        try {
            SystemLimitException.checkMaxStringLength(16L * 1024 * 1024 + 1);
            return false;
        } catch (SystemLimitException e) {
            return true;
        }
    }

    /** A record of a GeopoliticalEvent-shaped schema (v2 fields), with the given enum symbol. */
    private static GenericRecord genericV2Like(Schema schema, String id, String country, String symbol) {
        GenericRecord r = new GenericData.Record(schema);
        r.put("event_id", id);
        r.put("timestamp", T0);
        r.put("country_code", country);
        r.put("event_type", new GenericData.EnumSymbol(schema.getField("event_type").schema(), symbol));
        r.put("severity", 0.5);
        r.put("source_url", "https://example.org/" + id);
        r.put("num_mentions", 3);
        r.put("goldstein_scale", null);
        return r;
    }

    private static Schema edit(Schema schema, Consumer<ObjectNode> change) {
        try {
            ObjectNode root = (ObjectNode) JSON.readTree(schema.toString());
            change.accept(root);
            return new Schema.Parser().parse(root.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ObjectNode field(ObjectNode root, String name) {
        return (ObjectNode) root.path("fields").get(indexOfField(root, name));
    }

    private static int indexOfField(ObjectNode root, String name) {
        for (int i = 0; i < root.path("fields").size(); i++) {
            if (name.equals(root.path("fields").get(i).path("name").asText())) {
                return i;
            }
        }
        throw new IllegalArgumentException("no field " + name);
    }
}
