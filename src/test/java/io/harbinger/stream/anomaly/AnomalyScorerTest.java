package io.harbinger.stream.anomaly;

import io.harbinger.curated.AnomalyAlert;
import io.harbinger.curated.AnomalyMetric;
import io.harbinger.curated.SeverityAggregate;
import io.harbinger.stream.config.JobConfig.AnomalySettings;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class AnomalyScorerTest {
    static final AnomalySettings SETTINGS = new AnomalySettings(0.5, 3, 3.0, 1.0, 0.05, Duration.ofDays(1));
    static final long MINUTE = 60_000;

    private final AnomalyScorer scorer = new AnomalyScorer(SETTINGS);

    static SeverityAggregate window(int index, long count, double meanSeverity) {
        return SeverityAggregate.newBuilder()
                .setCountryCode("UA").setEventType("CONFLICT")
                .setWindowStart(index * MINUTE).setWindowEnd((index + 1) * MINUTE)
                .setCount(count).setSeveritySum(count * meanSeverity).setSeverityMean(meanSeverity)
                .setSeverityMin(meanSeverity).setSeverityMax(meanSeverity).setSeverityStddev(0).setRevision(0)
                .build();
    }

    @Test
    void ewmaFollowsTheDefinition() {
        Ewma ewma = Ewma.startingAt(10);
        ewma.update(20, 0.5); // diff 10, mean 15, variance 0.5 * (0 + 10 * 5) = 25
        assertThat(ewma.mean).isEqualTo(15.0);
        assertThat(ewma.variance).isEqualTo(25.0);
        ewma.update(15, 0.5); // diff 0: mean stays, variance halves
        assertThat(ewma.mean).isEqualTo(15.0);
        assertThat(ewma.variance).isEqualTo(12.5);
        assertThat(ewma.zScore(25, 1.0)).isCloseTo(10 / Math.sqrt(12.5), within(1e-12));
        assertThat(Ewma.startingAt(3).zScore(5, 0.5)).isEqualTo(4.0); // the floor stands in for a zero spread
    }

    @Test
    void noAlertDuringWarmUpThenASpikeAlertsWithItsEvidence() {
        List<AnomalyAlert> alerts = new ArrayList<>();
        Baseline baseline = null;
        // warm-up: windows 0..2 learn 10, 10, 10 events at severity 0.5; no alert even for a wild value
        baseline = scorer.scoreAndLearn(baseline, window(0, 10, 0.5), alerts);
        baseline = scorer.scoreAndLearn(baseline, window(1, 10, 0.5), alerts);
        baseline = scorer.scoreAndLearn(baseline, window(2, 10, 0.5), alerts);
        assertThat(alerts).isEmpty();
        assertThat(baseline.windows).isEqualTo(3);

        baseline = scorer.scoreAndLearn(baseline, window(3, 14, 0.52), alerts);

        // mean 10, variance 0, stddev floored to 1.0 -> z = 4 for the count; severity z = 0.02 / 0.05 = 0.4
        assertThat(alerts).hasSize(1);
        AnomalyAlert alert = alerts.get(0);
        assertThat(alert.getMetric()).isEqualTo(AnomalyMetric.EVENT_COUNT);
        assertThat(alert.getObserved()).isEqualTo(14.0);
        assertThat(alert.getBaselineMean()).isEqualTo(10.0);
        assertThat(alert.getBaselineStddev()).isEqualTo(1.0);
        assertThat(alert.getZScore()).isEqualTo(4.0);
        assertThat(alert.getThreshold()).isEqualTo(3.0);
        assertThat(alert.getBaselineWindows()).isEqualTo(3);
        assertThat(alert.getWindowStart()).isEqualTo(3 * MINUTE);
        assertThat(alert.getAlertId()).isEqualTo("UA|CONFLICT|180000|EVENT_COUNT");
        // the window was learned: mean 10 + 0.5 * 4
        assertThat(baseline.count.mean).isEqualTo(12.0);
        assertThat(baseline.windows).isEqualTo(4);
    }

    @Test
    void bothMetricsCanAlertAndADropCountsToo() {
        List<AnomalyAlert> alerts = new ArrayList<>();
        Baseline baseline = null;
        for (int i = 0; i < 3; i++) baseline = scorer.scoreAndLearn(baseline, window(i, 20, 0.3), alerts);

        scorer.scoreAndLearn(baseline, window(3, 16, 0.9), alerts);

        assertThat(alerts).extracting(AnomalyAlert::getMetric)
                .containsExactly(AnomalyMetric.EVENT_COUNT, AnomalyMetric.MEAN_SEVERITY);
        assertThat(alerts.get(0).getZScore()).isEqualTo(-4.0);
        assertThat(alerts.get(1).getZScore()).isCloseTo(0.6 / 0.05, within(1e-9));
    }

    @Test
    void aWindowAlreadyLearnedIsNotLearnedAgain() {
        List<AnomalyAlert> alerts = new ArrayList<>();
        Baseline baseline = scorer.scoreAndLearn(null, window(0, 10, 0.5), alerts);
        baseline = scorer.scoreAndLearn(baseline, window(1, 12, 0.5), alerts);
        double mean = baseline.count.mean;

        baseline = scorer.scoreAndLearn(baseline, window(1, 12, 0.5), alerts);
        baseline = scorer.scoreAndLearn(baseline, window(0, 10, 0.5), alerts);

        assertThat(baseline.windows).isEqualTo(2);
        assertThat(baseline.count.mean).isEqualTo(mean);
    }
}
