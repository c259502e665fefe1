package io.harbinger.stream.it;

import io.harbinger.events.EventType;
import io.harbinger.stream.config.JobConfig;
import io.harbinger.stream.toolkit.clients.EventProducer;
import io.harbinger.stream.toolkit.scenario.LocalPlatform;
import io.harbinger.stream.toolkit.scenario.PipelineScenario;

import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.LongStream;

import static io.harbinger.stream.testing.TestEvents.T0;
import static io.harbinger.stream.testing.TestEvents.event;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * How many Kafka transactional ids the job leaves on the brokers (FLINK-34554). KafkaSink 3.4.0 opens every
 * checkpoint's transaction under a new id, {@code {sink prefix}-{subtask}-{checkpoint id}}, and the transaction
 * coordinator keeps each id in memory and in {@code __transaction_state} for {@code transactional.id.expiration.ms}
 * (7 days by default) after its last use. The job runs at production's checkpoint interval (5 s, prod-msk.yaml)
 * and the platform's parallelism for a fixed number of checkpoints; the ids are then read from the broker
 * (Admin#listTransactions) and extrapolated to production's parallelism.
 */
class TransactionalIdChurnIT {
    private static final Duration PRODUCTION_INTERVAL = Duration.ofSeconds(5);
    /** Parallelism of the production deployments (k8s prod overlay, MSF example). */
    private static final int PRODUCTION_PARALLELISM = 4;
    /** Kafka's default transactional.id.expiration.ms. */
    private static final Duration DEFAULT_EXPIRATION = Duration.ofDays(7);
    private static final int CHECKPOINTS = 6;

    @Test
    void allKafkaOutputsTogetherStartOneTransactionalIdPerCheckpointAndSubtask() throws Exception {
        PipelineScenario scenario = PipelineScenario.create("txn_churn", LocalPlatform.PARALLELISM);
        JobConfig config = scenario.config(List.of("source.kafka.bounded=false",
                "checkpoints.interval=" + PRODUCTION_INTERVAL.toSeconds() + "s", "checkpoints.min-pause=1s"));
        String prefix = config.kafkaSink().transactionalIdPrefix() + "-";

        JobClient job = scenario.start(config, null);
        long start = System.nanoTime();
        Map<String, Map<Integer, TreeSet<Long>>> ids;
        try {
            try (EventProducer in = scenario.producer()) {
                in.send(0, event("a", "US", EventType.PROTEST, 0.5, T0));
                in.send(1, event("b", "US", EventType.PROTEST, 0.5, T0 + 61_000)); // fires the first window
                in.sendRaw(0, null, "not avro".getBytes(StandardCharsets.UTF_8)); // a dead letter
                in.flush();
            }
            // every writer subtask has an id of checkpoint N + 1 once checkpoint N completed
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            do {
                Thread.sleep(500);
                ids = parse(scenario.services.kafka.transactionalIds(prefix).keySet(), prefix);
            } while (lowestNextCheckpoint(ids) <= CHECKPOINTS && System.nanoTime() < deadline);
        } finally {
            job.cancel().get();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        assertThat(lowestNextCheckpoint(ids)).as("checkpoints completed by every writer subtask, ids %s", ids)
                .isGreaterThan(CHECKPOINTS);
        assertThat(scenario.deadLetters()).as("the outputs were written through the sink").hasSize(1);

        long total = ids.values().stream().flatMap(s -> s.values().stream()).mapToLong(TreeSet::size).sum();
        long checkpointIds = ids.values().stream().flatMap(s -> s.values().stream()).mapToLong(TreeSet::last)
                .max().orElseThrow();
        int subtasks = LocalPlatform.PARALLELISM;
        double perCheckpointAndSubtask = (double) total / (checkpointIds * subtasks);
        long perHour = Math.round(perCheckpointAndSubtask * PRODUCTION_PARALLELISM * 3600.0
                / PRODUCTION_INTERVAL.toSeconds());
        System.out.printf("transactional ids: %d sink prefix(es) %s; %d ids for %d checkpoint ids x %d subtasks in"
                        + " %.1f s = %.2f per checkpoint and subtask (%.0f per hour measured at p=%d, %d s)%n"
                        + "  at p=%d and %d s checkpoints: %,d per hour, %,d per day, %,d live at a %d-day"
                        + " transactional.id.expiration.ms%n",
                ids.size(), ids.keySet(), total, checkpointIds, subtasks, seconds, perCheckpointAndSubtask,
                total * 3600 / seconds, subtasks, PRODUCTION_INTERVAL.toSeconds(), PRODUCTION_PARALLELISM,
                PRODUCTION_INTERVAL.toSeconds(), perHour, perHour * 24, perHour * 24 * DEFAULT_EXPIRATION.toDays(),
                DEFAULT_EXPIRATION.toDays());

        assertThat(ids.keySet()).as("one transactional sink for every Kafka output").hasSize(1);
        for (Map<Integer, TreeSet<Long>> bySubtask : ids.values()) {
            assertThat(bySubtask.keySet()).as("writer subtasks").containsExactlyInAnyOrder(0, 1);
            bySubtask.forEach((subtask, checkpoints) -> assertThat(checkpoints)
                    .as("subtask %d: one id per checkpoint, from the first to the one still open", subtask)
                    .containsExactlyElementsOf(LongStream.rangeClosed(1, checkpoints.last()).boxed().toList()));
        }
        assertThat(perCheckpointAndSubtask).as("transactional ids per checkpoint and subtask").isEqualTo(1.0);
    }

    /** {@code {sink prefix}-{subtask}-{checkpoint}} grouped by sink prefix and subtask. */
    private static Map<String, Map<Integer, TreeSet<Long>>> parse(Iterable<String> ids, String jobPrefix) {
        Map<String, Map<Integer, TreeSet<Long>>> out = new TreeMap<>();
        for (String id : ids) {
            int last = id.lastIndexOf('-');
            int subtaskAt = id.lastIndexOf('-', last - 1);
            String sink = id.substring(jobPrefix.length(), subtaskAt);
            out.computeIfAbsent(sink, s -> new TreeMap<>())
                    .computeIfAbsent(Integer.parseInt(id.substring(subtaskAt + 1, last)), s -> new TreeSet<>())
                    .add(Long.parseLong(id.substring(last + 1)));
        }
        return out;
    }

    /** The smallest "newest checkpoint id" over all writer subtasks of all sinks: how far every one of them got. */
    private static long lowestNextCheckpoint(Map<String, Map<Integer, TreeSet<Long>>> ids) {
        if (ids.values().stream().mapToInt(Map::size).sum() < LocalPlatform.PARALLELISM * Math.max(1, ids.size())) {
            return 0;
        }
        return ids.values().stream().flatMap(s -> s.values().stream()).mapToLong(TreeSet::last).min().orElse(0);
    }
}
