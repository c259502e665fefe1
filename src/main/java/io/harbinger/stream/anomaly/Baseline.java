package io.harbinger.stream.anomaly;

/** What the detector has learned for one (country_code, event_type). A Flink POJO, kept in keyed state. */
public class Baseline {
    /** Windows learned from so far, silent ones included. */
    public int windows;
    /** End of the last window learned from, so that a window replayed out of order is not learned twice. */
    public long lastWindowEnd;
    public Ewma count;
    public Ewma meanSeverity;

    public Baseline() {}

    /** An independent copy: what a window was scored against, kept for its late revisions. */
    Baseline copy() {
        Baseline copy = new Baseline();
        copy.windows = windows;
        copy.lastWindowEnd = lastWindowEnd;
        copy.count = new Ewma(count.mean, count.variance);
        copy.meanSeverity = new Ewma(meanSeverity.mean, meanSeverity.variance);
        return copy;
    }
}
