package io.harbinger.stream.aggregate;

import io.harbinger.curated.SeverityAggregate;
import io.harbinger.events.EventType;
import io.harbinger.stream.config.JobConfig.MetricsSettings;
import io.harbinger.stream.config.JobConfig.WindowSettings;
import io.harbinger.stream.records.Envelope;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.transformations.OneInputTransformation;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static io.harbinger.stream.testing.TestEvents.T0;
import static io.harbinger.stream.testing.TestEvents.envelope;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Drives the job's real window stage as {@link SeverityWindows} wires it: the pre-aggregation in front of the
 * window through one harness, everything it emits (partials, watermarks, in order) into the keyed window's
 * harness, as the network would.
 */
class SeverityWindowsTest {
    private static final long MINUTE = 60_000;
    private static final WindowSettings SETTINGS = new WindowSettings(Duration.ofMinutes(1), Duration.ofSeconds(30), 10_000);

    private StageHarness stage;

    @BeforeEach
    void setUp() throws Exception {
        stage = new StageHarness(SETTINGS);
    }

    @AfterEach
    void tearDown() throws Exception {
        stage.close();
    }

    /** Pre-aggregation and window, each in its harness, the first feeding the second. */
    static final class StageHarness implements AutoCloseable {
        final OneInputStreamOperatorTestHarness<Envelope, PartialAggregate> preAggregate;
        final KeyedOneInputStreamOperatorTestHarness<String, PartialAggregate, SeverityAggregate> window;
        /** What the pre-aggregation sent on, kept for the assertions on it. */
        final List<Object> sent = new ArrayList<>();

        @SuppressWarnings("unchecked")
        StageHarness(WindowSettings settings) throws Exception {
            preAggregate = new OneInputStreamOperatorTestHarness<>(
                    new PreAggregateWindows(new TumblingWindowRule(settings), settings.preAggregationMaxKeys()));
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            SingleOutputStreamOperator<SeverityAggregate> windows = SeverityWindows.windows(
                    env.fromData(TypeInformation.of(PartialAggregate.class), new PartialAggregate("US|PROTEST",
                            new SeverityAccumulator())), settings, MetricsSettings.CLUSTER);
            var transformation = (OneInputTransformation<PartialAggregate, SeverityAggregate>) windows.getTransformation();
            window = new KeyedOneInputStreamOperatorTestHarness<>(
                    (OneInputStreamOperator<PartialAggregate, SeverityAggregate>) transformation.getOperator(),
                    (KeySelector<PartialAggregate, String>) transformation.getStateKeySelector(),
                    (TypeInformation<String>) transformation.getStateKeyType());
            preAggregate.open();
            window.open();
        }

        void add(String id, String country, EventType type, double severity, long ts) throws Exception {
            preAggregate.processElement(new StreamRecord<>(envelope(id, country, type, severity, ts), ts));
            forward();
        }

        void watermark(long watermark) throws Exception {
            preAggregate.processWatermark(watermark);
            forward();
        }

        void checkpoint(long id) throws Exception {
            preAggregate.prepareSnapshotPreBarrier(id);
            forward();
        }

        @SuppressWarnings("unchecked")
        private void forward() throws Exception {
            Object next;
            while ((next = preAggregate.getOutput().poll()) != null) {
                sent.add(next);
                if (next instanceof Watermark mark) {
                    window.processWatermark(mark);
                } else if (next instanceof StreamRecord<?> record) {
                    window.processElement((StreamRecord<PartialAggregate>) record);
                }
            }
        }

        List<SeverityAggregate> aggregates() {
            return window.extractOutputValues();
        }

        List<String> lateEventIds() {
            var late = preAggregate.getSideOutput(SeverityWindows.LATE_EVENTS);
            return late == null ? List.of() : late.stream().map(r -> r.getValue().event.getEventId()).toList();
        }

        long partialsSent() {
            return sent.stream().filter(StreamRecord.class::isInstance).count();
        }

        @Override
        public void close() throws Exception {
            preAggregate.close();
            window.close();
        }
    }

