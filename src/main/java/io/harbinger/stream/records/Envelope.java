package io.harbinger.stream.records;

import io.harbinger.events.GeopoliticalEvent;

import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * A record after decoding and validation: the valid event, or the reason it was rejected, always with the
 * original record so that nothing about it is lost on the way to the dead-letter or late-events topic.
 * Serialized between operators by {@link EnvelopeSerializer}.
 */
@TypeInfo(EnvelopeTypeInfo.Factory.class)
public class Envelope {
    public RawRecord raw;
    /** Null when the record was rejected. */
    public GeopoliticalEvent event;
    /** Null when the record is valid. */
    public Reason reason;
    public String message;

    public Envelope() {}

    public static Envelope valid(RawRecord raw, GeopoliticalEvent event) {
        Envelope e = new Envelope();
        e.raw = raw;
        e.event = event;
        return e;
    }

    public static Envelope rejected(RawRecord raw, Reason reason, String message) {
        Envelope e = new Envelope();
        e.raw = raw;
        e.reason = reason;
        e.message = message;
        return e;
    }

    public boolean isValid() {
        return reason == null;
    }

    /** The same record, marked with a reason of a later stage (e.g. LATE). */
    public Envelope withReason(Reason newReason, String newMessage) {
        Envelope e = rejected(raw, newReason, newMessage);
        e.event = event;
        return e;
    }

    @Override
    public String toString() {
        return isValid() ? "Envelope{" + raw.describe() + ", " + event + "}"
                : "Envelope{" + raw.describe() + ", " + reason + ": " + message + "}";
    }
}
