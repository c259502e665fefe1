package io.harbinger.stream.anomaly;

import io.harbinger.curated.AnomalyAlert;
import io.harbinger.curated.SeverityAggregate;
import io.harbinger.stream.config.JobConfig.MetricsSettings;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static io.harbinger.stream.anomaly.AnomalyScorerTest.SETTINGS;
import static io.harbinger.stream.anomaly.AnomalyScorerTest.window;
import static org.assertj.core.api.Assertions.assertThat;

class AnomalyDetectorTest {
    private KeyedOneInputStreamOperatorTestHarness<String, SeverityAggregate, AnomalyAlert> harness;

    @BeforeEach
    void setUp() throws Exception {
        harness = newHarness();
        harness.open();
    }

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, SeverityAggregate, AnomalyAlert> newHarness()
            throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new AnomalyDetector(SETTINGS, MetricsSettings.CLUSTER)),
                a -> a.getCountryCode() + "|" + a.getEventType(), Types.STRING);
    }

    @Test
    void alertsAfterWarmUpAndIgnoresLaterRevisions() throws Exception {
        for (int i = 0; i < 3; i++) push(window(i, 10, 0.5));
        SeverityAggregate spike = window(3, 14, 0.5);
        push(spike);
        SeverityAggregate spikeRevised = SeverityAggregate.newBuilder(spike).setCount(30).setRevision(1).build();
        push(spikeRevised);

        assertThat(harness.extractOutputValues()).extracting(AnomalyAlert::getAlertId)
                .containsExactly("UA|CONFLICT|180000|EVENT_COUNT");
    }

    @Test
    void baselineSurvivesRestoreSoWarmUpIsNotRepeated() throws Exception {
        for (int i = 0; i < 3; i++) push(window(i, 10, 0.5));
        OperatorSubtaskState snapshot = harness.snapshot(1, 0);
        harness.close();

        harness = newHarness();
        harness.initializeState(snapshot);
        harness.open();
        push(window(3, 14, 0.5));

        assertThat(harness.extractOutputValues()).hasSize(1);
    }

    @Test
    void baselineExpiresAfterItsTtlAndTheKeyStartsCold() throws Exception {
        harness.setStateTtlProcessingTime(0);
        for (int i = 0; i < 3; i++) push(window(i, 10, 0.5));
        harness.setStateTtlProcessingTime(SETTINGS.baselineTtl().toMillis() + 1);

        push(window(3, 14, 0.5));

        assertThat(harness.extractOutputValues()).isEmpty();
    }

    private void push(SeverityAggregate window) throws Exception {
        harness.processElement(new StreamRecord<>(window, window.getWindowEnd() - 1));
    }
}
