package io.harbinger.stream.anomaly;

import io.harbinger.curated.AnomalyAlert;
import io.harbinger.curated.AnomalyMetric;
import io.harbinger.curated.SeverityAggregate;
import io.harbinger.stream.config.JobConfig.AnomalySettings;
import io.harbinger.stream.config.JobConfig.MetricsSettings;
import io.harbinger.stream.config.JobConfig.WindowSettings;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static io.harbinger.stream.anomaly.AnomalyScorerTest.MINUTE;
import static io.harbinger.stream.anomaly.AnomalyScorerTest.SETTINGS;
import static io.harbinger.stream.anomaly.AnomalyScorerTest.window;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * The detector in Flink's keyed operator harness: windows arrive as the window operator emits them (at
 * window end - 1, before the watermark that fired them), silence is found by event-time timers.
 * SETTINGS: alpha 0.5, warm-up 3 windows, z 3, count floor 1; windows of 1 minute, 30 s allowed lateness.
 */
class AnomalyDetectorTest {
    private static final WindowSettings WINDOWS = new WindowSettings(Duration.ofMinutes(1), Duration.ofSeconds(30), 0);
    /** Forgets a key 5 windows after its last event. */
    private static final AnomalySettings FORGET_AFTER_5M = new AnomalySettings(0.5, 3, 3.0, 1.0, 0.05,
            Duration.ofDays(1), true, Duration.ofMinutes(5));
    private static final AnomalySettings NO_SILENCE = new AnomalySettings(0.5, 3, 3.0, 1.0, 0.05,
            Duration.ofDays(1), false, Duration.ofMinutes(5));
    private static final String W3_COUNT = "UA|CONFLICT|180000|EVENT_COUNT";

