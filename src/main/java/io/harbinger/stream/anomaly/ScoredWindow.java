package io.harbinger.stream.anomaly;

/**
 * A window scored after the warm-up that late events may still revise: the baseline it was scored against,
 * how often it has been scored and which metrics alert now. A Flink POJO, kept in keyed state until the
 * window's allowed lateness has passed.
 */
public class ScoredWindow {
    /** The baseline before this window was learned; every revision is scored against it. */
    public Baseline before;
    /** The revision of the last verdict: 0 when the window closed (or passed silent), +1 per late revision. */
    public int revision;
    /** Bit {@code 1 << AnomalyMetric.ordinal()} for each metric whose alert holds now. */
    public int raised;

    public ScoredWindow() {}

    ScoredWindow(Baseline before, int raised) {
        this.before = before;
        this.raised = raised;
    }
}
