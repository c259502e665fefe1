package io.harbinger.stream.testing;

import io.harbinger.curated.AnomalyAlert;
import io.harbinger.curated.SeverityAggregate;
import io.harbinger.events.EventType;
import io.harbinger.stream.anomaly.AnomalyScorer;
import io.harbinger.stream.anomaly.Baseline;
import io.harbinger.stream.config.JobConfig.AnomalySettings;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static io.harbinger.stream.testing.TestEvents.T0;
import static io.harbinger.stream.testing.TestEvents.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class ExpectedOutputsTest {
    private static final long MINUTE = 60_000;
    private static final ExpectedOutputs.AnomalyRules RULES =
            new ExpectedOutputs.AnomalyRules(0.3, 5, 3.0, 1.0, 0.05, Duration.ofMinutes(10).toMillis());

    private static void feed(ExpectedOutputs o, String prefix, int window, int count, double severity) {
        for (int i = 0; i < count; i++) {
            o.valid(event(prefix + window + "-" + i, "FR", EventType.PROTEST, severity, T0 + window * MINUTE + i));
        }
    }

    @Test
    void aggregatesOfClosedWindowsOnly() {
        ExpectedOutputs o = new ExpectedOutputs(MINUTE, RULES);
        feed(o, "a", 0, 3, 0.5);
        feed(o, "a", 1, 2, 0.25);
        assertThat(o.aggregates(T0 + 2 * MINUTE)).containsOnlyKeys("FR|PROTEST|" + T0, "FR|PROTEST|" + (T0 + MINUTE))
                .containsEntry("FR|PROTEST|" + T0, new ExpectedOutputs.Aggregate(3, 1.5));
        assertThat(o.aggregates(T0 + MINUTE)).containsOnlyKeys("FR|PROTEST|" + T0);
        assertThat(o.validEvents()).isEqualTo(5);
    }

    /** A key with 10 events of severity 0.5 in each of its first windows: a flat baseline. */
    private static ExpectedOutputs steady(int windows) {
        ExpectedOutputs o = new ExpectedOutputs(MINUTE, RULES);
        for (int w = 0; w < windows; w++) {
            feed(o, "a", w, 10, 0.5);
        }
        return o;
    }

    @Test
    void aBurstAfterTheWarmUpAlertsAndSilenceOfAWarmKeyIsScored() {
        ExpectedOutputs o = steady(5);
        feed(o, "a", 5, 30, 0.5);
        // window 6 passes silent, window 7 has 10 events again
        feed(o, "a", 7, 10, 0.5);
        Map<String, ExpectedOutputs.Alert> alerts = o.alerts(T0 + 8 * MINUTE);
        String burst = "FR|PROTEST|" + (T0 + 5 * MINUTE) + "|EVENT_COUNT";
        assertThat(alerts).containsOnlyKeys(burst);
        assertThat(alerts.get(burst).zScore()).isEqualTo(20.0); // (30 - 10) / the floor of 1
        assertThat(alerts.get(burst).baselineWindows()).isEqualTo(5);
        // nothing alerts before the burst's window has closed
        assertThat(o.alerts(T0 + 5 * MINUTE)).isEmpty();
    }

    @Test
    void aKeySilentLongerThanForgetAfterStartsOver() {
        ExpectedOutputs o = steady(6);
        // 20 silent windows: forgotten after 10 minutes, then 40 events seed a new baseline instead of alerting
        feed(o, "a", 26, 40, 0.5);
        assertThat(o.alerts(T0 + 27 * MINUTE)).allSatisfy((id, a) -> assertThat(a.observed()).isZero())
                .containsKey("FR|PROTEST|" + (T0 + 6 * MINUTE) + "|EVENT_COUNT");
    }

    /** Windows with events only: the oracle's verdicts are the job's scorer's, computed the other way. */
    @Test
    void agreesWithTheJobsScorerOnRandomWindows() {
        AnomalySettings settings = new AnomalySettings(RULES.alpha(), RULES.warmUpWindows(), RULES.zThreshold(),
                RULES.minStddevCount(), RULES.minStddevSeverity(), Duration.ofDays(1));
        AnomalyScorer scorer = new AnomalyScorer(settings);
        Random random = new Random(7);
        ExpectedOutputs o = new ExpectedOutputs(MINUTE, RULES);
        Baseline baseline = null;
        List<AnomalyAlert> jobAlerts = new ArrayList<>();
        for (int w = 0; w < 300; w++) {
            int n = 5 + random.nextInt(10) + (random.nextInt(20) == 0 ? 40 : 0);
            double severity = random.nextInt(25) == 0 ? 0.95 : 0.2 + random.nextDouble() * 0.1;
            feed(o, "r", w, n, severity);
            SeverityAggregate window = SeverityAggregate.newBuilder().setCountryCode("FR").setEventType("PROTEST")
                    .setWindowStart(T0 + w * MINUTE).setWindowEnd(T0 + (w + 1) * MINUTE).setCount(n)
                    .setSeveritySum(n * severity).setSeverityMean(severity).setSeverityMin(severity)
                    .setSeverityMax(severity).setSeverityStddev(0).setRevision(0).build();
            baseline = scorer.scoreAndLearn(baseline, window, jobAlerts);
        }
        Map<String, ExpectedOutputs.Alert> expected = o.alerts(T0 + 300 * MINUTE);
        assertThat(jobAlerts).hasSizeGreaterThan(10);
        assertThat(expected.keySet()).containsExactlyInAnyOrderElementsOf(
                jobAlerts.stream().map(AnomalyAlert::getAlertId).toList());
        for (AnomalyAlert a : jobAlerts) {
            ExpectedOutputs.Alert e = expected.get(a.getAlertId());
            assertThat(e.zScore()).isCloseTo(a.getZScore(), within(1e-9));
            assertThat(e.baselineMean()).isCloseTo(a.getBaselineMean(), within(1e-9));
            assertThat(e.baselineWindows()).isEqualTo(a.getBaselineWindows());
        }
    }
}
