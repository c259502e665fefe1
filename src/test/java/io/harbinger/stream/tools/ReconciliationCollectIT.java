package io.harbinger.stream.tools;

import io.harbinger.events.EventType;
import io.harbinger.stream.toolkit.clients.EventProducer;
import io.harbinger.stream.toolkit.scenario.PipelineScenario;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

import static io.harbinger.stream.testing.TestEvents.T0;
import static io.harbinger.stream.testing.TestEvents.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * The reconciliation's batch job hands its results over while it runs. A DataStream collect sink holds its
 * task back once its buffer (2 MB, fixed) is full; results read only after a blocking execute() never came when
 * they outgrew it: the long fault campaign's 100,000 windows hung there, and so do these 120,000 (48,000 still fit).
 */
class ReconciliationCollectIT {
    private static final long MINUTE = 60_000;
    private static final String[] COUNTRIES = {"UA", "US", "FR", "DE", "PL", "GB", "IT", "ES", "CN", "IN", "BR", "RU",
            "JP", "TR", "IR", "IL", "EG", "NG", "ZA", "MX"};
    private static final int WINDOWS = 1_000;

    @Test
    void resultsLargerThanTheCollectBufferComeThrough() throws Exception {
        PipelineScenario scenario = PipelineScenario.create("reconcile-collect", 2);
        int events = 0;
        try (EventProducer in = scenario.producer()) {
            for (int w = 0; w < WINDOWS; w++) {
                for (String country : COUNTRIES) {
                    for (EventType type : EventType.values()) {
                        in.send(event("e" + w + "-" + country + "-" + type, country, type, 0.5,
                                T0 + w * MINUTE + 1_000));
                        events++;
                    }
                }
            }
            in.flush();
        }

        Reconciliation.Recomputed recomputed = assertTimeoutPreemptively(Duration.ofMinutes(5),
                () -> Reconciliation.recompute(scenario.config(List.of()), Instant.ofEpochMilli(T0 - MINUTE), Set.of()));

        assertThat(recomputed.aggregates).hasSize(WINDOWS * COUNTRIES.length * EventType.values().length);
        assertThat(recomputed.validEvents).isEqualTo(events);
    }
}
