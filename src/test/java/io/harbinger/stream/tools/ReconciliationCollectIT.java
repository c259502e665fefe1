package io.harbinger.stream.tools;

import io.harbinger.events.EventType;
import io.harbinger.stream.toolkit.clients.EventProducer;
import io.harbinger.stream.toolkit.scenario.PipelineScenario;

import org.apache.flink.configuration.Configuration;
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
 * The reconciliation's batch job hands its results over while it runs. A collect sink holds its task back once
 * its buffer is full; results read only after a blocking execute() never came when they outgrew the buffer
 * (2 MB by default: the long fault campaign's 100,000 windows hung there). A 1 KB buffer makes 200 windows
 * enough to show it.
 */
class ReconciliationCollectIT {
    private static final long MINUTE = 60_000;

    @Test
    void resultsLargerThanTheCollectBufferComeThrough() throws Exception {
        PipelineScenario scenario = PipelineScenario.create("reconcile-collect", 2);
        String[] countries = {"UA", "US", "FR", "DE", "PL"};
        int windows = 40;
        int events = 0;
        try (EventProducer in = scenario.producer()) {
            for (int w = 0; w < windows; w++) {
                for (String country : countries) {
                    in.send(event("e" + w + "-" + country, country, EventType.PROTEST, 0.5, T0 + w * MINUTE + 1_000));
                    events++;
                }
            }
            in.flush();
        }
        Configuration smallCollectBuffer = new Configuration();
        smallCollectBuffer.setString("collect-sink.batch-size.max", "1kb");

        Reconciliation.Recomputed recomputed = assertTimeoutPreemptively(Duration.ofMinutes(2),
                () -> Reconciliation.recompute(scenario.config(List.of()), Instant.ofEpochMilli(T0 - MINUTE), Set.of(),
                        smallCollectBuffer));

        assertThat(recomputed.aggregates).hasSize(windows * countries.length);
        assertThat(recomputed.validEvents).isEqualTo(events);
    }
}
