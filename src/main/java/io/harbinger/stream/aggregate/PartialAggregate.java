package io.harbinger.stream.aggregate;

/**
 * The severity statistics of some events of one (country_code|event_type) key and one window, added up before
 * the keyed window; the window merges them. The record's timestamp places it in its window. A Flink POJO.
 */
public class PartialAggregate {
    /** {@link WindowKey} of the events. */
    public String key;
    public SeverityAccumulator severity;

    public PartialAggregate() {}

    public PartialAggregate(String key, SeverityAccumulator severity) {
        this.key = key;
        this.severity = severity;
    }
}
