package io.harbinger.stream.anomaly;

/** What the detector has learned for one (country_code, event_type). A Flink POJO, kept in keyed state. */
public class Baseline {
    /** Windows learned from so far. */
    public int windows;
    /** End of the last window learned from, so that a window replayed out of order is not learned twice. */
    public long lastWindowEnd;
    public Ewma count;
    public Ewma meanSeverity;

    public Baseline() {}
}
