package io.harbinger.stream.it;

import io.harbinger.curated.SeverityAggregate;
import io.harbinger.events.EventType;
import io.harbinger.stream.registry.SchemaRegistryClient;
import io.harbinger.stream.sink.DeadLetterHeaders;
import io.harbinger.stream.toolkit.clients.EventProducer;
import io.harbinger.stream.toolkit.clients.TopicReader;
import io.harbinger.stream.toolkit.cluster.ClusterJobBed;
import io.harbinger.stream.toolkit.cluster.FlinkCluster;
import io.harbinger.stream.toolkit.services.KafkaBroker;
import io.harbinger.stream.toolkit.services.LocalPostgres;
import io.harbinger.stream.validate.WireDecoder;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import static io.harbinger.stream.testing.TestEvents.T0;
import static io.harbinger.stream.testing.TestEvents.event;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code job.delivery: at-least-once} through a kill -9 of a TaskManager on the real multi-process cluster: no
 * window is missing from the aggregates topic or the table, and every record a failover repeats is the same
 * record again (same key, same content), so a reader that keeps the latest record per key sees exactly the
 * result of a run without a failure. Also shows that the output is readable without transactions: the
 * read_committed reader sees the records while the job still runs.
 */
class AtLeastOnceDeliveryIT {
    private static final long MINUTE = 60_000;
    private static final String[] COUNTRIES = {"US", "FR", "DE", "GB"};
    private static final Duration RECOVERY_TIMEOUT = Duration.ofSeconds(90);

    /** Events of one (country index, window): 1 to 3, so counts differ between neighbouring windows. */
    private static int eventsIn(int country, int window) {
        return 1 + (window + country) % 3;
    }

