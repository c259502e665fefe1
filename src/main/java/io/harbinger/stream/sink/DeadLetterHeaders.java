package io.harbinger.stream.sink;

/** Headers the job adds to dead letters and late events, next to the record's own headers. */
public final class DeadLetterHeaders {
    public static final String REASON = "harbinger.error.reason";
    public static final String MESSAGE = "harbinger.error.message";
    public static final String SOURCE_TOPIC = "harbinger.source.topic";
    public static final String SOURCE_PARTITION = "harbinger.source.partition";
    public static final String SOURCE_OFFSET = "harbinger.source.offset";
    public static final String SOURCE_TIMESTAMP = "harbinger.source.timestamp";

    private DeadLetterHeaders() {}
}
