package io.harbinger.stream.it;

import io.harbinger.curated.SeverityAggregate;
import io.harbinger.events.EventType;
import io.harbinger.events.GeopoliticalEvent;
import io.harbinger.stream.config.JobConfig;
import io.harbinger.stream.sink.DeadLetterHeaders;
import io.harbinger.stream.toolkit.clients.EventProducer;
import io.harbinger.stream.toolkit.scenario.PipelineScenario;

import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static io.harbinger.stream.testing.TestEvents.T0;
import static io.harbinger.stream.testing.TestEvents.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A job is cancelled mid-stream and a new one restores from its last retained checkpoint: the read_committed
 * topics and the tables hold every expected result exactly once, windows that were open at the cancel keep
 * the events they had, the dedup state still knows the ids it had seen, and an event for a window that closed
 * before the checkpoint stays late although the restored job starts without a watermark.
 */
class CheckpointRestartIT {
    private static final long MINUTE = 60_000;
    private static final String[] KEYS = {"US", "FR"};
    /** Past the configured max out-of-orderness (1s), so a pusher's watermark closes the window before it. */
    private static final long PAST_OUT_OF_ORDERNESS = 2_000;

    @Test
    void restartFromACheckpointNeitherLosesNorDuplicatesCommittedOutput() throws Exception {
        PipelineScenario scenario = PipelineScenario.create("restart", 2);
        JobConfig config = scenario.config(List.of("source.kafka.bounded=false"));

        JobClient first = scenario.start(config, null);
        GeopoliticalEvent pusherA0 = event("push-a0", "US", EventType.PROTEST, 0.5, T0 + 5 * MINUTE + PAST_OUT_OF_ORDERNESS);
        try (EventProducer in = scenario.producer()) {
            sendWindows(in, 0, 5);
            in.send(0, pusherA0);
            in.send(1, event("push-a1", "US", EventType.PROTEST, 0.5, T0 + 5 * MINUTE + PAST_OUT_OF_ORDERNESS + 1));
            in.sendRaw(0, null, "not avro".getBytes(StandardCharsets.UTF_8));
            in.flush();
        }
        await().atMost(Duration.ofMinutes(1)).until(() ->
                scenario.committedAggregates().size() == 10 && scenario.deadLetters().size() == 1);
        first.cancel().get();
        Path checkpoint = scenario.latestCheckpoint().orElseThrow(
                () -> new AssertionError("the cancelled job left no retained checkpoint in " + scenario.checkpointDir));

        try (EventProducer in = scenario.producer()) {
            // Window 0 was purged before the checkpoint; restored jobs start without a watermark, and this
            // event must still count as late instead of reopening the window as a partial revision 0.
            in.send(0, event("stale", "US", EventType.PROTEST, 0.9, T0 + 30_000));
            sendWindows(in, 5, 10);
            in.send(1, pusherA0); // a copy of an event the first job saw: dedup state must still drop it
            in.send(0, event("push-b0", "US", EventType.PROTEST, 0.5, T0 + 10 * MINUTE + PAST_OUT_OF_ORDERNESS));
            in.send(1, event("push-b1", "US", EventType.PROTEST, 0.5, T0 + 10 * MINUTE + PAST_OUT_OF_ORDERNESS + 1));
            in.sendRaw(1, null, new byte[] {0, 0, 0, 0});
            in.flush();
        }
        JobClient second = scenario.start(config, checkpoint);
        try {
            await().atMost(Duration.ofMinutes(1)).until(() ->
                    scenario.committedAggregates().size() >= 20 && scenario.deadLetters().size() >= 2
                            && !scenario.lateEvents().isEmpty());
        } finally {
            second.cancel().get();
        }

        List<SeverityAggregate> committed = scenario.committedAggregates();
        assertThat(committed).hasSize(20);
        Map<String, Long> countByWindow = committed.stream().collect(Collectors.toMap(
                a -> a.getCountryCode() + "@" + (a.getWindowStart() - T0) / MINUTE + "#" + a.getRevision(),
                SeverityAggregate::getCount));
        Map<String, Long> expected = new java.util.HashMap<>();
        for (int w = 0; w < 10; w++) {
            for (String country : KEYS) {
                expected.put(country + "@" + w + "#0", 3L);
            }
        }
        expected.put("US@5#0", 5L); // three events plus both pushers of the first run, not the duplicate
        assertThat(countByWindow).isEqualTo(expected);

        List<Map<String, String>> rows = scenario.rows("severity_aggregates", "window_start, country_code");
        assertThat(rows).hasSize(20);
        assertThat(rows.stream().collect(Collectors.toMap(
                r -> r.get("country_code") + "@" + (Long.parseLong(r.get("window_start")) - T0) / MINUTE + "#"
                        + r.get("revision"),
                r -> Long.parseLong(r.get("event_count"))))).isEqualTo(expected);

        assertThat(scenario.deadLetters()).extracting(r -> PipelineIT.header(r, DeadLetterHeaders.REASON))
                .containsExactly("NOT_WIRE_FORMAT", "NOT_WIRE_FORMAT");
        assertThat(scenario.lateEvents()).extracting(r -> new String(r.key(), StandardCharsets.UTF_8))
                .containsExactly("stale");
    }

    /** Three events per key in each minute [from, to), spread over both partitions by event_id. */
    private static void sendWindows(EventProducer in, int from, int to) {
        for (int w = from; w < to; w++) {
            for (String country : KEYS) {
                for (int i = 0; i < 3; i++) {
                    in.send(event(country + "-w" + w + "-" + i, country, EventType.PROTEST, 0.1 * (i + 1),
                            T0 + w * MINUTE + i * 1_000));
                }
            }
        }
    }
}
