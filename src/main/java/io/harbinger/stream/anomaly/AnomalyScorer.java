package io.harbinger.stream.anomaly;

import io.harbinger.curated.AnomalyAlert;
import io.harbinger.curated.AnomalyMetric;
import io.harbinger.curated.SeverityAggregate;
import io.harbinger.stream.config.JobConfig.AnomalySettings;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * Scores a window against its key's baseline before learning from it. Two metrics are watched: how many
 * events the window had and their mean severity. After the warm-up, a metric whose |z| reaches the
 * threshold produces an alert with the evidence. The window is then learned either way, so the baseline
 * follows a lasting change instead of alerting on it forever. A silent window (count 0) has no mean
 * severity: only its count is judged and learned.
 */
public class AnomalyScorer implements Serializable {
    private static final long serialVersionUID = 1L;
    private final AnomalySettings settings;

    public AnomalyScorer(AnomalySettings settings) {
        this.settings = settings;
    }

    /** Alerts for this window (possibly none); updates the baseline in place. Returns the updated baseline. */
    public Baseline scoreAndLearn(Baseline baseline, SeverityAggregate window, List<AnomalyAlert> alerts) {
        if (baseline == null) {
            return seed(window);
        }
        if (window.getWindowEnd() <= baseline.lastWindowEnd) {
            return baseline; // already learned; a replay must not count it twice
        }
        if (isWarm(baseline)) {
            for (AnomalyAlert alert : judge(baseline, window, 0)) {
                if (!alert.getRetracted()) {
                    alerts.add(alert);
                }
            }
        }
        learn(baseline, window);
        return baseline;
    }

    /** The first window of a key starts its baseline at the window's values, with no spread. */
    Baseline seed(SeverityAggregate window) {
        Baseline baseline = new Baseline();
        baseline.count = Ewma.startingAt(window.getCount());
        baseline.meanSeverity = Ewma.startingAt(window.getSeverityMean());
        baseline.windows = 1;
        baseline.lastWindowEnd = window.getWindowEnd();
        return baseline;
    }

    /** Whether the baseline has learned enough windows for the next one to be scored. */
    boolean isWarm(Baseline baseline) {
        return baseline != null && baseline.windows >= settings.warmUpWindows();
    }

    /**
     * The verdict on each metric the window has, as an alert with its evidence and this revision, whether it
     * reaches the threshold or not: one that does not is marked retracted. The baseline is not changed.
     */
    List<AnomalyAlert> judge(Baseline baseline, SeverityAggregate window, int revision) {
        List<AnomalyAlert> verdicts = newAlertList();
        verdicts.add(verdict(baseline, window, revision, AnomalyMetric.EVENT_COUNT, window.getCount(),
                baseline.count, settings.minStddevCount()));
        if (window.getCount() > 0) {
            verdicts.add(verdict(baseline, window, revision, AnomalyMetric.MEAN_SEVERITY, window.getSeverityMean(),
                    baseline.meanSeverity, settings.minStddevSeverity()));
        }
        return verdicts;
    }

    /** Learns the window: its count, and its mean severity unless it was silent. */
    void learn(Baseline baseline, SeverityAggregate window) {
        baseline.count.update(window.getCount(), settings.ewmaAlpha());
        if (window.getCount() > 0) {
            baseline.meanSeverity.update(window.getSeverityMean(), settings.ewmaAlpha());
        }
        baseline.windows++;
        baseline.lastWindowEnd = window.getWindowEnd();
    }

    private AnomalyAlert verdict(Baseline baseline, SeverityAggregate window, int revision, AnomalyMetric metric,
                                 double observed, Ewma ewma, double stddevFloor) {
        double z = ewma.zScore(observed, stddevFloor);
        return AnomalyAlert.newBuilder()
                .setAlertId(alertId(window, metric))
                .setCountryCode(window.getCountryCode())
                .setEventType(window.getEventType())
                .setWindowStart(window.getWindowStart())
                .setWindowEnd(window.getWindowEnd())
                .setMetric(metric)
                .setObserved(observed)
                .setBaselineMean(ewma.mean)
                .setBaselineStddev(ewma.stddev(stddevFloor))
                .setZScore(z)
                .setThreshold(settings.zThreshold())
                .setBaselineWindows(baseline.windows)
                .setRevision(revision)
                .setRetracted(Math.abs(z) < settings.zThreshold())
                .build();
    }

    /** A window of the key "CC|TYPE" in which no event arrived: what the scorer sees of silence. */
    public static SeverityAggregate silentWindow(String key, long windowStart, long windowEnd) {
        int bar = key.indexOf('|');
        return SeverityAggregate.newBuilder()
                .setCountryCode(key.substring(0, bar)).setEventType(key.substring(bar + 1))
                .setWindowStart(windowStart).setWindowEnd(windowEnd)
                .setCount(0).setSeveritySum(0).setSeverityMean(0).setSeverityMin(0).setSeverityMax(0)
                .setSeverityStddev(0).setRevision(0)
                .build();
    }

    static String alertId(SeverityAggregate window, AnomalyMetric metric) {
        return window.getCountryCode() + "|" + window.getEventType() + "|" + window.getWindowStart() + "|" + metric;
    }

    public static List<AnomalyAlert> newAlertList() {
        return new ArrayList<>(2);
    }
}