    @Test
    void windowEmitsExactStatisticsWhenTheWatermarkPassesItsEnd() throws Exception {
        add("a", "US", EventType.PROTEST, 0.2, T0 + 1_000);
        add("b", "US", EventType.PROTEST, 0.4, T0 + 20_000);
        add("c", "US", EventType.PROTEST, 0.9, T0 + 59_999);
        add("d", "FR", EventType.PROTEST, 0.7, T0 + 5_000);
        add("e", "US", EventType.CONFLICT, 0.1, T0 + 5_000);
        stage.watermark(T0 + MINUTE - 2);
        assertThat(stage.aggregates()).isEmpty();

        stage.watermark(T0 + MINUTE - 1);

        List<SeverityAggregate> out = stage.aggregates();
        assertThat(out).hasSize(3);
        SeverityAggregate us = only(out, "US", "PROTEST");
        assertThat(us.getWindowStart()).isEqualTo(T0);
        assertThat(us.getWindowEnd()).isEqualTo(T0 + MINUTE);
        assertThat(us.getCount()).isEqualTo(3);
        assertThat(us.getSeveritySum()).isCloseTo(1.5, within(1e-12));
        assertThat(us.getSeverityMean()).isCloseTo(0.5, within(1e-12));
        assertThat(us.getSeverityMin()).isEqualTo(0.2);
        assertThat(us.getSeverityMax()).isEqualTo(0.9);
        // population stddev of {0.2, 0.4, 0.9}: sqrt((0.09 + 0.01 + 0.16) / 3)
        assertThat(us.getSeverityStddev()).isCloseTo(Math.sqrt(0.26 / 3), within(1e-12));
        assertThat(us.getRevision()).isZero();
        assertThat(only(out, "FR", "PROTEST").getCount()).isEqualTo(1);
        assertThat(only(out, "FR", "PROTEST").getSeverityStddev()).isZero();
        assertThat(only(out, "US", "CONFLICT").getSeverityMean()).isEqualTo(0.1);
    }

    @Test
    void lateEventWithinAllowedLatenessFiresTheWindowAgainWithTheNextRevision() throws Exception {
        add("a", "US", EventType.PROTEST, 0.2, T0 + 1_000);
        stage.watermark(T0 + MINUTE + 10_000);
        add("late-1", "US", EventType.PROTEST, 0.6, T0 + 2_000);
        add("late-2", "US", EventType.PROTEST, 0.4, T0 + 3_000);

        List<SeverityAggregate> out = stage.aggregates();
        assertThat(out).extracting(SeverityAggregate::getRevision).containsExactly(0, 1, 2);
        assertThat(out).extracting(SeverityAggregate::getCount).containsExactly(1L, 2L, 3L);
        assertThat(out.get(2).getSeverityMean()).isCloseTo(0.4, within(1e-12));
        assertThat(stage.lateEventIds()).isEmpty();
    }

    @Test
    void eventBeyondAllowedLatenessGoesToTheLateSideOutputAndStateIsPurged() throws Exception {
        add("a", "US", EventType.PROTEST, 0.2, T0 + 1_000);
        stage.watermark(T0 + MINUTE + 30_000 - 1);
        assertThat(stage.window.numKeyedStateEntries()).isZero();

        add("too-late", "US", EventType.PROTEST, 0.8, T0 + 2_000);

        assertThat(stage.aggregates()).hasSize(1);
        assertThat(stage.lateEventIds()).containsExactly("too-late");
        assertThat(stage.partialsSent()).as("the late event never reaches the window").isEqualTo(1);
    }

