package io.harbinger.stream.aggregate;

import io.harbinger.events.EventType;
import io.harbinger.stream.config.JobConfig.WindowSettings;
import io.harbinger.stream.records.Envelope;

import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.harbinger.stream.testing.TestEvents.T0;
import static io.harbinger.stream.testing.TestEvents.envelope;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RestoredWatermarkGuardTest {
    private static final long MINUTE = 60_000;
    private static final WindowSettings ONE_MINUTE = new WindowSettings(Duration.ofMinutes(1), Duration.ofSeconds(30), 10_000);

    private static OneInputStreamOperatorTestHarness<Envelope, Envelope> harness(WindowSettings settings)
            throws Exception {
        return new OneInputStreamOperatorTestHarness<>(new RestoredWatermarkGuard(settings));
    }

    private static OperatorSubtaskState runUntilWatermark(long watermark) throws Exception {
        try (var first = harness(ONE_MINUTE)) {
            first.open();
            first.processElement(new StreamRecord<>(envelope("a", "US", EventType.PROTEST, 0.5, T0), T0));
            first.processWatermark(watermark);
            return first.snapshot(1, 0);
        }
    }

    @Test
    void afterARestoreAnEventForAWindowPurgedBeforeTheCheckpointIsLate() throws Exception {
        // watermark at T0 + 2m: [T0, T0+1m) was purged at T0 + 1m + 30s - 1
        OperatorSubtaskState snapshot = runUntilWatermark(T0 + 2 * MINUTE);

        try (var restored = harness(ONE_MINUTE)) {
            restored.initializeState(snapshot);
            restored.open();
            restored.processElement(new StreamRecord<>(envelope("old", "US", EventType.PROTEST, 0.5, T0 + 5_000), T0));
            restored.processElement(new StreamRecord<>(envelope("open", "US", EventType.PROTEST, 0.5,
                    T0 + MINUTE + 5_000), T0));

            assertThat(restored.getSideOutput(SeverityWindows.LATE_EVENTS))
                    .extracting(r -> r.getValue().event.getEventId()).containsExactly("old");
            assertThat(restored.extractOutputValues()).extracting(e -> e.event.getEventId()).containsExactly("open");
        }
    }

    @Test
    void oncePastTheRestoredWatermarkTheWindowsJudgeLatenessThemselves() throws Exception {
        OperatorSubtaskState snapshot = runUntilWatermark(T0 + 2 * MINUTE);

        try (var restored = harness(ONE_MINUTE)) {
            restored.initializeState(snapshot);
            restored.open();
            restored.processWatermark(T0 + 3 * MINUTE);
            restored.processElement(new StreamRecord<>(envelope("old", "US", EventType.PROTEST, 0.5, T0 + 5_000), T0));

            assertThat(restored.extractOutputValues()).hasSize(1);
            assertThat(restored.getSideOutput(SeverityWindows.LATE_EVENTS)).isNull();
        }
    }

    @Test
    void aFreshStartPassesEverything() throws Exception {
        try (var fresh = harness(ONE_MINUTE)) {
            fresh.open();
            fresh.processElement(new StreamRecord<>(envelope("old", "US", EventType.PROTEST, 0.5, 0), 0));
            assertThat(fresh.extractOutputValues()).hasSize(1);
        }
    }

    @Test
    void aRestoreWithAnotherWindowSizeIsRefusedWithAClearMessage() throws Exception {
        OperatorSubtaskState snapshot = runUntilWatermark(T0 + 2 * MINUTE);

        try (var restored = harness(new WindowSettings(Duration.ofMinutes(5), Duration.ofSeconds(30), 10_000))) {
            assertThatThrownBy(() -> restored.initializeState(snapshot))
                    .hasMessageContaining("tumbling(size=60000ms)")
                    .hasMessageContaining("tumbling(size=300000ms)")
                    .hasMessageContaining("window.size");
        }
    }
}
