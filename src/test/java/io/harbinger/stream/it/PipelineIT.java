package io.harbinger.stream.it;

import io.harbinger.curated.AnomalyMetric;
import io.harbinger.curated.SeverityAggregate;
import io.harbinger.events.EventType;
import io.harbinger.events.GeopoliticalEvent;
import io.harbinger.stream.records.WireFormat;
import io.harbinger.stream.registry.AvroWireEncoder;
import io.harbinger.stream.sink.DeadLetterHeaders;
import io.harbinger.stream.toolkit.clients.EventProducer;
import io.harbinger.stream.toolkit.scenario.PipelineScenario;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static io.harbinger.stream.testing.TestEvents.T0;
import static io.harbinger.stream.testing.TestEvents.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * The real job graph on a MiniCluster against a real Kafka broker, schema registry and PostgreSQL: a known
 * input gives exactly the expected aggregates in the topic (read_committed) and the table, bad records land
 * in the dead-letter topic with reason and offsets, duplicates are dropped and late events reach their topic.
 */
class PipelineIT {
    private static final long S = 1_000;
    private static final long MINUTE = 60 * S;

    @Test
    void knownInputGivesExactOutputsEverywhere() throws Exception {
        PipelineScenario scenario = PipelineScenario.create("pipeline", 2);
        Schema v1 = new Schema.Parser().parse(Path.of("schemas/avro/history/GeopoliticalEvent.v1.avsc").toFile());
        // v1 is what older collectors registered first; the producer then registers the current v2.
        int v1Id = scenario.registry().register(EventProducer.subjectOf(scenario.rawTopic), v1);
        AvroWireEncoder<GenericRecord> v1Encoder = AvroWireEncoder.generic(v1, v1Id);

        byte[] notWireFormat = "hello".getBytes(StandardCharsets.UTF_8);
        byte[] truncated;
        RecordHeaders traced = new RecordHeaders();
        traced.add("trace-id", new byte[] {(byte) 0xff, 0, 42});
        // Periodic watermarks only advance between polls, so the input arrives in phases and each phase waits
        // for the effect of the last one, which makes event-time behaviour (firing, lateness) deterministic.
        JobClient job = scenario.start(scenario.config(List.of("source.kafka.bounded=false")), null);
        try (EventProducer in = scenario.producer()) {
            byte[] good = AvroWireEncoder.<GeopoliticalEvent>specific(GeopoliticalEvent.getClassSchema(),
                    in.schemaId()).encode(event("t", "US", EventType.PROTEST, 0.5, T0));
            truncated = Arrays.copyOf(good, good.length - 3);

            in.send(0, event("e1", "US", EventType.PROTEST, 0.2, T0 + S));                  // offset 0
            in.send(0, event("e2", "US", EventType.PROTEST, 0.4, T0 + 20 * S));             // 1
            in.sendRaw(0, "k3".getBytes(StandardCharsets.UTF_8), notWireFormat, traced);    // 2 NOT_WIRE_FORMAT
            in.sendRaw(0, null, v1Encoder.encode(v1Event("e3", "US", "PROTEST", 0.9, T0 + 40 * S))); // 3 (v1)
            in.send(0, event("e2", "US", EventType.PROTEST, 0.4, T0 + 20 * S));             // 4 duplicate
            in.sendRaw(0, null, withSchemaId(good, 9_999));                                  // 5 UNKNOWN_SCHEMA_ID
            in.send(0, event("e4", "FR", EventType.CONFLICT, 0.8, T0 + 50 * S));            // 6
            in.send(0, event("e5x", "", EventType.PROTEST, 0.5, T0 + 51 * S));              // 7 INVALID_COUNTRY_CODE
            in.send(0, event("e6x", "US", EventType.PROTEST, 1.5, T0 + 52 * S));            // 8 INVALID_SEVERITY
            in.send(0, event("e7x", "US", EventType.PROTEST, 0.5,
                    Instant.now().plusSeconds(3_600).toEpochMilli()));                       // 9 TIMESTAMP_IN_FUTURE
            in.sendRaw(0, null, truncated);                                                  // 10 UNDECODABLE_AVRO
            in.send(0, event("e5", "US", EventType.PROTEST, 0.6, T0 + 65 * S));             // 11 fires [0, 1m)
            in.flush();
            awaitRow(scenario, "US", T0, 0);

            in.send(0, event("e6", "US", EventType.PROTEST, 0.3, T0 + 30 * S));             // 12 late, allowed
            in.flush();
            awaitRow(scenario, "US", T0, 1);

            in.send(0, event("e7", "US", EventType.PROTEST, 0.5, T0 + 125 * S));            // 13 fires [1m, 2m)
            in.flush();
            awaitRow(scenario, "US", T0 + MINUTE, 0);

            in.send(0, event("e8", "US", EventType.PROTEST, 0.7, T0 + 10 * S));             // 14 too late
            in.sendRaw(0, null, null);                                                       // 15 EMPTY_VALUE
            in.flush();
            await().atMost(Duration.ofMinutes(1)).until(() ->
                    scenario.lateEvents().size() == 1 && scenario.deadLetters().size() == 7);
        } finally {
            job.cancel().get();
        }

        assertThat(scenario.committedAggregates())
                .extracting(SeverityAggregate::getCountryCode, SeverityAggregate::getEventType,
                        SeverityAggregate::getWindowStart, SeverityAggregate::getRevision, SeverityAggregate::getCount)
                .containsExactlyInAnyOrder(
                        tuple("US", "PROTEST", T0, 0, 3L),
                        tuple("US", "PROTEST", T0, 1, 4L),
                        tuple("FR", "CONFLICT", T0, 0, 1L),
                        tuple("US", "PROTEST", T0 + MINUTE, 0, 1L));
        SeverityAggregate revised = scenario.committedAggregates().stream()
                .filter(a -> a.getRevision() == 1).findFirst().orElseThrow();
        assertThat(revised.getSeveritySum()).isCloseTo(1.8, within(1e-9));
        assertThat(revised.getSeverityMean()).isCloseTo(0.45, within(1e-9));
        assertThat(revised.getSeverityMin()).isEqualTo(0.2);
        assertThat(revised.getSeverityMax()).isEqualTo(0.9);
        assertThat(revised.getSeverityStddev()).isCloseTo(Math.sqrt(0.29 / 4), within(1e-9));
        assertThat(revised.getWindowEnd()).isEqualTo(T0 + MINUTE);

        List<Map<String, String>> rows = scenario.rows("severity_aggregates", "window_start, country_code");
        assertThat(rows).extracting(r -> r.get("country_code"), r -> r.get("window_start"), r -> r.get("revision"),
                        r -> r.get("event_count"), r -> r.get("severity_min"), r -> r.get("severity_max"))
                .containsExactly(
                        tuple("FR", String.valueOf(T0), "0", "1", "0.8", "0.8"),
                        tuple("US", String.valueOf(T0), "1", "4", "0.2", "0.9"),
                        tuple("US", String.valueOf(T0 + MINUTE), "0", "1", "0.6", "0.6"));

        List<ConsumerRecord<byte[], byte[]>> dead = scenario.deadLetters();
        assertThat(dead).extracting(r -> header(r, DeadLetterHeaders.REASON),
                        r -> header(r, DeadLetterHeaders.SOURCE_OFFSET))
                .containsExactlyInAnyOrder(
                        tuple("NOT_WIRE_FORMAT", "2"), tuple("UNKNOWN_SCHEMA_ID", "5"),
                        tuple("INVALID_COUNTRY_CODE", "7"), tuple("INVALID_SEVERITY", "8"),
                        tuple("TIMESTAMP_IN_FUTURE", "9"), tuple("UNDECODABLE_AVRO", "10"),
                        tuple("EMPTY_VALUE", "15"));
        for (ConsumerRecord<byte[], byte[]> r : dead) {
            assertThat(header(r, DeadLetterHeaders.SOURCE_TOPIC)).isEqualTo(scenario.rawTopic);
            assertThat(header(r, DeadLetterHeaders.SOURCE_PARTITION)).isEqualTo("0");
            assertThat(header(r, DeadLetterHeaders.MESSAGE)).endsWith(
                    "[" + scenario.rawTopic + "/0@" + header(r, DeadLetterHeaders.SOURCE_OFFSET) + "]");
        }
        ConsumerRecord<byte[], byte[]> notAvro = only(dead, "NOT_WIRE_FORMAT");
        assertThat(notAvro.value()).isEqualTo(notWireFormat);
        assertThat(notAvro.key()).isEqualTo("k3".getBytes(StandardCharsets.UTF_8));
        assertThat(notAvro.headers().lastHeader("trace-id").value()).isEqualTo(new byte[] {(byte) 0xff, 0, 42});
        assertThat(header(notAvro, DeadLetterHeaders.MESSAGE)).contains("magic byte is 0x68");
        assertThat(only(dead, "UNDECODABLE_AVRO").value()).isEqualTo(truncated);
        assertThat(only(dead, "EMPTY_VALUE").value()).isNull();
        assertThat(header(only(dead, "UNKNOWN_SCHEMA_ID"), DeadLetterHeaders.MESSAGE)).contains("schema id 9999");

        List<ConsumerRecord<byte[], byte[]>> late = scenario.lateEvents();
        assertThat(late).extracting(r -> header(r, DeadLetterHeaders.REASON),
                r -> header(r, DeadLetterHeaders.SOURCE_OFFSET)).containsExactly(tuple("LATE", "14"));
        assertThat(new String(late.get(0).key(), StandardCharsets.UTF_8)).isEqualTo("e8");
        assertThat(scenario.committedAlerts()).isEmpty();
    }

