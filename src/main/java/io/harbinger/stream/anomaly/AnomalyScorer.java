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
 * follows a lasting change instead of alerting on it forever.
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
            baseline = new Baseline();
            baseline.count = Ewma.startingAt(window.getCount());
            baseline.meanSeverity = Ewma.startingAt(window.getSeverityMean());
            baseline.windows = 1;
            baseline.lastWindowEnd = window.getWindowEnd();
            return baseline;
        }
        if (window.getWindowEnd() <= baseline.lastWindowEnd) {
            return baseline; // already learned; a replay must not count it twice
        }
        if (baseline.windows >= settings.warmUpWindows()) {
            check(baseline, window, AnomalyMetric.EVENT_COUNT, window.getCount(), baseline.count,
                    settings.minStddevCount(), alerts);
            check(baseline, window, AnomalyMetric.MEAN_SEVERITY, window.getSeverityMean(), baseline.meanSeverity,
                    settings.minStddevSeverity(), alerts);
        }
        baseline.count.update(window.getCount(), settings.ewmaAlpha());
        baseline.meanSeverity.update(window.getSeverityMean(), settings.ewmaAlpha());
        baseline.windows++;
        baseline.lastWindowEnd = window.getWindowEnd();
        return baseline;
    }

    private void check(Baseline baseline, SeverityAggregate window, AnomalyMetric metric, double observed,
                       Ewma ewma, double stddevFloor, List<AnomalyAlert> alerts) {
        double z = ewma.zScore(observed, stddevFloor);
        if (Math.abs(z) < settings.zThreshold()) {
            return;
        }
        alerts.add(AnomalyAlert.newBuilder()
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
                .build());
    }

    static String alertId(SeverityAggregate window, AnomalyMetric metric) {
        return window.getCountryCode() + "|" + window.getEventType() + "|" + window.getWindowStart() + "|" + metric;
    }

    public static List<AnomalyAlert> newAlertList() {
        return new ArrayList<>(2);
    }
}
