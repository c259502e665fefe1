package io.harbinger.stream.it;

import io.harbinger.curated.SeverityAggregate;
import io.harbinger.events.EventType;
import io.harbinger.events.GeopoliticalEvent;
import io.harbinger.stream.config.JobConfig;
import io.harbinger.stream.sink.DeadLetterHeaders;
import io.harbinger.stream.toolkit.scenario.KinesisInput;
import io.harbinger.stream.toolkit.scenario.PipelineScenario;
import io.harbinger.stream.toolkit.services.KinesisLocal;

import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static io.harbinger.stream.toolkit.scenario.KinesisInput.utf8;
import static io.harbinger.stream.testing.TestEvents.T0;
import static io.harbinger.stream.testing.TestEvents.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

/**
 * The real job graph with its Kinesis source on kinesis-local (started by the test on 127.0.0.1), writing to
 * the real Kafka broker and PostgreSQL: exact aggregates from a multi-shard stream while a shard that carries
 * only garbage stays idle, dead letters that name stream, shard and sequence number, a restart from a
 * checkpoint without loss or duplication, and the same run over enhanced fan-out.
 */
class KinesisPipelineIT {
    private static final long MINUTE = 60_000;
    private static final long PAST_OUT_OF_ORDERNESS = 2_000;

    @Test
    void multiShardStreamGivesExactOutputsAndAGarbageOnlyShardDoesNotStallWindows() throws Exception {
        PipelineScenario scenario = PipelineScenario.create("kinesis", 1);
        KinesisInput in = new KinesisInput(KinesisInput.sharedKinesis(), scenario, 3);
        JobConfig config = in.config(List.of());

        JobClient job = scenario.start(config, null);
        List<String> deadSequences = new ArrayList<>();
        try {
            sendWindows(in, 0, 5);
            // Shard 2 only ever carries a bad record: it must go idle, not hold the windows back.
            deadSequences.add(in.sendRaw(2, "junk", utf8("not avro")));
            deadSequences.add(in.sendRaw(1, "junk-1", new byte[] {0, 0, 0, 0}));
            in.send(0, event("push-0", "US", EventType.PROTEST, 0.5, T0 + 5 * MINUTE + PAST_OUT_OF_ORDERNESS));
            in.send(1, event("push-1", "FR", EventType.PROTEST, 0.5, T0 + 5 * MINUTE + PAST_OUT_OF_ORDERNESS));
            await().atMost(Duration.ofMinutes(2)).until(() ->
                    scenario.committedAggregates().size() >= 10 && scenario.deadLetters().size() >= 2);
        } finally {
            job.cancel().get(1, TimeUnit.MINUTES);
        }

        assertThat(countByWindow(scenario.committedAggregates())).isEqualTo(expected(0, 5));
        assertThat(scenario.rows("severity_aggregates", "window_start, country_code")).hasSize(10);

        String[] shardIds = in.kinesis.shards(in.stream).stream().map(s -> s.getShardId()).toArray(String[]::new);
        List<ConsumerRecord<byte[], byte[]>> dead = scenario.deadLetters();
        assertThat(dead).extracting(r -> PipelineIT.header(r, DeadLetterHeaders.REASON),
                        r -> PipelineIT.header(r, DeadLetterHeaders.SOURCE_TOPIC),
                        r -> PipelineIT.header(r, DeadLetterHeaders.SOURCE_PARTITION),
                        r -> PipelineIT.header(r, DeadLetterHeaders.SOURCE_OFFSET))
                .containsExactlyInAnyOrder(
                        tuple("NOT_WIRE_FORMAT", in.stream, shardIds[2], deadSequences.get(0)),
                        tuple("NOT_WIRE_FORMAT", in.stream, shardIds[1], deadSequences.get(1)));
        for (ConsumerRecord<byte[], byte[]> r : dead) {
            assertThat(Long.parseLong(PipelineIT.header(r, DeadLetterHeaders.SOURCE_TIMESTAMP)))
                    .isGreaterThan(System.currentTimeMillis() - 10 * MINUTE); // approximate arrival time
        }
        assertThat(dead).extracting(r -> new String(r.key())).containsExactlyInAnyOrder("junk", "junk-1");
    }

