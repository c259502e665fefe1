package io.harbinger.stream.records;

/** Why a record left the main flow; written as the harbinger.error.reason header of its dead letter. */
public enum Reason {
    /** The record had no value at all, or zero bytes. */
    EMPTY_VALUE,
    /** Too short for the wire-format header, or the magic byte is not 0. */
    NOT_WIRE_FORMAT,
    /** The registry does not know the schema id in the header. */
    UNKNOWN_SCHEMA_ID,
    /** The writer schema cannot be resolved to the job's reader schema. */
    INCOMPATIBLE_SCHEMA,
    /** The Avro body is truncated, has trailing bytes, bad lengths, bad UTF-8 or an out-of-range enum/union index. */
    UNDECODABLE_AVRO,
    INVALID_EVENT_ID,
    INVALID_COUNTRY_CODE,
    INVALID_SEVERITY,
    TIMESTAMP_TOO_OLD,
    TIMESTAMP_IN_FUTURE,
    /** Valid, but later than the window's allowed lateness: sent to the late-events topic, not the DLQ. */
    LATE,
    /**
     * The value is larger than validation.max-value-bytes; rejected before decoding. Appended after LATE so that
     * the ordinals of the older constants stay where they were.
     */
    VALUE_TOO_LARGE
}