    private KeyedOneInputStreamOperatorTestHarness<String, SeverityAggregate, AnomalyAlert> harness;

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
    }

    private void open(AnomalySettings settings, WindowSettings windows) throws Exception {
        harness = newHarness(settings, windows);
        harness.open();
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, SeverityAggregate, AnomalyAlert> newHarness(
            AnomalySettings settings, WindowSettings windows) throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new AnomalyDetector(settings, windows, MetricsSettings.CLUSTER)),
                a -> a.getCountryCode() + "|" + a.getEventType(), Types.STRING);
    }

    /** Windows 0..2 of 10 events each: warm, baseline count mean 10, variance 0 (stddev floored to 1). */
    private void warmUp() throws Exception {
        for (int i = 0; i < 3; i++) {
            fire(window(i, 10, 0.5));
        }
    }

    /** As the window operator does it: the window at its end - 1, then the watermark that fired it. */
    private void fire(SeverityAggregate window) throws Exception {
        push(window);
        harness.processWatermark(window.getWindowEnd() - 1);
    }

    private void push(SeverityAggregate window) throws Exception {
        harness.processElement(new StreamRecord<>(window, window.getWindowEnd() - 1));
    }

    private List<AnomalyAlert> alerts() {
        return harness.extractOutputValues();
    }

    // ------------------------------------------------------------------ silence

    @Test
    void aQuietWindowAfterWarmUpIsScoredAsCountZero() throws Exception {
        open(SETTINGS, WINDOWS);
        warmUp();

        harness.processWatermark(4 * MINUTE - 1); // window 3 has passed and nothing came for UA|CONFLICT

        assertThat(alerts()).singleElement().satisfies(alert -> {
            assertThat(alert.getAlertId()).isEqualTo(W3_COUNT);
            assertThat(alert.getMetric()).isEqualTo(AnomalyMetric.EVENT_COUNT);
            assertThat(alert.getObserved()).isEqualTo(0.0);
            assertThat(alert.getBaselineMean()).isEqualTo(10.0);
            assertThat(alert.getZScore()).isEqualTo(-10.0);
            assertThat(alert.getWindowEnd()).isEqualTo(4 * MINUTE);
            assertThat(alert.getRevision()).isZero();
            assertThat(alert.getRetracted()).isFalse();
        });
        // learned as 0: the next quiet window is judged against mean 5, variance 0.5 * (0 + 10 * 5) = 25
        harness.processWatermark(5 * MINUTE - 1);
        assertThat(alerts()).hasSize(1);
    }

    @Test
    void silentWindowsBeforeTheNextWindowOfTheKeyAreScoredFirstAndInOrder() throws Exception {
        open(SETTINGS, WINDOWS);
        warmUp();

        // windows 3 and 4 were empty; window 5 arrives before any watermark passed them
        push(window(5, 10, 0.5));

        assertThat(alerts()).extracting(AnomalyAlert::getWindowStart, AnomalyAlert::getObserved)
                .containsExactly(tuple(3 * MINUTE, 0.0));
        harness.processWatermark(6 * MINUTE - 1);
        assertThat(alerts()).as("window 4 (0 against mean 5, stddev 5) and window 5 raise nothing").hasSize(1);
    }

    @Test
    void aKeyThatNeverWarmedUpRaisesNothingWhenItGoesQuiet() throws Exception {
        open(SETTINGS, WINDOWS);
        fire(window(0, 10, 0.5));
        fire(window(1, 10, 0.5)); // 2 of 3 warm-up windows

        harness.processWatermark(30 * MINUTE);

        assertThat(alerts()).isEmpty();
        assertThat(harness.numEventTimeTimers()).as("no silence timer for a cold key").isZero();
    }

    @Test
    void withSilenceSwitchedOffAQuietWindowIsNeitherScoredNorTimed() throws Exception {
        open(NO_SILENCE, WINDOWS);
        warmUp();

        harness.processWatermark(30 * MINUTE);

        assertThat(alerts()).isEmpty();
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    @Test
    void theEndOfTheInputIsNotSilence() throws Exception {
        open(SETTINGS, WINDOWS);
        warmUp();

        harness.processWatermark(Long.MAX_VALUE); // a bounded input ends: later windows never came

        assertThat(alerts()).isEmpty();
    }

    @Test
    void aKeyGoneForGoodIsForgottenStateAndTimersAndComesBackCold() throws Exception {
        open(FORGET_AFTER_5M, WINDOWS);
        warmUp();
        assertThat(harness.numKeyedStateEntries()).isPositive();

        // the last event's window ended at 3 min: quiet windows 3..7 (ends 4..8 min) are scored, then it goes
        harness.processWatermark(20 * MINUTE);

        assertThat(alerts()).extracting(AnomalyAlert::getWindowStart).allMatch(start -> start <= 7 * MINUTE)
                .first().isEqualTo(3 * MINUTE);
        assertThat(harness.numKeyedStateEntries()).as("baseline, last event, revisable windows").isZero();
        assertThat(harness.numEventTimeTimers()).as("silence and revision timers").isZero();

        // back after the span: a new key as far as the detector knows, warming up again
        int before = alerts().size();
        fire(window(21, 50, 0.5));
        fire(window(22, 10, 0.5));
        assertThat(alerts()).hasSize(before);
    }

    // ------------------------------------------------------------------ revisions

    @Test
    void aLateRevisionRaisesAnAlertTheFirstFiringDidNotReach() throws Exception {
        open(SETTINGS, WINDOWS);
        warmUp();
        SeverityAggregate w3 = window(3, 12, 0.5); // z = 2: nothing yet
        fire(w3);
        harness.processWatermark(4 * MINUTE + 20_000); // within window 3's allowed lateness (30 s)

        push(revision(w3, 14, 1)); // late events: z = 4 against the same baseline as revision 0

        assertThat(alerts()).singleElement().satisfies(alert -> {
            assertThat(alert.getAlertId()).isEqualTo(W3_COUNT);
            assertThat(alert.getObserved()).isEqualTo(14.0);
            assertThat(alert.getBaselineMean()).isEqualTo(10.0);
            assertThat(alert.getBaselineWindows()).isEqualTo(3);
            assertThat(alert.getZScore()).isEqualTo(4.0);
            assertThat(alert.getRevision()).isEqualTo(1);
            assertThat(alert.getRetracted()).isFalse();
        });
    }

    @Test
    void aLateRevisionKeepsAnAlertWithTheRevisedEvidence() throws Exception {
        open(SETTINGS, WINDOWS);
        warmUp();
        SeverityAggregate spike = window(3, 14, 0.5);
        fire(spike);

        push(revision(spike, 30, 1));
        push(revision(spike, 31, 2));

        assertThat(alerts()).extracting(AnomalyAlert::getAlertId, AnomalyAlert::getRevision,
                        AnomalyAlert::getObserved, AnomalyAlert::getZScore, AnomalyAlert::getRetracted)
                .containsExactly(tuple(W3_COUNT, 0, 14.0, 4.0, false), tuple(W3_COUNT, 1, 30.0, 20.0, false),
                        tuple(W3_COUNT, 2, 31.0, 21.0, false));
    }

    @Test
    void lateEventsInAWindowScoredSilentRetractItsAlert() throws Exception {
        open(SETTINGS, WINDOWS);
        warmUp();
        harness.processWatermark(4 * MINUTE - 1); // window 3 passes silent: alert, z = -10

        // late events within the allowed lateness fire window 3 for the first time, with 9 events
        push(window(3, 9, 0.5));

        assertThat(alerts()).extracting(AnomalyAlert::getAlertId, AnomalyAlert::getRevision,
                        AnomalyAlert::getObserved, AnomalyAlert::getZScore, AnomalyAlert::getRetracted)
                .containsExactly(tuple(W3_COUNT, 0, 0.0, -10.0, false), tuple(W3_COUNT, 1, 9.0, -1.0, true));
        // once per window: the baseline learned window 3 as the silent 0 it was when it closed (mean 5), so
        // a window 4 of 10 events is z = 1, not the 0.1 it would be after learning 9
        fire(window(4, 10, 0.5));
        assertThat(alerts()).hasSize(2);
    }

    @Test
    void aRevisionAfterTheAllowedLatenessIsIgnoredAndItsStateIsGone() throws Exception {
        open(SETTINGS, WINDOWS);
        warmUp();
        SeverityAggregate spike = window(3, 14, 0.5);
        fire(spike);
        fire(window(4, 14, 0.5)); // its watermark is past window 3's allowed lateness (30 s)

        push(revision(spike, 40, 1)); // cannot come from the window operator; a replay must not re-score

        assertThat(alerts()).extracting(AnomalyAlert::getWindowStart).containsExactly(3 * MINUTE);
        assertThat(harness.numEventTimeTimers()).as("window 4's revision timer and window 5's silence timer")
                .isEqualTo(2);
    }

    @Test
    void withoutAllowedLatenessNothingIsKeptForRevisions() throws Exception {
        open(SETTINGS, new WindowSettings(Duration.ofMinutes(1), Duration.ZERO, 0));
        warmUp();
        fire(window(3, 14, 0.5));

        assertThat(alerts()).hasSize(1);
        assertThat(harness.numEventTimeTimers()).as("only the silence timer of window 4").isEqualTo(1);
    }

    // ------------------------------------------------------------------ state

    @Test
    void baselineAndSilenceTimersSurviveARestore() throws Exception {
        open(SETTINGS, WINDOWS);
        warmUp();
        OperatorSubtaskState snapshot = harness.snapshot(1, 0);
        harness.close();

        harness = newHarness(SETTINGS, WINDOWS);
        harness.initializeState(snapshot);
        harness.open();
        fire(window(3, 14, 0.5)); // not in the warm-up again
        harness.processWatermark(5 * MINUTE - 1); // window 4 passes silent: its timer came from the restored window 3

        assertThat(alerts()).extracting(AnomalyAlert::getWindowStart, AnomalyAlert::getObserved)
                .containsExactly(tuple(3 * MINUTE, 14.0), tuple(4 * MINUTE, 0.0));
    }

    @Test
    void baselineExpiresAfterItsTtlAndTheKeyStartsCold() throws Exception {
        open(NO_SILENCE, WINDOWS);
        harness.setStateTtlProcessingTime(0);
        warmUp();
        harness.setStateTtlProcessingTime(SETTINGS.baselineTtl().toMillis() + 1);

        fire(window(3, 14, 0.5));

        assertThat(alerts()).isEmpty();
    }

    private static SeverityAggregate revision(SeverityAggregate window, long count, int revision) {
        return SeverityAggregate.newBuilder(window).setCount(count).setSeveritySum(count * window.getSeverityMean())
                .setRevision(revision).build();
    }
}
