package io.harbinger.stream.testing;

import io.harbinger.events.EventType;
import io.harbinger.events.GeopoliticalEvent;
import io.harbinger.stream.records.Envelope;
import io.harbinger.stream.records.RawRecord;

import java.time.Instant;

/** Builders of events and envelopes for tests. */
public final class TestEvents {
    /** A fixed instant at a window boundary, so that window arithmetic in tests reads plainly. */
    public static final long T0 = Instant.parse("2024-03-01T12:00:00Z").toEpochMilli();

    private TestEvents() {}

    public static GeopoliticalEvent event(String id, String country, EventType type, double severity, long ts) {
        return GeopoliticalEvent.newBuilder()
                .setEventId(id)
                .setTimestamp(ts)
                .setCountryCode(country)
                .setEventType(type)
                .setSeverity(severity)
                .build();
    }

    public static Envelope envelope(String id, String country, EventType type, double severity, long ts) {
        return Envelope.valid(raw("geopolitical-events", 0, 0), event(id, country, type, severity, ts));
    }

    public static RawRecord raw(String topic, int partition, long offset) {
        return new RawRecord(topic, String.valueOf(partition), String.valueOf(offset), T0, null, new byte[] {1},
                new String[0], new byte[0][]);
    }
}
