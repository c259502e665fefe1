package io.harbinger.stream.validate;

import io.harbinger.events.EventType;
import io.harbinger.stream.config.JobConfig.MetricsSettings;
import io.harbinger.stream.records.Envelope;

import org.apache.flink.streaming.api.operators.StreamFilter;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static io.harbinger.stream.testing.TestEvents.T0;
import static io.harbinger.stream.testing.TestEvents.envelope;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IgnoreEventTypesTest {
    @Test
    void eventsOfIgnoredTypesAreDroppedAndCountedTheRestPassInOrder() throws Exception {
        IgnoreEventTypes filter =
                new IgnoreEventTypes(Set.of(EventType.OTHER, EventType.ELECTION), MetricsSettings.CLUSTER);
        try (OneInputStreamOperatorTestHarness<Envelope, Envelope> harness =
                     new OneInputStreamOperatorTestHarness<>(new StreamFilter<>(filter))) {
            harness.open();
            harness.processElement(new StreamRecord<>(envelope("a", "US", EventType.PROTEST, 0.5, T0), T0));
            harness.processElement(new StreamRecord<>(envelope("b", "US", EventType.OTHER, 0.5, T0), T0));
            harness.processElement(new StreamRecord<>(envelope("c", "FR", EventType.CONFLICT, 0.5, T0), T0));
            harness.processElement(new StreamRecord<>(envelope("d", "FR", EventType.ELECTION, 0.5, T0), T0));
            harness.processElement(new StreamRecord<>(envelope("e", "FR", EventType.OTHER, 0.5, T0), T0));
            harness.processElement(new StreamRecord<>(envelope("f", "DE", EventType.NATURAL_DISASTER, 0.5, T0), T0));

            assertThat(harness.extractOutputValues()).extracting(e -> e.event.getEventId())
                    .containsExactly("a", "c", "f");
            assertThat(filter.ignoredCount()).isEqualTo(3);
        }
    }

    @Test
    void anEmptyListIsNotAStage() {
        assertThatThrownBy(() -> new IgnoreEventTypes(Set.of(), MetricsSettings.CLUSTER))
                .hasMessageContaining("leave the stage out of the graph");
    }
}
