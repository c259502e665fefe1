package io.harbinger.stream.validate;

import io.harbinger.stream.records.Reason;

/** A record is bad in itself. Carries no stack trace: bad input is routine and can come in floods. */
public class InvalidRecordException extends Exception {
    private final Reason reason;

    public InvalidRecordException(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
