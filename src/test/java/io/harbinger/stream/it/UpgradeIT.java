package io.harbinger.stream.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.harbinger.curated.AnomalyAlert;
import io.harbinger.curated.SeverityAggregate;
import io.harbinger.events.EventType;
import io.harbinger.stream.registry.SchemaRegistryClient;
import io.harbinger.stream.toolkit.clients.EventProducer;
import io.harbinger.stream.toolkit.clients.TopicReader;
import io.harbinger.stream.toolkit.cluster.ClusterJobBed;
import io.harbinger.stream.toolkit.cluster.FlinkCluster;
import io.harbinger.stream.toolkit.services.KafkaBroker;
import io.harbinger.stream.toolkit.services.LocalPostgres;
import io.harbinger.stream.validate.WireDecoder;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

import static io.harbinger.stream.testing.TestEvents.T0;
import static io.harbinger.stream.testing.TestEvents.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * An upgrade with a savepoint on the real multi-process cluster (issue #5): the shaded job jar runs as v1
 * (at the cluster's parallelism.default, 2; a z-threshold no window reaches), is stopped with a savepoint without draining, so the window
 * open at the stop stays open in state, and restarts from that savepoint as v2: a lower
 * {@code anomaly.z-threshold}, the added stateless stage {@code validation.ignored-event-types: OTHER} and
 * parallelism 3 given at submission as {@code flink run -p 3} gives it (the job config is the same, and the
 * platform's parallelism wins). The input is built so that every output is known in advance:
 *
 * <ul>
 *   <li>US|PROTEST has 3 or 4 events per minute window (3 + w % 2), FR|PROTEST has 2, every severity is 0.5;
 *   <li>v1 reads windows 0..7 in full and the first events of window 8 (US 2 of 3, FR 1 of 2), which moves the
 *       watermark past windows 0..7 but not past window 8;
 *   <li>v2 reads the rest of window 8, windows 9..13 with a spike of 12 US events in window 12, OTHER events in
 *       every one of its windows, and one event far ahead that closes windows up to 13.
 * </ul>
 *
 * Window 8 must come out once with the events of both versions, no window twice, the spike must be scored
 * against a baseline of all 12 windows before it (8 learned by v1, 4 by v2) with the exact EWMA mean, and no
 * OTHER event may reach an aggregate. If the restore reset state, window 8 would come out with v2's events only
 * and the spike would fall in the warm-up (4 windows < 5) and raise nothing. Finally the v1 savepoint is
 * restored with another {@code window.size}: the job must fail with the guard's message instead of running; and
 * with another {@code job.max-parallelism}, which Flink itself refuses at submission; and v2's own savepoint is
 * restored without the added stage (removing a stateless operator). Last, the upgrade is rolled
 * back as the runbook says: v1 again from the savepoint taken before the upgrade, which republishes windows 8..13
 * with identical values and adds the OTHER aggregates v2 ignored.
 */
class UpgradeIT {
    private static final long MINUTE = 60_000;
    private static final double SEVERITY = 0.5;
    private static final int STOP_WINDOW = 8;
    private static final int SPIKE_WINDOW = 12;
    private static final int LAST_WINDOW = 13;
    private static final int SPIKE_COUNT = 12;
    private static final double ALPHA = 0.3; // anomaly.ewma-alpha of it-job.yaml
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    static int usCount(int w) {
        return w == SPIKE_WINDOW ? SPIKE_COUNT : 3 + w % 2;
    }

    static int frCount(int w) {
        return 2;
    }

    @Test
    void aChangedJobContinuesWindowsAndBaselinesFromTheSavepointAndAnotherWindowSizeIsRefused() throws Exception {
        long testStart = System.nanoTime();
        // two TaskManagers of two slots: v1 takes 2 slots, v2 3
        try (ClusterJobBed bed = ClusterJobBed.named(ClusterJobBed.uniqueName("upgrade_")).rawPartitions(1)
                .flinkSettings(Map.of("taskmanager.numberOfTaskSlots", "2")).start()) {
            KafkaBroker kafka = bed.kafka();
            LocalPostgres postgres = bed.postgres();
            FlinkCluster flink = bed.flink();
            String raw = bed.rawTopic();
            SchemaRegistryClient registryClient = bed.registryClient();
            WireDecoder<SeverityAggregate> aggregates = new WireDecoder<>(registryClient,
                    SeverityAggregate.getClassSchema(), Integer.MAX_VALUE);
            WireDecoder<AnomalyAlert> alerts = new WireDecoder<>(registryClient, AnomalyAlert.getClassSchema(),
                    Integer.MAX_VALUE);
            List<String> common = bed.runArgs("--set", "checkpoints.timeout=20s");
            String jarId = bed.jarId();
            System.out.printf("upgrade: services and cluster up in %.1f s%n", seconds(testStart));

            // ---------------------------------------------------------------- v1
            try (EventProducer in = new EventProducer(kafka.bootstrapServers(), registryClient, raw)) {
                for (int w = 0; w < STOP_WINDOW; w++) {
                    sendWindow(in, w, 0, usCount(w), 0, frCount(w), false);
                }
                sendWindow(in, STOP_WINDOW, 0, 2, 0, 1, false); // window 8 opened, not closed
                in.flush();
            }
            List<String> v1Args = new ArrayList<>(common);
            v1Args.addAll(List.of("--set", "anomaly.z-threshold=1000"));
            String v1 = flink.runJar(jarId, v1Args, null);
            flink.await("v1 running", TIMEOUT, c -> c.allTasksRunning(v1));
            assertThat(parallelisms(flink, v1)).as("v1 parallelism").containsOnly(2);
            awaitSize("v1 aggregates of windows 0..7", () -> aggregateRecords(kafka, raw, aggregates), 2 * STOP_WINDOW);
            long t = System.nanoTime();
            String savepoint = flink.stopWithSavepoint(v1, Duration.ofSeconds(60));
            System.out.printf("upgrade: v1 stopped with savepoint %s in %.1f s%n", savepoint, seconds(t));
            flink.await("v1 finished", TIMEOUT, c -> "FINISHED".equals(c.jobState(v1)));

            List<String> afterV1 = aggregateRecords(kafka, raw, aggregates);
            assertThat(afterV1).as("v1 emits windows 0..7 only: window 8 stays open across the stop (drain off)")
                    .containsExactlyInAnyOrderElementsOf(expectedAggregates(0, STOP_WINDOW - 1));
            assertThat(alertRecords(kafka, raw, alerts)).as("v1 alerts (threshold 1000)").isEmpty();

            // ---------------------------------------------------------------- v2: changed job from the savepoint
            List<String> v2Args = new ArrayList<>(common);
            v2Args.addAll(List.of("--set", "anomaly.z-threshold=3.0",
                    "--set", "validation.ignored-event-types=OTHER"));
            t = System.nanoTime();
            // Rescaled by the platform, as flink run -p 3 does: the same config, and the job keeps what it is given.
            String v2 = flink.runJar(jarId, v2Args, savepoint, 3);
            flink.await("v2 running from the savepoint", TIMEOUT, c -> c.allTasksRunning(v2));
            System.out.printf("upgrade: v2 running from the savepoint in %.1f s%n", seconds(t));
            assertThat(parallelisms(flink, v2)).as("v2 parallelism").containsOnly(3);
            assertThat(flink.get("/jobs/" + v2 + "/plan").toString()).as("v2 has the added stage")
                    .contains("Ignore event types");
            try (EventProducer in = new EventProducer(kafka.bootstrapServers(), registryClient, raw)) {
                sendWindow(in, STOP_WINDOW, 2, usCount(STOP_WINDOW), 1, frCount(STOP_WINDOW), true);
                for (int w = STOP_WINDOW + 1; w <= LAST_WINDOW; w++) {
                    sendWindow(in, w, 0, usCount(w), 0, frCount(w), true);
                }
                // far ahead: moves the watermark past window 13; its own window never closes
                in.send(event("pusher", "DE", EventType.PROTEST, SEVERITY, T0 + 20 * MINUTE));
                in.flush();
            }
            int expectedTotal = 2 * (LAST_WINDOW + 1);
            awaitSize("all aggregates", () -> aggregateRecords(kafka, raw, aggregates), expectedTotal);
            awaitSize("the spike alert", () -> alertRecords(kafka, raw, alerts), 1);
            // a few more checkpoints: whatever else v2 would publish has been committed by then
            long completed = flink.completedCheckpoints(v2);
            flink.await("3 more checkpoints", TIMEOUT, c -> c.completedCheckpoints(v2) >= completed + 3);

            // ---------------------------------------------------------------- outcomes
            List<String> all = aggregateRecords(kafka, raw, aggregates);
            Map<String, String> expected = new TreeMap<>();
            for (String a : expectedAggregates(0, LAST_WINDOW)) {
                expected.put(a.substring(0, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
            }
            assertThat(all).as("every window exactly once across v1 and v2 (read_committed); no OTHER aggregate")
                    .hasSize(expected.size())
                    .containsExactlyInAnyOrderElementsOf(expectedAggregates(0, LAST_WINDOW));
            assertThat(all).as("window 8: 2+1 US and 1+1 FR events from before and after the stop")
                    .contains("US|PROTEST|8=3/1.5000/r0", "FR|PROTEST|8=2/1.0000/r0");
            assertThat(all).noneMatch(a -> a.contains("|OTHER|"));
            assertThat(TopicReader.readCommitted(kafka.bootstrapServers(), raw + ".late-events"))
                    .as("late events (the restore must not make open windows late)").isEmpty();
            assertThat(TopicReader.readCommitted(kafka.bootstrapServers(), raw + ".dead-letters"))
                    .as("dead letters (ignored OTHER events are not dead-lettered)").isEmpty();

            double mean = usCount(0);
            for (int w = 1; w < SPIKE_WINDOW; w++) {
                mean += ALPHA * (usCount(w) - mean);
            }
            List<AnomalyAlert> raised = alertRecords(kafka, raw, alerts);
            assertThat(raised).as("exactly the spike, scored by v2's threshold").hasSize(1);
            AnomalyAlert spike = raised.get(0);
            assertThat(spike.getAlertId()).isEqualTo("US|PROTEST|" + (T0 + SPIKE_WINDOW * MINUTE) + "|EVENT_COUNT");
            assertThat(spike.getObserved()).isEqualTo(SPIKE_COUNT);
            assertThat(spike.getThreshold()).isEqualTo(3.0);
            assertThat(spike.getBaselineWindows()).as("baseline windows: 8 learned by v1 + 4 by v2")
                    .isEqualTo(SPIKE_WINDOW);
            assertThat(spike.getBaselineMean()).as("EWMA of the counts of windows 0..11").isCloseTo(mean, within(1e-12));

            awaitEqual("severity_aggregates rows", () -> aggregateRows(postgres), expected);
            awaitEqual("anomaly_alerts rows", () -> alertRows(postgres), Map.of(spike.getAlertId(),
                    SPIKE_COUNT + "/" + SPIKE_WINDOW + "/" + String.format("%.6f", mean)));
            System.out.printf("upgrade: v2 outputs verified at %.1f s%n", seconds(testStart));
            String v2Savepoint = flink.stopWithSavepoint(v2, Duration.ofSeconds(60));
            flink.await("v2 finished", TIMEOUT, c -> "FINISHED".equals(c.jobState(v2)));

            // ---------------------------------------------------------------- a removed stateless stage
            // v1's config on v2's savepoint: the ignore-event-types stage is gone, and Flink must skip its
            // empty state instead of refusing the restore.
            String withoutStage = flink.runJar(jarId, v1Args, v2Savepoint);
            flink.await("v1 config running from v2's savepoint", TIMEOUT, c -> c.allTasksRunning(withoutStage));
            long fromV2 = flink.completedCheckpoints(withoutStage);
            flink.await("2 checkpoints without the stage", TIMEOUT,
                    c -> c.completedCheckpoints(withoutStage) >= fromV2 + 2);
            assertThat(flink.get("/jobs/" + withoutStage + "/plan").toString()).doesNotContain("Ignore event types");
            assertThat(aggregateRecords(kafka, raw, aggregates)).as("it resumes at v2's offsets: nothing new")
                    .hasSize(expected.size());
            flink.cancel(withoutStage);
            flink.await("job without the stage cancelled", TIMEOUT, c -> "CANCELED".equals(c.jobState(withoutStage)));

            // ---------------------------------------------------------------- another window.size is refused
            List<String> v3Args = new ArrayList<>(common);
            v3Args.addAll(List.of("--set", "window.size=2m"));
            String v3 = flink.runJar(jarId, v3Args, savepoint);
            String refusal = "The savepoint holds windows of shape [tumbling(size=60000ms) keyed by"
                    + " country_code|event_type] but this job is configured for [tumbling(size=120000ms) keyed by"
                    + " country_code|event_type]. Changing window.size or the window key is not state-compatible";
            flink.await("the restore with window.size=2m refused by the guard", TIMEOUT,
                    c -> c.get("/jobs/" + v3 + "/exceptions").toString().contains(refusal));
            JsonNode exceptions = flink.get("/jobs/" + v3 + "/exceptions");
            System.out.println("upgrade: refused restore, root exception: "
                    + exceptions.path("root-exception").asText().lines().filter(l -> l.contains("savepoint holds"))
                    .findFirst().orElse("?"));
            assertThat(flink.completedCheckpoints(v3)).as("the refused job never checkpoints").isZero();
            // Its state flips between RESTARTING and RUNNING (while tasks deploy and fail again), never further.
            assertThat(flink.jobState(v3)).isNotEqualTo("FINISHED");
            flink.cancel(v3);
            flink.await("refused job cancelled", TIMEOUT, c -> "CANCELED".equals(c.jobState(v3)));
            assertThat(aggregateRecords(kafka, raw, aggregates)).as("nothing published by the refused job")
                    .hasSize(expected.size());

            // ---------------------------------------------------------------- another job.max-parallelism is refused
            List<String> v4Args = new ArrayList<>(common);
            v4Args.addAll(List.of("--set", "job.max-parallelism=256"));
            // Flink itself refuses this one when the JobMaster restores the savepoint, so the submission fails
            assertThatThrownBy(() -> flink.runJar(jarId, v4Args, savepoint))
                    .hasMessageContaining("Max parallelism mismatch between checkpoint/savepoint state and new program")
                    .hasMessageContaining("with max parallelism 128 to new program with max parallelism 256");
            assertThat(flink.get("/jobs/overview").findValuesAsText("state")).as("jobs on the cluster")
                    .doesNotContain("RUNNING", "RESTARTING", "CREATED", "INITIALIZING");
            assertThat(aggregateRecords(kafka, raw, aggregates)).hasSize(expected.size());

            // ---------------------------------------------------------------- roll back to v1
            // The runbook's rollback: the old release from the savepoint taken before the upgrade. It re-reads
            // what v2 read and publishes windows 8..13 again, now with OTHER aggregates (v1 ignores nothing).
            t = System.nanoTime();
            String back = flink.runJar(jarId, v1Args, savepoint);
            flink.await("v1 running again from the pre-upgrade savepoint", TIMEOUT, c -> c.allTasksRunning(back));
            assertThat(parallelisms(flink, back)).as("rolled-back parallelism").containsOnly(2);
            List<String> republished = expectedAggregates(STOP_WINDOW, LAST_WINDOW);
            List<String> others = new ArrayList<>();
            for (int w = STOP_WINDOW; w <= LAST_WINDOW; w++) {
                int n = w == STOP_WINDOW ? usCount(w) - 2 : usCount(w); // v1 read the first 2 before the stop
                others.add("US|OTHER|" + w + "=" + n + "/" + String.format("%.4f", n * 0.9) + "/r0");
            }
            int afterRollback = expected.size() + republished.size() + others.size();
            awaitSize("aggregates after the rollback", () -> aggregateRecords(kafka, raw, aggregates), afterRollback);
            long rolledBackCheckpoints = flink.completedCheckpoints(back);
            flink.await("3 more checkpoints", TIMEOUT, c -> c.completedCheckpoints(back) >= rolledBackCheckpoints + 3);
            System.out.printf("upgrade: rolled back to v1 in %.1f s%n", seconds(t));

            List<String> withRollback = new ArrayList<>(expectedAggregates(0, LAST_WINDOW));
            withRollback.addAll(republished);
            withRollback.addAll(others);
            assertThat(aggregateRecords(kafka, raw, aggregates))
                    .as("the topic holds v2's windows 8..13 and v1's identical ones again, plus v1's OTHER aggregates")
                    .containsExactlyInAnyOrderElementsOf(withRollback);
            assertThat(alertRecords(kafka, raw, alerts)).as("v1 raises nothing (threshold 1000); v2's alert stays")
                    .hasSize(1);
            Map<String, String> rolledBackRows = new TreeMap<>(expected);
            for (String o : others) {
                rolledBackRows.put(o.substring(0, o.indexOf('=')), o.substring(o.indexOf('=') + 1));
            }
            awaitEqual("severity_aggregates rows after the rollback", () -> aggregateRows(postgres), rolledBackRows);
            assertThat(alertRows(postgres)).as("rows only v2 wrote are not deleted by the rollback")
                    .containsOnlyKeys(spike.getAlertId());
            assertThat(TopicReader.readCommitted(kafka.bootstrapServers(), raw + ".late-events")).isEmpty();
            assertThat(TopicReader.readCommitted(kafka.bootstrapServers(), raw + ".dead-letters")).isEmpty();
            flink.cancel(back);
            flink.await("rolled-back job cancelled", TIMEOUT, c -> "CANCELED".equals(c.jobState(back)));
            System.out.printf("upgrade: done in %.1f s%n", seconds(testStart));
        }
    }

    /** Events of window w: US events [usFrom, usTo) and FR events [frFrom, frTo), 5 s apart; v2 adds OTHER. */
    private static void sendWindow(EventProducer in, int w, int usFrom, int usTo, int frFrom, int frTo, boolean other) {
        long start = T0 + w * MINUTE;
        for (int i = usFrom; i < usTo; i++) {
            in.send(event("US-" + w + "-" + i, "US", EventType.PROTEST, SEVERITY, start + i * 5_000L));
            if (other) { // ignored by v2: never in an aggregate, never in a baseline
                in.send(event("US-other-" + w + "-" + i, "US", EventType.OTHER, 0.9, start + i * 5_000L + 1));
            }
        }
        for (int i = frFrom; i < frTo; i++) {
            in.send(event("FR-" + w + "-" + i, "FR", EventType.PROTEST, SEVERITY, start + i * 5_000L + 2));
        }
    }

    /** "CC|TYPE|window=count/sum/rREVISION" of the windows from..to (inclusive), computed from the input. */
    private static List<String> expectedAggregates(int from, int to) {
        List<String> out = new ArrayList<>();
        for (int w = from; w <= to; w++) {
            out.add("US|PROTEST|" + w + "=" + usCount(w) + "/" + String.format("%.4f", usCount(w) * SEVERITY) + "/r0");
            out.add("FR|PROTEST|" + w + "=" + frCount(w) + "/" + String.format("%.4f", frCount(w) * SEVERITY) + "/r0");
        }
        return out;
    }

    private static List<String> aggregateRecords(KafkaBroker kafka, String raw, WireDecoder<SeverityAggregate> decoder) {
        List<String> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : TopicReader.readCommitted(kafka.bootstrapServers(), raw + ".aggregates")) {
            SeverityAggregate a = decode(decoder, r.value());
            out.add(a.getCountryCode() + "|" + a.getEventType() + "|" + (a.getWindowStart() - T0) / MINUTE + "="
                    + a.getCount() + "/" + String.format("%.4f", a.getSeveritySum()) + "/r" + a.getRevision());
        }
        return out;
    }

    private static List<AnomalyAlert> alertRecords(KafkaBroker kafka, String raw, WireDecoder<AnomalyAlert> decoder) {
        return TopicReader.readCommitted(kafka.bootstrapServers(), raw + ".anomalies").stream()
                .map(r -> decode(decoder, r.value())).toList();
    }

    private static <T> T decode(WireDecoder<T> decoder, byte[] value) {
        try {
            return decoder.decode(value);
        } catch (Exception e) {
            throw new IllegalStateException("undecodable output record", e);
        }
    }

    private static Map<String, String> aggregateRows(LocalPostgres postgres) {
        Map<String, String> rows = new TreeMap<>();
        try (Connection c = postgres.connection(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT country_code, event_type, window_start, event_count, severity_sum,"
                     + " revision FROM severity_aggregates")) {
            while (r.next()) {
                long start = r.getObject(3, OffsetDateTime.class).toInstant().toEpochMilli();
                rows.put(r.getString(1).trim() + "|" + r.getString(2) + "|" + (start - T0) / MINUTE,
                        r.getLong(4) + "/" + String.format("%.4f", r.getDouble(5)) + "/r" + r.getInt(6));
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return rows;
    }

    private static Map<String, String> alertRows(LocalPostgres postgres) {
        Map<String, String> rows = new TreeMap<>();
        try (Connection c = postgres.connection(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT alert_id, observed, baseline_windows, baseline_mean FROM anomaly_alerts")) {
            while (r.next()) {
                rows.put(r.getString(1), Math.round(r.getDouble(2)) + "/" + r.getInt(3) + "/"
                        + String.format("%.6f", r.getDouble(4)));
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return rows;
    }

    private static List<Integer> parallelisms(FlinkCluster flink, String jobId) {
        List<Integer> out = new ArrayList<>();
        for (JsonNode v : flink.get("/jobs/" + jobId).path("vertices")) {
            out.add(v.path("parallelism").asInt());
        }
        return out;
    }

    private static void awaitSize(String what, Supplier<? extends List<?>> read, int size) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        List<?> last = read.get();
        while (last.size() < size && System.nanoTime() < deadline) {
            Thread.sleep(500);
            last = read.get();
        }
        assertThat(last).as(what).hasSizeGreaterThanOrEqualTo(size);
    }

    private static <T> void awaitEqual(String what, Supplier<T> read, T expected) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        T last = read.get();
        while (!last.equals(expected) && System.nanoTime() < deadline) {
            Thread.sleep(500);
            last = read.get();
        }
        assertThat(last).as(what).isEqualTo(expected);
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

}
