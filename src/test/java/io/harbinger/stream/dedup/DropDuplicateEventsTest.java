package io.harbinger.stream.dedup;

import io.harbinger.events.EventType;
import io.harbinger.stream.config.JobConfig.MetricsSettings;
import io.harbinger.stream.records.Envelope;

import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.api.common.typeinfo.Types;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static io.harbinger.stream.testing.TestEvents.T0;
import static io.harbinger.stream.testing.TestEvents.envelope;
import static org.assertj.core.api.Assertions.assertThat;

class DropDuplicateEventsTest {
    private static final Duration TTL = Duration.ofMinutes(10);
    private KeyedOneInputStreamOperatorTestHarness<String, Envelope, Envelope> harness;

    @BeforeEach
    void setUp() throws Exception {
        harness = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new DropDuplicateEvents(TTL, MetricsSettings.CLUSTER)),
                e -> e.event.getEventId(), Types.STRING);
        harness.open();
    }

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
    }

    @Test
    void secondCopyOfAnEventIsDropped() throws Exception {
        harness.processElement(new StreamRecord<>(envelope("a", "US", EventType.PROTEST, 0.5, T0), T0));
        harness.processElement(new StreamRecord<>(envelope("b", "US", EventType.PROTEST, 0.5, T0), T0));
        harness.processElement(new StreamRecord<>(envelope("a", "US", EventType.PROTEST, 0.5, T0), T0));

        assertThat(ids(harness.extractOutputValues())).containsExactly("a", "b");
    }

    @Test
    void anIdIsForgottenAfterTheTtl() throws Exception {
        harness.setStateTtlProcessingTime(0);
        harness.processElement(new StreamRecord<>(envelope("a", "US", EventType.PROTEST, 0.5, T0), T0));
        harness.setStateTtlProcessingTime(TTL.toMillis() - 1);
        harness.processElement(new StreamRecord<>(envelope("a", "US", EventType.PROTEST, 0.5, T0), T0));
        harness.setStateTtlProcessingTime(TTL.toMillis() + 1);
        harness.processElement(new StreamRecord<>(envelope("a", "US", EventType.PROTEST, 0.5, T0), T0));

        assertThat(ids(harness.extractOutputValues())).containsExactly("a", "a");
    }

    @Test
    void eventTimeLagIsWallClockMinusWatermarkAndMinusOneBeforeTheFirstWatermark() {
        assertThat(DropDuplicateEvents.eventTimeLagMillis(Long.MIN_VALUE, T0)).isEqualTo(-1);
        assertThat(DropDuplicateEvents.eventTimeLagMillis(T0 - 90_000, T0)).isEqualTo(90_000);
        assertThat(DropDuplicateEvents.eventTimeLagMillis(T0 + 5, T0)).isZero();
    }

    @Test
    void seenIdsSurviveASnapshotAndRestore() throws Exception {
        harness.processElement(new StreamRecord<>(envelope("a", "US", EventType.PROTEST, 0.5, T0), T0));
        var snapshot = harness.snapshot(1, T0);
        harness.close();

        harness = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new DropDuplicateEvents(TTL, MetricsSettings.CLUSTER)),
                e -> e.event.getEventId(), Types.STRING);
        harness.initializeState(snapshot);
        harness.open();
        harness.processElement(new StreamRecord<>(envelope("a", "US", EventType.PROTEST, 0.5, T0), T0));
        harness.processElement(new StreamRecord<>(envelope("c", "US", EventType.PROTEST, 0.5, T0), T0));

        assertThat(ids(harness.extractOutputValues())).containsExactly("c");
    }

    private static List<String> ids(List<Envelope> out) {
        return out.stream().map(e -> e.event.getEventId()).toList();
    }
}
