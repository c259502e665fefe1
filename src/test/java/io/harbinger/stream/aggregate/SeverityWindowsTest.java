package io.harbinger.stream.aggregate;

import io.harbinger.curated.SeverityAggregate;
import io.harbinger.events.EventType;
import io.harbinger.stream.config.JobConfig.WindowSettings;
import io.harbinger.stream.validate.Envelope;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.transformations.OneInputTransformation;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static io.harbinger.stream.testing.TestEvents.T0;
import static io.harbinger.stream.testing.TestEvents.envelope;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Drives the job's real window stage (as {@link SeverityWindows} wires it) through a keyed operator harness. */
class SeverityWindowsTest {
    private static final long MINUTE = 60_000;
    private static final WindowSettings SETTINGS = new WindowSettings(Duration.ofMinutes(1), Duration.ofSeconds(30));

    private KeyedOneInputStreamOperatorTestHarness<String, Envelope, SeverityAggregate> harness;

    @BeforeEach
    @SuppressWarnings("unchecked")
    void setUp() throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        SingleOutputStreamOperator<SeverityAggregate> windows = SeverityWindows.windows(
                env.fromData(TypeInformation.of(Envelope.class), envelope("x", "US", EventType.PROTEST, 0, T0)),
                SETTINGS);
        var transformation = (OneInputTransformation<Envelope, SeverityAggregate>) windows.getTransformation();
        harness = new KeyedOneInputStreamOperatorTestHarness<>(
                (OneInputStreamOperator<Envelope, SeverityAggregate>) transformation.getOperator(),
                (org.apache.flink.api.java.functions.KeySelector<Envelope, String>) transformation.getStateKeySelector(),
                (TypeInformation<String>) transformation.getStateKeyType());
        harness.open();
    }

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
    }

    @Test
    void windowEmitsExactStatisticsWhenTheWatermarkPassesItsEnd() throws Exception {
        add("a", "US", EventType.PROTEST, 0.2, T0 + 1_000);
        add("b", "US", EventType.PROTEST, 0.4, T0 + 20_000);
        add("c", "US", EventType.PROTEST, 0.9, T0 + 59_999);
        add("d", "FR", EventType.PROTEST, 0.7, T0 + 5_000);
        add("e", "US", EventType.CONFLICT, 0.1, T0 + 5_000);
        harness.processWatermark(T0 + MINUTE - 2);
        assertThat(harness.extractOutputValues()).isEmpty();

        harness.processWatermark(T0 + MINUTE - 1);

        List<SeverityAggregate> out = harness.extractOutputValues();
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
        harness.processWatermark(T0 + MINUTE + 10_000);
        add("late-1", "US", EventType.PROTEST, 0.6, T0 + 2_000);
        add("late-2", "US", EventType.PROTEST, 0.4, T0 + 3_000);

        List<SeverityAggregate> out = harness.extractOutputValues();
        assertThat(out).extracting(SeverityAggregate::getRevision).containsExactly(0, 1, 2);
        assertThat(out).extracting(SeverityAggregate::getCount).containsExactly(1L, 2L, 3L);
        assertThat(out.get(2).getSeverityMean()).isCloseTo(0.4, within(1e-12));
        assertThat(harness.getSideOutput(SeverityWindows.LATE_EVENTS)).isNull();
    }

    @Test
    void eventBeyondAllowedLatenessGoesToTheLateSideOutputAndStateIsPurged() throws Exception {
        add("a", "US", EventType.PROTEST, 0.2, T0 + 1_000);
        harness.processWatermark(T0 + MINUTE + 30_000 - 1);
        assertThat(harness.numKeyedStateEntries()).isZero();

        add("too-late", "US", EventType.PROTEST, 0.8, T0 + 2_000);

        assertThat(harness.extractOutputValues()).hasSize(1);
        assertThat(harness.getSideOutput(SeverityWindows.LATE_EVENTS))
                .extracting(r -> r.getValue().event.getEventId()).containsExactly("too-late");
    }

    @Test
    void windowsAreAlignedToTheEpochAndIndependent() throws Exception {
        add("a", "US", EventType.PROTEST, 0.2, T0 + MINUTE - 1);
        add("b", "US", EventType.PROTEST, 0.4, T0 + MINUTE);
        harness.processWatermark(T0 + 2 * MINUTE);

        assertThat(harness.extractOutputValues())
                .extracting(SeverityAggregate::getWindowStart, SeverityAggregate::getCount)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(T0, 1L),
                        org.assertj.core.groups.Tuple.tuple(T0 + MINUTE, 1L));
    }

    private void add(String id, String country, EventType type, double severity, long ts) throws Exception {
        harness.processElement(new StreamRecord<>(envelope(id, country, type, severity, ts), ts));
    }

    private static SeverityAggregate only(List<SeverityAggregate> out, String country, String type) {
        return out.stream().filter(a -> a.getCountryCode().equals(country) && a.getEventType().equals(type))
                .reduce((a, b) -> {
                    throw new AssertionError("more than one aggregate for " + country + "|" + type);
                }).orElseThrow();
    }
}
