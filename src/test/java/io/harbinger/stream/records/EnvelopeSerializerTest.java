package io.harbinger.stream.records;

import io.harbinger.events.EventType;
import io.harbinger.events.GeopoliticalEvent;

import org.apache.avro.Schema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class EnvelopeSerializerTest {
    private static final EnvelopeSerializer SERIALIZER = EnvelopeSerializer.INSTANCE;

    private static RawRecord raw(byte[] value, String[] headerKeys, byte[][] headerValues) {
        return new RawRecord("events", "3", "1234", 1_700_000_000_000L, "key".getBytes(StandardCharsets.UTF_8),
                value, headerKeys, headerValues);
    }

    private static GeopoliticalEvent event(String sourceUrl, Integer mentions, Double goldstein) {
        return GeopoliticalEvent.newBuilder().setEventId("e-1").setTimestamp(1_700_000_000_123L).setCountryCode("US")
                .setEventType(EventType.NATURAL_DISASTER).setSeverity(0.75).setSourceUrl(sourceUrl)
                .setNumMentions(mentions).setGoldsteinScale(goldstein).build();
    }

    private static Envelope roundTrip(Envelope e) throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(64);
        SERIALIZER.serialize(e, out);
        Envelope back = SERIALIZER.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
        // copy(DataInputView, DataOutputView) must move exactly one record's bytes
        DataOutputSerializer copied = new DataOutputSerializer(64);
        SERIALIZER.copy(new DataInputDeserializer(out.getCopyOfBuffer()), copied);
        assertThat(copied.getCopyOfBuffer()).isEqualTo(out.getCopyOfBuffer());
        return back;
    }

    private static void assertSame(Envelope actual, Envelope expected) {
        assertThat(actual.raw).isEqualTo(expected.raw);
        assertThat(actual.event).isEqualTo(expected.event);
        assertThat(actual.reason).isEqualTo(expected.reason);
        assertThat(actual.message).isEqualTo(expected.message);
    }

    @Test
    void validEnvelopesWithAndWithoutOptionalFieldsRoundTrip() throws Exception {
        for (GeopoliticalEvent ev : List.of(event("https://example.org/a", 12, -3.5), event(null, null, null))) {
            Envelope e = Envelope.valid(raw(new byte[] {0, 0, 0, 0, 1, 2, 3}, new String[] {"h"},
                    new byte[][] {{9}}), ev);
            assertSame(roundTrip(e), e);
            assertSame(SERIALIZER.copy(e), e);
        }
    }

    @Test
    void rejectedAndLateEnvelopesKeepReasonMessageAndNullsExactly() throws Exception {
        Envelope rejected = Envelope.rejected(raw(null, new String[] {"a", "b"}, new byte[][] {null, {}}),
                Reason.NOT_WIRE_FORMAT, "bad header [events/3@1234]");
        assertSame(roundTrip(rejected), rejected);
        Envelope noHeaders = Envelope.rejected(raw(new byte[0], null, null), Reason.EMPTY_VALUE, null);
        assertSame(roundTrip(noHeaders), noHeaders);
        Envelope late = Envelope.valid(raw(new byte[] {1}, new String[0], new byte[0][]), event("u", 1, 1.0))
                .withReason(Reason.LATE, "too late");
        assertSame(roundTrip(late), late);
        assertSame(roundTrip(new Envelope()), new Envelope());
    }

    @Test
    void nonAsciiStringsRoundTripAndEmptyIsNotNull() throws Exception {
        GeopoliticalEvent ev = event("https://example.org/Ünïcode/北京/\uD83D\uDE80", 1, 0.0);
        ev.setEventId("é-1");
        Envelope e = Envelope.valid(new RawRecord("événements", "", "0", 0L, null, new byte[] {1},
                new String[] {"", "clé"}, new byte[][] {{}, {1}}), ev).withReason(Reason.LATE, "");
        Envelope back = roundTrip(e);
        assertSame(back, e);
        assertThat(back.raw.partition).isEmpty();
        assertThat(back.message).isEmpty();
    }

    @Test
    void stringsLongerThan64KiBRoundTrip() throws Exception {
        String url = "https://example.org/" + "x".repeat(200_000) + "é€";
        Envelope e = Envelope.valid(raw(new byte[] {1}, null, null), event(url, 1, 0.0));
        assertSame(roundTrip(e), e);
    }

    @Test
    void everyFieldOfTheEventSchemaIsWritten() {
        // EnvelopeSerializer writes these fields by hand: a new schema field must be added there, then here.
        assertThat(GeopoliticalEvent.getClassSchema().getFields()).extracting(Schema.Field::name).containsExactly(
                "event_id", "timestamp", "country_code", "event_type", "severity", "source_url", "num_mentions",
                "goldstein_scale");
        assertThat(EventType.values()).hasSizeLessThan(256);
        assertThat(Reason.values()).hasSizeLessThan(256);
    }

    @Test
    void flinkUsesThisSerializerForEnvelopes() {
        TypeInformation<Envelope> info = TypeInformation.of(Envelope.class);
        assertThat(info).isInstanceOf(EnvelopeTypeInfo.class);
        assertThat(info.createSerializer(new org.apache.flink.api.common.serialization.SerializerConfigImpl()))
                .isSameAs(SERIALIZER);
    }
}
