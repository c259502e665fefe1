package io.harbinger.stream.source;

import io.harbinger.events.EventType;
import io.harbinger.stream.aggregate.EventTimeStrategy;
import io.harbinger.stream.config.JobConfig.EventTimeSettings;
import io.harbinger.stream.records.Envelope;
import io.harbinger.stream.records.RawRecord;
import io.harbinger.stream.records.Reason;
import io.harbinger.stream.validate.KinesisEnvelopeDeserializer;

import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static io.harbinger.stream.testing.TestEvents.T0;
import static io.harbinger.stream.testing.TestEvents.event;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * PerShardWatermarks through Flink's operator test harness. Two clocks are at work, as in the job: the shards'
 * idleness is Flink's WatermarksWithIdleness on the wall clock (so these tests sleep past it), the subtask's
 * own idleness, its start-up hold and the periodic emission run on the operator's processing-time service
 * (driven here by {@code setProcessingTime}). Most tests start past the start-up hold ({@link #pastStartUp()}).
 */
class PerShardWatermarksTest {
    private static final long OUT_OF_ORDERNESS = 1_000;
    private static final Duration IDLENESS = Duration.ofMillis(150);
    private static final long TICK = 50; // the auto-watermark interval, shorter than the idleness as in the job
    private static final String STREAM = "raw";

    private OneInputStreamOperatorTestHarness<Envelope, Envelope> harness;
    private long processingTime;
    private long sequence;

    @BeforeEach
    void open() throws Exception {
        harness = harness();
        harness.open();
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    private static OneInputStreamOperatorTestHarness<Envelope, Envelope> harness() throws Exception {
        EventTimeSettings settings = new EventTimeSettings(Duration.ofMillis(OUT_OF_ORDERNESS), IDLENESS);
        var harness = new OneInputStreamOperatorTestHarness<Envelope, Envelope>(
                new PerShardWatermarks(EventTimeStrategy.forEvents(settings), IDLENESS));
        harness.getExecutionConfig().setAutoWatermarkInterval(TICK);
        return harness;
    }

    @Test
    void forTheIdlenessAfterStartNoWatermarkLeavesSoThatEveryShardCanDeliverFirst() throws Exception {
        valid("shardId-0", T0 + 3_600_000); // its whole backlog came in one batch, an hour ahead
        tick();
        valid("shardId-1", T0 + 10_000); // the other shard's first batch comes later
        tick();
        assertThat(watermarks()).isEmpty();
        valid("shardId-0", T0 + 3_600_001);
        tick(); // the idleness (150 ms) since open is over

        // Had the first tick emitted shard 0's watermark, shard 1's records would all have been late.
        assertThat(watermarks()).containsExactly(T0 + 10_000 - OUT_OF_ORDERNESS - 1);
        assertThat(statuses()).isEmpty();
    }

    @Test
    void theWatermarkIsTheMinimumOverShardsAndEveryRecordIsStampedWithItsEventTime() throws Exception {
        pastStartUp();
        valid("shardId-0", T0 + 60_000);
        valid("shardId-1", T0 + 10_000);
        tick();

        assertThat(watermarks()).containsExactly(T0 + 10_000 - OUT_OF_ORDERNESS - 1);
        assertThat(harness.extractOutputStreamRecords()).extracting(StreamRecord::getTimestamp)
                .containsExactly(T0 + 60_000, T0 + 10_000);
    }

    @Test
    void anIdleShardDoesNotHoldBackTheWatermark() throws Exception {
        pastStartUp();
        valid("shardId-0", T0 + 10_000);
        valid("shardId-1", T0 + 10_000);
        tick();
        valid("shardId-0", T0 + 120_000);
        tick(); // shard 1 delivered nothing since the last emit: its inactivity starts
        assertThat(watermarks()).containsExactly(T0 + 10_000 - OUT_OF_ORDERNESS - 1);

        pastShardIdleness();
        valid("shardId-0", T0 + 121_000); // shard 0 stays active
        tick();

        assertThat(watermarks()).containsExactly(T0 + 10_000 - OUT_OF_ORDERNESS - 1,
                T0 + 121_000 - OUT_OF_ORDERNESS - 1);
        assertThat(statuses()).containsExactly(WatermarkStatus.ACTIVE); // shard 0 delivers: the subtask stays active
    }

    @Test
    void rejectedRecordsNeitherMoveNorKeepAliveTheirShardsWatermark() throws Exception {
        pastStartUp();
        valid("shardId-0", T0 + 10_000);
        valid("shardId-1", T0 + 10_000);
        tick();
        // Shard 1 from now on only delivers garbage, one record with a timestamp far in the future.
        valid("shardId-0", T0 + 60_000);
        rejected("shardId-1", T0 + 3_600_000);
        tick();
        assertThat(watermarks()).containsExactly(T0 + 10_000 - OUT_OF_ORDERNESS - 1);

        pastShardIdleness();
        valid("shardId-0", T0 + 61_000);
        rejected("shardId-1", T0 + 3_600_000); // would reset the idleness timer if it counted as activity
        tick();

        // Shard 1 went idle despite its records, and its wild timestamp moved nothing.
        assertThat(watermarks()).containsExactly(T0 + 10_000 - OUT_OF_ORDERNESS - 1,
                T0 + 61_000 - OUT_OF_ORDERNESS - 1);
        // Rejected records still pass on to the dead-letter split, without an event timestamp.
        assertThat(harness.extractOutputStreamRecords()).filteredOn(r -> !r.getValue().isValid())
                .extracting(StreamRecord::getTimestamp).containsOnly(Long.MIN_VALUE);
    }

    @Test
    void aSubtaskThatSeesOnlyRejectedRecordsGoesIdleAndComesBackWithAValidOne() throws Exception {
        for (int i = 0; i < 4; i++) {
            rejected("shardId-0", T0);
            tick(); // 50 ms of processing time each: the 150 ms idleness since open is reached on the third
        }
        assertThat(statuses()).containsExactly(WatermarkStatus.IDLE);
        assertThat(watermarks()).isEmpty();

        pastShardIdleness(); // shard 0 too goes idle, so that it does not hold back shard 1 below
        valid("shardId-1", T0 + 30_000);
        tick();
        assertThat(statuses()).containsExactly(WatermarkStatus.IDLE, WatermarkStatus.ACTIVE);
        assertThat(watermarks()).containsExactly(T0 + 30_000 - OUT_OF_ORDERNESS - 1);
    }

    @Test
    void reshardingAClosedParentGoesIdleAndItsChildrenAreAddedAsTheyAppear() throws Exception {
        pastStartUp();
        valid("shardId-0", T0 + 10_000); // the parent, about to be split
        valid("shardId-1", T0 + 10_000);
        tick();
        // The split: the parent delivers no more; its two children appear and carry on.
        valid("shardId-2", T0 + 20_000);
        valid("shardId-3", T0 + 20_000);
        valid("shardId-1", T0 + 20_000);
        tick();
        assertThat(watermarks()).containsExactly(T0 + 10_000 - OUT_OF_ORDERNESS - 1);

        pastShardIdleness();
        valid("shardId-2", T0 + 30_000);
        valid("shardId-3", T0 + 25_000);
        valid("shardId-1", T0 + 30_000);
        tick();

        // The closed parent no longer counts; the slower child does.
        assertThat(watermarks()).containsExactly(T0 + 10_000 - OUT_OF_ORDERNESS - 1,
                T0 + 25_000 - OUT_OF_ORDERNESS - 1);
    }

    @Test
    void aNewShardBehindTheOthersNeverTurnsTheWatermarkBack() throws Exception {
        pastStartUp();
        valid("shardId-0", T0 + 60_000);
        tick();
        valid("shardId-5", T0 + 1_000); // e.g. discovered late, with older records
        valid("shardId-0", T0 + 61_000);
        tick();

        assertThat(watermarks()).containsExactly(T0 + 60_000 - OUT_OF_ORDERNESS - 1);
    }

    @Test
    void upstreamWatermarksAreIgnoredExceptTheFinalOne() throws Exception {
        pastStartUp();
        valid("shardId-0", T0 + 10_000);
        harness.processWatermark(new Watermark(T0 + 500_000)); // the consumer emits none; if any, not trusted
        harness.processWatermarkStatus(WatermarkStatus.IDLE);
        tick();
        harness.processWatermark(new Watermark(Long.MAX_VALUE)); // end of input or stop --drain
        tick();

        assertThat(watermarks()).containsExactly(T0 + 10_000 - OUT_OF_ORDERNESS - 1, Long.MAX_VALUE);
        assertThat(statuses()).containsExactly(WatermarkStatus.ACTIVE); // the upstream IDLE did not pass
    }

    @Test
    void itKeepsNoStateSoARestoredSubtaskStartsFromTheShardsItReadsAfterwards() throws Exception {
        pastStartUp();
        valid("shardId-0", T0 + 60_000);
        valid("shardId-1", T0 + 60_000);
        tick();
        OperatorSubtaskState snapshot = harness.snapshot(1, processingTime);
        assertThat(snapshot.getManagedOperatorState()).isEmpty();
        assertThat(snapshot.getRawOperatorState()).isEmpty();

        // Only the sources keep positions; events of windows purged before the checkpoint are the
        // RestoredWatermarkGuard's (aggregate package), so here a restore starts clean from the new records.
        try (var restored = harness()) {
            restored.setProcessingTime(processingTime);
            restored.initializeState(snapshot);
            restored.open();
            restored.processElement(new StreamRecord<>(envelope("shardId-1", true, T0 + 70_000)));
            restored.setProcessingTime(processingTime + TICK);
            assertThat(restored.getOutput()).noneMatch(o -> o instanceof Watermark); // the start-up hold again
            for (long t = processingTime + 2 * TICK; t <= processingTime + IDLENESS.toMillis(); t += TICK) {
                restored.setProcessingTime(t);
            }

            assertThat(restored.getOutput()).filteredOn(o -> o instanceof Watermark)
                    .extracting(o -> ((Watermark) o).getTimestamp())
                    .containsExactly(T0 + 70_000 - OUT_OF_ORDERNESS - 1);
        }
    }

    private void valid(String shard, long eventTime) throws Exception {
        harness.processElement(new StreamRecord<>(envelope(shard, true, eventTime)));
    }

    private void rejected(String shard, long eventTime) throws Exception {
        harness.processElement(new StreamRecord<>(envelope(shard, false, eventTime)));
    }

    private Envelope envelope(String shard, boolean valid, long eventTime) {
        RawRecord raw = KinesisEnvelopeDeserializer.toRaw(new byte[] {1}, "key", String.valueOf(++sequence),
                T0, STREAM, shard);
        Envelope envelope = Envelope.valid(raw, event("e" + sequence, "US", EventType.PROTEST, 0.5, eventTime));
        return valid ? envelope : envelope.withReason(Reason.TIMESTAMP_IN_FUTURE, "test");
    }

    /** Past the start-up hold, with nothing read yet: the subtask has just gone idle; the output is cleared. */
    private void pastStartUp() throws Exception {
        while (processingTime < IDLENESS.toMillis()) {
            tick();
        }
        assertThat(statuses()).containsExactly(WatermarkStatus.IDLE);
        harness.getOutput().clear();
    }

    /** One periodic emission: the processing-time timer of the watermark interval fires. */
    private void tick() throws Exception {
        processingTime += TICK;
        harness.setProcessingTime(processingTime);
    }

    private static void pastShardIdleness() throws InterruptedException {
        Thread.sleep(IDLENESS.toMillis() + 100);
    }

    private List<Long> watermarks() {
        return harness.getOutput().stream().filter(o -> o instanceof Watermark)
                .map(o -> ((Watermark) o).getTimestamp()).toList();
    }

    private List<WatermarkStatus> statuses() {
        return harness.getOutput().stream().filter(o -> o instanceof WatermarkStatus)
                .map(o -> (WatermarkStatus) o).toList();
    }
}