    @Test
    void windowsAreAlignedToTheEpochAndIndependent() throws Exception {
        add("a", "US", EventType.PROTEST, 0.2, T0 + MINUTE - 1);
        add("b", "US", EventType.PROTEST, 0.4, T0 + MINUTE);
        stage.watermark(T0 + 2 * MINUTE);

        assertThat(stage.aggregates())
                .extracting(SeverityAggregate::getWindowStart, SeverityAggregate::getCount)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(T0, 1L),
                        org.assertj.core.groups.Tuple.tuple(T0 + MINUTE, 1L));
    }

    @Test
    void eventsOfOneKeyAndWindowReachTheWindowAsOnePartialJustBeforeTheWatermarkThatFiresIt() throws Exception {
        add("a", "US", EventType.PROTEST, 0.2, T0 + 1_000);
        add("b", "US", EventType.PROTEST, 0.4, T0 + 20_000);
        add("c", "US", EventType.PROTEST, 0.9, T0 + 59_999);
        add("next-window", "US", EventType.PROTEST, 0.5, T0 + MINUTE);
        stage.watermark(T0 + MINUTE - 2);
        assertThat(stage.partialsSent()).isZero();

        stage.watermark(T0 + MINUTE - 1);

        assertThat(stage.sent).hasSize(3);
        assertThat(stage.sent.get(2)).isEqualTo(new Watermark(T0 + MINUTE - 1));
        @SuppressWarnings("unchecked")
        var partial = (StreamRecord<PartialAggregate>) stage.sent.get(1);
        assertThat(partial.getValue().key).isEqualTo("US|PROTEST");
        assertThat(partial.getValue().severity.count).isEqualTo(3);
        assertThat(partial.getTimestamp()).isEqualTo(T0 + MINUTE - 1);
        assertThat(stage.aggregates()).singleElement()
                .satisfies(a -> assertThat(a.getCount()).isEqualTo(3))
                .satisfies(a -> assertThat(a.getRevision()).isZero());
    }

    @Test
    void aCheckpointBarrierFindsNothingBufferedSoNothingIsLostOnRestore() throws Exception {
        add("a", "US", EventType.PROTEST, 0.2, T0 + 1_000);
        add("b", "US", EventType.PROTEST, 0.4, T0 + 2_000);

        stage.checkpoint(1);
        assertThat(stage.partialsSent()).isEqualTo(1);
        OperatorSubtaskState snapshot = stage.preAggregate.snapshot(1, 0);
        try (var restored = new OneInputStreamOperatorTestHarness<>(
                new PreAggregateWindows(new TumblingWindowRule(SETTINGS), SETTINGS.preAggregationMaxKeys()))) {
            restored.initializeState(snapshot);
            restored.open();
            restored.processWatermark(Long.MAX_VALUE);
            assertThat(restored.extractOutputValues()).as("a restored pre-aggregation has nothing to send").isEmpty();
        }

        add("c", "US", EventType.PROTEST, 0.9, T0 + 3_000);
        stage.watermark(T0 + MINUTE);
        assertThat(stage.aggregates()).singleElement().satisfies(a -> {
            assertThat(a.getCount()).isEqualTo(3);
            assertThat(a.getSeverityMean()).isCloseTo(0.5, within(1e-12));
            assertThat(a.getSeverityStddev()).isCloseTo(Math.sqrt(0.26 / 3), within(1e-12));
        });
    }

    @Test
    void oneKeyMoreThanMaxKeysSendsWhatIsBufferedFirst() throws Exception {
        try (var bounded = new StageHarness(new WindowSettings(Duration.ofMinutes(1), Duration.ofSeconds(30), 2))) {
            bounded.add("a", "US", EventType.PROTEST, 0.2, T0 + 1_000);
            bounded.add("b", "FR", EventType.PROTEST, 0.4, T0 + 2_000);
            bounded.add("c", "US", EventType.PROTEST, 0.6, T0 + 3_000);
            assertThat(bounded.partialsSent()).isZero();

            bounded.add("d", "DE", EventType.PROTEST, 0.8, T0 + 4_000);
            assertThat(bounded.partialsSent()).isEqualTo(2);

            bounded.watermark(T0 + MINUTE);
            assertThat(bounded.aggregates())
                    .extracting(SeverityAggregate::getCountryCode, SeverityAggregate::getCount)
                    .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("US", 2L),
                            org.assertj.core.groups.Tuple.tuple("FR", 1L), org.assertj.core.groups.Tuple.tuple("DE", 1L));
        }
    }

    @Test
    void maxKeysZeroSendsEveryEventOnItsOwn() throws Exception {
        try (var unbuffered = new StageHarness(new WindowSettings(Duration.ofMinutes(1), Duration.ofSeconds(30), 0))) {
            unbuffered.add("a", "US", EventType.PROTEST, 0.2, T0 + 1_000);
            unbuffered.add("b", "US", EventType.PROTEST, 0.4, T0 + 2_000);
            assertThat(unbuffered.partialsSent()).isEqualTo(2);
            unbuffered.watermark(T0 + MINUTE);
            assertThat(unbuffered.aggregates()).singleElement()
                    .satisfies(a -> assertThat(a.getCount()).isEqualTo(2));
        }
    }

    /**
     * The same disordered stream (late events within and beyond the allowed lateness, watermarks, checkpoints)
     * through the stage without pre-aggregation, with a tiny buffer, and with the default one: the same
     * aggregates, revisions and late events come out.
     */
    @Test
    void preAggregationChangesNoResultOfADisorderedStream() throws Exception {
        Map<String, SeverityAggregate> expected = null;
        List<String> expectedLate = null;
        for (int maxKeys : new int[] {0, 3, 10_000}) {
            Random random = new Random(42);
            try (var run = new StageHarness(new WindowSettings(Duration.ofMinutes(1), Duration.ofSeconds(30), maxKeys))) {
                long clock = T0;
                String[] countries = {"US", "FR", "DE"};
                EventType[] types = {EventType.PROTEST, EventType.CONFLICT};
                for (int i = 0; i < 5_000; i++) {
                    clock += 100;
                    long ts = random.nextInt(20) == 0 ? clock - 30_000 - random.nextInt(150_000)
                            : clock - random.nextInt(5_000);
                    run.add("e" + i, countries[random.nextInt(3)], types[random.nextInt(2)],
                            Math.round(random.nextDouble() * 100) / 100.0, ts);
                    if (i % 50 == 49) run.watermark(clock - 5_000);
                    if (i % 700 == 699) run.checkpoint(i);
                }
                run.watermark(Long.MAX_VALUE);
                Map<String, SeverityAggregate> byWindowAndRevision = new TreeMap<>();
                for (SeverityAggregate a : run.aggregates()) {
                    byWindowAndRevision.put(a.getCountryCode() + "|" + a.getEventType() + "|" + a.getWindowStart()
                            + "|" + a.getRevision(), a);
                }
                List<String> late = run.lateEventIds().stream().sorted().toList();
                if (expected == null) {
                    expected = byWindowAndRevision;
                    expectedLate = late;
                    assertThat(late).as("the stream has events beyond the allowed lateness").isNotEmpty();
                    assertThat(expected.keySet()).as("and late events within it").anyMatch(k -> !k.endsWith("|0"));
                    continue;
                }
                assertThat(late).as("late events with max-keys " + maxKeys).isEqualTo(expectedLate);
                assertThat(byWindowAndRevision.keySet()).as("windows and revisions with max-keys " + maxKeys)
                        .isEqualTo(expected.keySet());
                for (var entry : expected.entrySet()) {
                    SeverityAggregate want = entry.getValue();
                    SeverityAggregate got = byWindowAndRevision.get(entry.getKey());
                    assertThat(got.getCount()).as(entry.getKey()).isEqualTo(want.getCount());
                    assertThat(got.getSeverityMin()).as(entry.getKey()).isEqualTo(want.getSeverityMin());
                    assertThat(got.getSeverityMax()).as(entry.getKey()).isEqualTo(want.getSeverityMax());
                    assertThat(got.getSeveritySum()).as(entry.getKey()).isCloseTo(want.getSeveritySum(), within(1e-9));
                    assertThat(got.getSeverityMean()).as(entry.getKey()).isCloseTo(want.getSeverityMean(), within(1e-9));
                    assertThat(got.getSeverityStddev()).as(entry.getKey())
                            .isCloseTo(want.getSeverityStddev(), within(1e-9));
                }
            }
        }
    }

    private void add(String id, String country, EventType type, double severity, long ts) throws Exception {
        stage.add(id, country, type, severity, ts);
    }

    private static SeverityAggregate only(List<SeverityAggregate> out, String country, String type) {
        return out.stream().filter(a -> a.getCountryCode().equals(country) && a.getEventType().equals(type))
                .reduce((a, b) -> {
                    throw new AssertionError("more than one aggregate for " + country + "|" + type);
                }).orElseThrow();
    }
}
