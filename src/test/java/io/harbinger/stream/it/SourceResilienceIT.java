package io.harbinger.stream.it;

import io.harbinger.curated.SeverityAggregate;
import io.harbinger.events.EventType;
import io.harbinger.events.GeopoliticalEvent;
import io.harbinger.stream.toolkit.clients.EventProducer;
import io.harbinger.stream.toolkit.scenario.PipelineScenario;
import io.harbinger.stream.toolkit.services.LocalSchemaRegistry;

import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.harbinger.stream.testing.TestEvents.T0;
import static io.harbinger.stream.testing.TestEvents.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/** What the source side must survive: mirrored topics with copies of the same events, and a registry outage. */
class SourceResilienceIT {
    private static final long MINUTE = 60_000;

    @Test
    void aTopicPatternReadsMirrorMakerCopiesAndEachEventCountsOnce() throws Exception {
        PipelineScenario scenario = PipelineScenario.create("mirror", 1);
        String mirrored = "us-east-1." + scenario.rawTopic;
        scenario.services.kafka.createTopics(2, mirrored);
        List<GeopoliticalEvent> events = List.of(
                event("m1", "DE", EventType.PROTEST, 0.2, T0 + 1_000),
                event("m2", "DE", EventType.PROTEST, 0.4, T0 + 2_000),
                event("m3", "DE", EventType.PROTEST, 0.6, T0 + 3_000));
        try (EventProducer local = scenario.producer();
             EventProducer copy = new EventProducer(scenario.services.kafka.bootstrapServers(), scenario.registry(),
                     mirrored)) {
            events.forEach(local::send);
            events.forEach(copy::send);
            copy.send(event("m4", "DE", EventType.PROTEST, 0.8, T0 + 4_000)); // only in the mirror
            local.flush();
            copy.flush();
        }
        String pattern = "([a-z0-9-]+\\.)?" + scenario.rawTopic.replace(".", "\\.");

        scenario.runToCompletion(scenario.config(List.of("source.kafka.topics=", "source.kafka.topic-pattern=" + pattern)));

        assertThat(scenario.committedAggregates())
                .extracting(SeverityAggregate::getCountryCode, SeverityAggregate::getWindowStart, SeverityAggregate::getCount)
                .containsExactly(tuple("DE", T0, 4L));
        assertThat(scenario.deadLetters()).isEmpty();
    }

    @Test
    void aRegistryOutageRestartsTheJobInsteadOfDeadLetteringGoodData() throws Exception {
        PipelineScenario scenario = PipelineScenario.create("outage", 1);
        try (EventProducer in = scenario.producer()) {
            for (int i = 0; i < 20; i++) {
                in.send(event("o" + i, "JP", EventType.CONFLICT, 0.5, T0 + i * 1_000));
            }
            in.send(event("o-next", "JP", EventType.CONFLICT, 0.5, T0 + 2 * MINUTE));
            in.flush();
        }
        LocalSchemaRegistry registry = scenario.services.registry;
        long refusedBefore = registry.unavailableResponses();
        registry.setAvailable(false);
        JobClient job;
        try {
            job = scenario.start(scenario.config(List.of()), null);
            // Long enough for the decoder and the sinks to exhaust their retries at least once.
            TimeUnit.SECONDS.sleep(4);
        } finally {
            registry.setAvailable(true);
        }
        job.getJobExecutionResult().get(2, TimeUnit.MINUTES);

        assertThat(registry.unavailableResponses() - refusedBefore).as("requests refused during the outage")
                .isPositive();
        assertThat(scenario.deadLetters()).isEmpty();
        assertThat(scenario.committedAggregates())
                .extracting(SeverityAggregate::getWindowStart, SeverityAggregate::getCount)
                .containsExactlyInAnyOrder(tuple(T0, 20L), tuple(T0 + 2 * MINUTE, 1L));
        assertThat(scenario.rows("severity_aggregates", "window_start")).hasSize(2);
    }
}