    @Test
    void aFailoverRepeatsOnlyIdenticalRecordsAndLosesNoWindow() throws Exception {
        try (ClusterJobBed bed = ClusterJobBed.named(ClusterJobBed.uniqueName("alo_")).start()) {
            KafkaBroker kafka = bed.kafka();
            LocalPostgres postgres = bed.postgres();
            FlinkCluster flink = bed.flink();
            String raw = bed.rawTopic();
            SchemaRegistryClient registryClient = bed.registryClient();

            AtomicInteger windowsFed = new AtomicInteger();
            AtomicBoolean stopFeeding = new AtomicBoolean();
            AtomicReference<Throwable> driverError = new AtomicReference<>();
            List<String> badKeys = new ArrayList<>();
            Thread driver = new Thread(() -> {
                try (EventProducer in = new EventProducer(kafka.bootstrapServers(), registryClient, raw)) {
                    for (int w = 0; !stopFeeding.get(); w++) {
                        for (int c = 0; c < COUNTRIES.length; c++) {
                            for (int i = 0; i < eventsIn(c, w); i++) {
                                in.send(event(COUNTRIES[c] + "-" + w + "-" + i, COUNTRIES[c], EventType.PROTEST,
                                        0.1 * (i + 1), T0 + w * MINUTE + i * 1_000));
                            }
                        }
                        if (w % 5 == 2) {
                            String key = "bad-" + w;
                            synchronized (badKeys) {
                                badKeys.add(key);
                            }
                            in.sendRaw(null, key.getBytes(StandardCharsets.UTF_8), "not avro".getBytes(StandardCharsets.UTF_8));
                        }
                        in.flush();
                        windowsFed.set(w + 1);
                        Thread.sleep(150);
                    }
                } catch (Throwable t) {
                    driverError.set(t);
                }
            }, "at-least-once-driver");
            // Input flows before the job starts, so no partition is idle at start-up (see FaultCampaignIT).
            driver.start();
            String jobId = flink.runJar(bed.jarId(), bed.runArgs(
                    "--set", "job.delivery=at-least-once",
                    // longer than the failover: the partitions must not go idle while the job is down
                    "--set", "event-time.idleness=1m",
                    "--set", "checkpoints.timeout=6s"), null);
            flink.await("job running with a first checkpoint", Duration.ofSeconds(90),
                    c -> c.allTasksRunning(jobId) && c.completedCheckpoints(jobId) > 0);

            WireDecoder<SeverityAggregate> aggregates = new WireDecoder<>(registryClient,
                    SeverityAggregate.getClassSchema(), Integer.MAX_VALUE);
            // visible without a transaction commit: output is in the read_committed topic while the job runs
            flink.await("aggregates visible to a read_committed reader", Duration.ofSeconds(60),
                    c -> !TopicReader.readCommitted(kafka.bootstrapServers(), raw + ".aggregates").isEmpty());

            // kill -9 between checkpoints: what was written since the last one is written again after the restore
            Thread.sleep(1_500);
            long restoredBefore = flink.checkpoints(jobId).path("counts").path("restored").asLong();
            flink.killTaskManager(flink.taskManagerIds().get(0));
            flink.startTaskManager();
            flink.awaitTaskManagers(2, RECOVERY_TIMEOUT);
            flink.await("job restored from a checkpoint", RECOVERY_TIMEOUT,
                    c -> c.checkpoints(jobId).path("counts").path("restored").asLong() > restoredBefore);
            long back = System.currentTimeMillis();
            flink.await("a checkpoint after the restore", RECOVERY_TIMEOUT, c -> c.allTasksRunning(jobId)
                    && c.checkpoints(jobId).path("latest").path("completed").path("trigger_timestamp").asLong() > back);
            Thread.sleep(2_000);
            stopFeeding.set(true);
            driver.join(60_000);
            assertThat(driverError.get()).as("driver").isNull();
            int windows = windowsFed.get();
            try (EventProducer in = new EventProducer(kafka.bootstrapServers(), registryClient, raw)) {
                for (int p = 0; p < 2; p++) {
                    in.send(p, event("pusher-" + p, "US", EventType.PROTEST, 0.5, T0 + (windows + 5L) * MINUTE));
                }
                in.flush();
            }

            Map<String, String> expected = new TreeMap<>();
            for (int w = 0; w < windows; w++) {
                for (int c = 0; c < COUNTRIES.length; c++) {
                    int n = eventsIn(c, w);
                    double sum = 0;
                    for (int i = 0; i < n; i++) {
                        sum += 0.1 * (i + 1);
                    }
                    expected.put(COUNTRIES[c] + "|" + w, n + "/" + String.format("%.4f", sum) + "/r0");
                }
            }
            long waitStart = System.nanoTime();
            while (latestPerKey(TopicReader.readCommitted(kafka.bootstrapServers(), raw + ".aggregates"),
                    r -> describe(decode(aggregates, r))).size() < expected.size()
                    && System.nanoTime() - waitStart < RECOVERY_TIMEOUT.toNanos()) {
                Thread.sleep(500);
            }
            flink.cancel(jobId);

            // ---- aggregates: every window, each repeat the same record
            List<ConsumerRecord<byte[], byte[]>> aggregateRecords =
                    TopicReader.readCommitted(kafka.bootstrapServers(), raw + ".aggregates");
            Map<String, String> latest = latestPerKey(aggregateRecords, r -> describe(decode(aggregates, r)));
            assertThat(latest).as("latest aggregate per key, as a compacted topic keeps it").isEqualTo(expected);
            int repeats = assertRepeatsIdentical("aggregates", aggregateRecords,
                    r -> describe(decode(aggregates, r)));
            System.out.printf("at-least-once: %d windows, %d aggregate records, %d repeated by the failover%n",
                    expected.size(), aggregateRecords.size(), repeats);
            assertThat(aggregateRows(postgres)).as("severity_aggregates rows (upserts)").isEqualTo(expected);

            // ---- the other outputs: dead letters keep the input key; each repeat the same record
            List<ConsumerRecord<byte[], byte[]>> deadLetters =
                    TopicReader.readCommitted(kafka.bootstrapServers(), raw + ".dead-letters");
            assertRepeatsIdentical("dead letters", deadLetters, AtLeastOnceDeliveryIT::describeDeadLetter);
            List<String> expectedBad;
            synchronized (badKeys) {
                expectedBad = List.copyOf(badKeys);
            }
            assertThat(latestPerKey(deadLetters, AtLeastOnceDeliveryIT::describeDeadLetter).keySet())
                    .as("every bad record in the dead letters").containsExactlyInAnyOrderElementsOf(expectedBad);
            assertThat(TopicReader.readCommitted(kafka.bootstrapServers(), raw + ".anomalies"))
                    .as("anomalies (the input raises none)").isEmpty();
            assertThat(TopicReader.readCommitted(kafka.bootstrapServers(), raw + ".late-events"))
                    .as("late events (the input has none)").isEmpty();
        }
    }

