package io.harbinger.stream.aggregate;

import io.harbinger.events.EventType;
import io.harbinger.stream.config.JobConfig.EventTimeSettings;
import io.harbinger.stream.records.Envelope;
import io.harbinger.stream.records.Reason;
import io.harbinger.stream.testing.TestEvents;

import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.eventtime.TimestampAssigner;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.api.common.eventtime.WatermarkGeneratorSupplier;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.harbinger.stream.testing.TestEvents.T0;
import static org.assertj.core.api.Assertions.assertThat;

class EventTimeStrategyTest {
    private static final Duration IDLENESS = Duration.ofMillis(100);
    private static final EventTimeSettings SETTINGS = new EventTimeSettings(Duration.ofSeconds(5), IDLENESS);

    private final RecordingOutput output = new RecordingOutput();
    private final WatermarkStrategy<Envelope> strategy = EventTimeStrategy.forEvents(SETTINGS);
    private final WatermarkGenerator<Envelope> generator = strategy.createWatermarkGenerator(context());
    private final TimestampAssigner<Envelope> timestamps = strategy.createTimestampAssigner(null);

    @Test
    void validEventsDriveTheWatermarkWithBoundedOutOfOrderness() {
        feed(TestEvents.envelope("a", "US", EventType.PROTEST, 0.5, T0 + 60_000));
        generator.onPeriodicEmit(output);

        assertThat(output.watermarks).containsExactly(T0 + 60_000 - 5_000 - 1);
    }

    @Test
    void rejectedRecordsNeitherMoveTheWatermarkNorKeepAPartitionActive() throws InterruptedException {
        Envelope wild = TestEvents.envelope("z", "US", EventType.PROTEST, 0.5, Long.MAX_VALUE / 2)
                .withReason(Reason.TIMESTAMP_IN_FUTURE, "far future");
        assertThat(timestamps.extractTimestamp(wild, 0)).isEqualTo(Long.MIN_VALUE);

        generator.onPeriodicEmit(output); // the idleness timer starts
        // Flink's idleness timer runs on the wall clock: feed garbage for three idleness periods.
        long until = System.nanoTime() + 3 * IDLENESS.toNanos();
        while (System.nanoTime() < until) {
            feed(wild);
            generator.onPeriodicEmit(output);
            Thread.sleep(10);
        }

        assertThat(output.watermarks).allMatch(w -> w == Long.MIN_VALUE);
        assertThat(output.idle).isTrue();
    }

    private void feed(Envelope envelope) {
        generator.onEvent(envelope, timestamps.extractTimestamp(envelope, 0), output);
    }

    private static WatermarkGeneratorSupplier.Context context() {
        return UnregisteredMetricsGroup::new;
    }

    private static final class RecordingOutput implements WatermarkOutput {
        final List<Long> watermarks = new ArrayList<>();
        boolean idle;

        @Override
        public void emitWatermark(Watermark watermark) {
            watermarks.add(watermark.getTimestamp());
            idle = false;
        }

        @Override
        public void markIdle() {
            idle = true;
        }

        @Override
        public void markActive() {
            idle = false;
        }
    }
}
