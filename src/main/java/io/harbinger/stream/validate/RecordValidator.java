package io.harbinger.stream.validate;

import io.harbinger.events.GeopoliticalEvent;
import io.harbinger.stream.records.Envelope;
import io.harbinger.stream.records.RawRecord;
import io.harbinger.stream.registry.RegistryUnavailableException;

/**
 * Turns a raw record into an {@link Envelope}: decoded and valid, or rejected with a reason. Only a failure of
 * a dependency (the registry) escapes as an exception, because retrying cannot make a bad record good but
 * restarting can make a missing registry come back.
 */
public class RecordValidator {
    private final WireDecoder<GeopoliticalEvent> decoder;
    private final EventValidator validator;

    public RecordValidator(WireDecoder<GeopoliticalEvent> decoder, EventValidator validator) {
        this.decoder = decoder;
        this.validator = validator;
    }

    public Envelope validate(RawRecord raw) throws RegistryUnavailableException {
        try {
            GeopoliticalEvent event = decoder.decode(raw.value);
            validator.check(event);
            // No stage after validation reads the optional fields, and the outputs that carry the event as
            // it came (late events, dead letters) write the original bytes: keep them off the shuffle.
            event.setSourceUrl(null);
            event.setNumMentions(null);
            event.setGoldsteinScale(null);
            return Envelope.valid(raw, event);
        } catch (InvalidRecordException e) {
            return Envelope.rejected(raw, e.reason(), e.getMessage() + " [" + raw.describe() + "]");
        }
    }
}