    @Test
    void aSpikeAfterWarmUpRaisesAnAlertWithItsEvidenceInTopicAndTable() throws Exception {
        PipelineScenario scenario = PipelineScenario.create("anomaly", 2);
        try (EventProducer in = scenario.producer()) {
            int id = 0;
            for (int window = 0; window < 6; window++) {
                for (int i = 0; i < 2; i++) {
                    in.send(event("a" + id++, "UA", EventType.CONFLICT, 0.5, T0 + window * MINUTE + i * S));
                }
            }
            for (int i = 0; i < 12; i++) {
                in.send(event("a" + id++, "UA", EventType.CONFLICT, 0.5, T0 + 6 * MINUTE + i * S));
            }
            in.flush();
        }

        scenario.runToCompletion(scenario.config(List.of("anomaly.warm-up-windows=5", "anomaly.z-threshold=3")));

        // six windows of 2 events: EWMA mean 2, variance 0, stddev floored to min-stddev-count 1 -> z = 10
        assertThat(scenario.committedAlerts()).singleElement().satisfies(alert -> {
            assertThat(alert.getAlertId()).isEqualTo("UA|CONFLICT|" + (T0 + 6 * MINUTE) + "|EVENT_COUNT");
            assertThat(alert.getMetric()).isEqualTo(AnomalyMetric.EVENT_COUNT);
            assertThat(alert.getObserved()).isEqualTo(12.0);
            assertThat(alert.getBaselineMean()).isEqualTo(2.0);
            assertThat(alert.getBaselineStddev()).isEqualTo(1.0);
            assertThat(alert.getZScore()).isEqualTo(10.0);
            assertThat(alert.getThreshold()).isEqualTo(3.0);
            assertThat(alert.getBaselineWindows()).isEqualTo(6);
            assertThat(alert.getWindowEnd()).isEqualTo(T0 + 7 * MINUTE);
        });
        assertThat(scenario.rows("anomaly_alerts", "alert_id"))
                .extracting(r -> r.get("alert_id"), r -> r.get("observed"), r -> r.get("z_score"),
                        r -> r.get("baseline_windows"))
                .containsExactly(tuple("UA|CONFLICT|" + (T0 + 6 * MINUTE) + "|EVENT_COUNT", "12.0", "10.0", "6"));
        assertThat(scenario.rows("severity_aggregates", "window_start")).hasSize(7);
    }

