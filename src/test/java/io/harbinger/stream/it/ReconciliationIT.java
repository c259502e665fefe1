package io.harbinger.stream.it;

import io.harbinger.events.EventType;
import io.harbinger.events.GeopoliticalEvent;
import io.harbinger.stream.config.JobConfig;
import io.harbinger.stream.testing.OperatorToolRun;
import io.harbinger.stream.toolkit.clients.EventProducer;
import io.harbinger.stream.toolkit.clients.TopicReader;
import io.harbinger.stream.toolkit.scenario.PipelineScenario;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static io.harbinger.stream.testing.TestEvents.T0;
import static io.harbinger.stream.testing.TestEvents.event;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The reconciliation after a normal run of the real job, then against outputs tampered with one way at a time:
 * a row deleted from the table, a count changed, a record appended again to the aggregates topic outside a
 * transaction. Each is found and named; nothing else is.
 */
class ReconciliationIT {
    private static final long MINUTE = 60_000;
    private static final String FROM = Instant.ofEpochMilli(T0).toString();
    private static final String TO = Instant.ofEpochMilli(T0 + 10 * MINUTE).toString();

    /** Eight windows of three keys, a duplicate event_id and a record that is not Avro. */
    private static List<GeopoliticalEvent> input() {
        List<GeopoliticalEvent> events = new ArrayList<>();
        String[] countries = {"UA", "US", "FR"};
        for (int w = 0; w < 8; w++) {
            for (int c = 0; c < countries.length; c++) {
                for (int i = 0; i <= w % 3 + c; i++) {
                    events.add(event("e" + w + "-" + c + "-" + i, countries[c], EventType.CONFLICT,
                            0.1 + 0.1 * i + 0.05 * c, T0 + w * MINUTE + i * 1_000 + c * 100));
                }
            }
        }
        events.add(events.get(3));
        return events;
    }

    @Test
    void agreesAfterANormalRunAndNamesEachTamperedOutput() throws Exception {
        PipelineScenario scenario = PipelineScenario.create("reconcile", 2);
        try (EventProducer in = scenario.producer()) {
            input().forEach(in::send);
            in.sendRaw(0, null, "not avro".getBytes(StandardCharsets.UTF_8));
            in.flush();
        }
        JobConfig config = scenario.config(List.of());
        scenario.runToCompletion(config);
        assertThat(scenario.committedAggregates()).hasSize(24);

        JsonNode clean = reconcile(scenario, 0);
        assertThat(clean.get("mismatches").asInt()).isZero();
        // The last windows are not past the allowed lateness of the watermark that the input implies.
        assertThat(clean.get("notComparable").asInt()).isPositive();
        assertThat(clean.get("windowsCompared").asInt() + clean.get("notComparable").asInt()).isEqualTo(24);
        assertThat(clean.get("recomputedEvents").asLong()).isEqualTo(input().size() - 1);

        JsonNode bounded = reconcile(scenario, 0, "--bounded-input");
        assertThat(bounded.get("windowsCompared").asInt()).isEqualTo(24);
        assertThat(bounded.get("notComparable").asInt()).isZero();

        sql(scenario, "DELETE FROM severity_aggregates WHERE country_code = 'US' AND window_start = '"
                + Instant.ofEpochMilli(T0 + MINUTE) + "'");
        JsonNode deleted = reconcile(scenario, 1, "--bounded-input");
        assertThat(findings(deleted)).containsExactly("aggregatesTable MISSING US " + Instant.ofEpochMilli(T0 + MINUTE));

        sql(scenario, "UPDATE severity_aggregates SET event_count = event_count + 1 WHERE country_code = 'FR'"
                + " AND window_start = '" + Instant.ofEpochMilli(T0 + 2 * MINUTE) + "'");
        JsonNode changed = reconcile(scenario, 1, "--bounded-input");
        assertThat(findings(changed)).containsExactlyInAnyOrder(
                "aggregatesTable MISSING US " + Instant.ofEpochMilli(T0 + MINUTE),
                "aggregatesTable DIFFERENT FR " + Instant.ofEpochMilli(T0 + 2 * MINUTE));
        assertThat(changed.toString()).contains("count 6, expected 5");

        ConsumerRecord<byte[], byte[]> committed = TopicReader.readCommitted(
                scenario.services.kafka.bootstrapServers(), config.kafkaSink().aggregatesTopic()).get(5);
        appendOutsideATransaction(scenario, config.kafkaSink().aggregatesTopic(), committed);
        JsonNode duplicated = reconcile(scenario, 1, "--bounded-input");
        assertThat(findings(duplicated)).hasSize(3).anyMatch(f -> f.startsWith("aggregatesTopic DUPLICATED "));
        assertThat(duplicated.get("outputs").get("aggregatesTopic").get("duplicated").asInt()).isEqualTo(1);
    }

    private static List<String> findings(JsonNode report) {
        List<String> out = new ArrayList<>();
        report.get("findings").forEach(f -> out.add(f.get("output").asText() + " " + f.get("kind").asText() + " "
                + f.get("countryCode").asText() + " " + f.get("windowStart").asText()));
        return out;
    }

    /** Runs the tool as its main does and returns its JSON report. */
    private static JsonNode reconcile(PipelineScenario scenario, int expectedExit, String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of("reconcile", "--config", PipelineScenario.CONFIG_FILE.toString(),
                "--from", FROM, "--to", TO, "--json", "-"));
        args.addAll(List.of(more));
        OperatorToolRun run = OperatorToolRun.of(scenario.environment(), args.toArray(String[]::new));
        String json = run.out;
        int exit = run.exit;
        assertThat(exit).as(json).isEqualTo(expectedExit);
        return new ObjectMapper().readTree(json);
    }

    private static void sql(PipelineScenario scenario, String statement) throws Exception {
        Map<String, String> env = scenario.environment();
        try (Connection c = DriverManager.getConnection(env.get("POSTGRES_JDBC_URL"), env.get("POSTGRES_USER"),
                env.get("POSTGRES_PASSWORD")); Statement s = c.createStatement()) {
            assertThat(s.executeUpdate(statement)).as(statement).isEqualTo(1);
        }
    }

    private static void appendOutsideATransaction(PipelineScenario scenario, String topic,
                                                  ConsumerRecord<byte[], byte[]> record) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, scenario.services.kafka.bootstrapServers());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, record.partition(), record.key(), record.value()));
            producer.flush();
        }
    }
}