    /**
     * Asserts that records with the same key have the same content and returns how many records were repeats.
     * Aggregates are compared decoded, with the severity sum to 4 decimals: a replay may add partial sums in
     * another order, which changes only the last bits (docs/architecture.md, "Delivery modes").
     */
    private static int assertRepeatsIdentical(String output, List<ConsumerRecord<byte[], byte[]>> records,
                                              Function<ConsumerRecord<byte[], byte[]>, String> content) {
        Map<String, String> first = new HashMap<>();
        int repeats = 0;
        for (ConsumerRecord<byte[], byte[]> r : records) {
            String key = new String(r.key(), StandardCharsets.UTF_8);
            String value = content.apply(r);
            String seen = first.putIfAbsent(key, value);
            if (seen != null) {
                repeats++;
                assertThat(value).as("%s: a repeat of key %s", output, key).isEqualTo(seen);
            }
        }
        return repeats;
    }

    private static Map<String, String> latestPerKey(List<ConsumerRecord<byte[], byte[]>> records,
                                                    Function<ConsumerRecord<byte[], byte[]>, String> content) {
        Map<String, String> latest = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            String value = content.apply(r);
            latest.put(value.substring(0, value.indexOf('=')), value.substring(value.indexOf('=') + 1));
        }
        return latest;
    }

    private static <T> T decode(WireDecoder<T> decoder, ConsumerRecord<byte[], byte[]> r) {
        try {
            return decoder.decode(r.value());
        } catch (Exception e) {
            throw new AssertionError("undecodable output at offset " + r.offset(), e);
        }
    }

    private static String describe(SeverityAggregate a) {
        return a.getCountryCode() + "|" + (a.getWindowStart() - T0) / MINUTE + "=" + a.getCount() + "/"
                + String.format("%.4f", a.getSeveritySum()) + "/r" + a.getRevision();
    }

    /** Key, value and every header of a dead letter, as its reader sees it. */
    private static String describeDeadLetter(ConsumerRecord<byte[], byte[]> r) {
        StringBuilder s = new StringBuilder(new String(r.key(), StandardCharsets.UTF_8)).append('=')
                .append(new String(r.value(), StandardCharsets.UTF_8));
        for (Header h : r.headers()) {
            s.append(';').append(h.key()).append(':').append(new String(h.value(), StandardCharsets.UTF_8));
        }
        assertThat(r.headers().lastHeader(DeadLetterHeaders.REASON)).as("reason header").isNotNull();
        return s.toString();
    }

    private static Map<String, String> aggregateRows(LocalPostgres postgres) throws Exception {
        Map<String, String> rows = new TreeMap<>();
        try (Connection c = postgres.connection(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT country_code, window_start, event_count, severity_sum, revision"
                     + " FROM severity_aggregates")) {
            while (r.next()) {
                long start = r.getObject(2, java.time.OffsetDateTime.class).toInstant().toEpochMilli();
                rows.put(r.getString(1).trim() + "|" + (start - T0) / MINUTE,
                        r.getLong(3) + "/" + String.format("%.4f", r.getDouble(4)) + "/r" + r.getInt(5));
            }
        }
        return rows;
    }
}