    /**
     * Restored shard sequence numbers: the second job reads exactly the records added after the checkpoint, none
     * again. It once failed here when the broker's first retention check (30 s after its start) came while the
     * second job ran: aggregates were then written with their 2024 event time as record timestamp, so each
     * transaction rolled a segment and retention deleted the first job's output from the topic. They carry
     * the time they are written now (see AvroRecordSerializer), which is why nothing here depends on timing.
     */
    @Test
    void restartFromACheckpointNeitherLosesNorDuplicatesOutput() throws Exception {
        PipelineScenario scenario = PipelineScenario.create("kinesis_restart", 1);
        KinesisInput in = new KinesisInput(KinesisInput.sharedKinesis(), scenario, 2);
        // The restored job finds its input waiting: both shards must deliver within the idleness after its start
        // (see PerShardWatermarks), which on a busy two-core machine can take more than the base file's 5 s.
        JobConfig config = in.config(List.of("event-time.idleness=20s"));

        JobClient first = scenario.start(config, null);
        GeopoliticalEvent pusher0 = event("push-a0", "US", EventType.PROTEST, 0.5, T0 + 5 * MINUTE + PAST_OUT_OF_ORDERNESS);
        try {
            sendWindows(in, 0, 5);
            in.send(0, pusher0);
            in.send(1, event("push-a1", "FR", EventType.PROTEST, 0.5, T0 + 5 * MINUTE + PAST_OUT_OF_ORDERNESS + 1));
            await().atMost(Duration.ofMinutes(2)).until(() -> scenario.committedAggregates().size() == 10);
        } finally {
            first.cancel().get(1, TimeUnit.MINUTES);
        }
        Path checkpoint = scenario.latestCheckpoint().orElseThrow(
                () -> new AssertionError("the cancelled job left no retained checkpoint in " + scenario.checkpointDir));

        sendWindows(in, 5, 10);
        in.send(1, pusher0); // seen by the first job: the restored dedup state must drop it
        in.send(0, event("push-b0", "US", EventType.PROTEST, 0.5, T0 + 10 * MINUTE + PAST_OUT_OF_ORDERNESS));
        in.send(1, event("push-b1", "FR", EventType.PROTEST, 0.5, T0 + 10 * MINUTE + PAST_OUT_OF_ORDERNESS + 1));
        JobClient second = scenario.start(config, checkpoint);
        try {
            await().atMost(Duration.ofMinutes(2)).until(() -> scenario.committedAggregates().size() >= 20);
            Thread.sleep(2_000); // a few more checkpoints: anything re-read would show up now
        } finally {
            second.cancel().get(1, TimeUnit.MINUTES);
        }

        Map<String, Long> expected = expected(0, 10);
        expected.put("US@5#0", 4L); // three events plus the first run's pusher, not its duplicate
        expected.put("FR@5#0", 4L);
        assertThat(countByWindow(scenario.committedAggregates())).isEqualTo(expected);
        assertThat(scenario.rows("severity_aggregates", "window_start, country_code").stream().collect(
                Collectors.toMap(r -> r.get("country_code") + "@"
                                + (Long.parseLong(r.get("window_start")) - T0) / MINUTE + "#" + r.get("revision"),
                        r -> Long.parseLong(r.get("event_count"))))).isEqualTo(expected);
        assertThat(scenario.deadLetters()).isEmpty();
        assertThat(scenario.lateEvents()).isEmpty(); // nothing of windows 5-9 was taken for late after the restore
    }

    @Test
    void enhancedFanOutDeliversTheSameExactOutputs() throws Exception {
        // Its own emulator: cancelling an EFO job can take half a minute, and the emulator is force-stopped after.
        KinesisLocal.useDummyCredentials();
        try (KinesisLocal kinesis = KinesisLocal.start(Path.of("target", "kinesis-local"))) {
            PipelineScenario scenario = PipelineScenario.create("kinesis_efo", 1);
            KinesisInput in = new KinesisInput(kinesis, scenario, 2);
            JobConfig config = in.config(List.of("source.kinesis.record-publisher=efo",
                    "source.kinesis.efo.consumer-name=" + scenario.name, "source.kinesis.efo.registration=eager"));
            JobClient job = scenario.start(config, null);
            try {
                sendWindows(in, 0, 3);
                in.sendRaw(1, "junk", utf8("garbage"));
                in.send(0, event("push-0", "US", EventType.PROTEST, 0.5, T0 + 3 * MINUTE + PAST_OUT_OF_ORDERNESS));
                in.send(1, event("push-1", "FR", EventType.PROTEST, 0.5, T0 + 3 * MINUTE + PAST_OUT_OF_ORDERNESS));
                await().atMost(Duration.ofMinutes(2)).until(() ->
                        scenario.committedAggregates().size() >= 6 && scenario.deadLetters().size() >= 1);
            } finally {
                job.cancel().get(2, TimeUnit.MINUTES);
            }
            assertThat(countByWindow(scenario.committedAggregates())).isEqualTo(expected(0, 3));
            assertThat(scenario.deadLetters()).extracting(r -> PipelineIT.header(r, DeadLetterHeaders.SOURCE_PARTITION))
                    .containsExactly(in.kinesis.shards(in.stream).get(1).getShardId());
        }
    }

    /** Three events per minute in [from, to): US on shard 0, FR on shard 1. */
    private static void sendWindows(KinesisInput in, int from, int to) {
        for (int w = from; w < to; w++) {
            for (int shard = 0; shard < 2; shard++) {
                String country = shard == 0 ? "US" : "FR";
                GeopoliticalEvent[] events = new GeopoliticalEvent[3];
                for (int i = 0; i < 3; i++) {
                    events[i] = event(country + "-w" + w + "-" + i, country, EventType.PROTEST, 0.1 * (i + 1),
                            T0 + w * MINUTE + i * 1_000);
                }
                in.send(shard, events);
            }
        }
    }

    private static Map<String, Long> expected(int from, int to) {
        Map<String, Long> expected = new HashMap<>();
        for (int w = from; w < to; w++) {
            expected.put("US@" + w + "#0", 3L);
            expected.put("FR@" + w + "#0", 3L);
        }
        return expected;
    }

    private static Map<String, Long> countByWindow(List<SeverityAggregate> aggregates) {
        return aggregates.stream().collect(Collectors.toMap(
                a -> a.getCountryCode() + "@" + (a.getWindowStart() - T0) / MINUTE + "#" + a.getRevision(),
                SeverityAggregate::getCount));
    }
}
