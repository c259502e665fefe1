package io.harbinger.stream.tools;

import io.harbinger.stream.anomaly.Baseline;

/** One key's anomaly baseline as the state tool reads or writes it. A Flink POJO. */
public class KeyedBaseline {
    /** "CC|TYPE", the anomaly detector's key. */
    public String key;
    public Baseline baseline;

    public KeyedBaseline() {}

    public KeyedBaseline(String key, Baseline baseline) {
        this.key = key;
        this.baseline = baseline;
    }
}