    /** Waits until PostgreSQL holds the window's row at (at least) this revision. */
    private static void awaitRow(PipelineScenario scenario, String country, long windowStart, int revision) {
        await().atMost(Duration.ofMinutes(1)).until(() -> scenario.rows("severity_aggregates", "window_start")
                .stream().anyMatch(r -> r.get("country_code").equals(country)
                        && r.get("window_start").equals(String.valueOf(windowStart))
                        && Integer.parseInt(r.get("revision")) >= revision));
    }

    static GenericRecord v1Event(String id, String country, String type, double severity, long ts) {
        Schema v1;
        try {
            v1 = new Schema.Parser().parse(Path.of("schemas/avro/history/GeopoliticalEvent.v1.avsc").toFile());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        GenericRecord r = new GenericData.Record(v1);
        r.put("event_id", id);
        r.put("timestamp", ts);
        r.put("country_code", country);
        r.put("event_type", new GenericData.EnumSymbol(v1.getField("event_type").schema(), type));
        r.put("severity", severity);
        return r;
    }

    private static byte[] withSchemaId(byte[] payload, int schemaId) {
        byte[] copy = payload.clone();
        System.arraycopy(WireFormat.header(schemaId), 0, copy, 0, WireFormat.HEADER_LENGTH);
        return copy;
    }

    private static ConsumerRecord<byte[], byte[]> only(List<ConsumerRecord<byte[], byte[]>> records, String reason) {
        return records.stream().filter(r -> reason.equals(header(r, DeadLetterHeaders.REASON))).findFirst()
                .orElseThrow(() -> new AssertionError("no dead letter with reason " + reason));
    }

    static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        var h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
