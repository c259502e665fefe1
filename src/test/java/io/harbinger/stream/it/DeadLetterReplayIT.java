package io.harbinger.stream.it;

import io.harbinger.curated.AnomalyAlert;
import io.harbinger.curated.SeverityAggregate;
import io.harbinger.events.EventType;
import io.harbinger.events.GeopoliticalEvent;
import io.harbinger.stream.records.Reason;
import io.harbinger.stream.registry.AvroWireEncoder;
import io.harbinger.stream.sink.DeadLetterHeaders;
import io.harbinger.stream.toolkit.clients.EventProducer;
import io.harbinger.stream.toolkit.clients.TopicReader;
import io.harbinger.stream.toolkit.scenario.PipelineScenario;
import io.harbinger.stream.tools.DeadLetterReplay;
import io.harbinger.stream.tools.DeadLetterReplayCommand;
import io.harbinger.stream.tools.ReplayResult;

import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.harbinger.stream.testing.TestEvents.T0;
import static io.harbinger.stream.testing.TestEvents.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Records that failed because their writer schema was not registered yet come back once it is: the replay
 * re-validates them with today's schemas, republishes them with provenance, and the job counts them once;
 * replaying again publishes nothing.
 */
class DeadLetterReplayIT {
    private static final long MINUTE = 60_000;

    @Test
    void deadLettersFixedByANewSchemaComeBackOnceAndOnlyOnce() throws Exception {
        PipelineScenario scenario = PipelineScenario.create("replay", 1);
        // Schemas the job registers when it starts: make sure they exist, so they take no new ids below.
        for (Schema schema : List.of(SeverityAggregate.getClassSchema(), AnomalyAlert.getClassSchema(),
                GeopoliticalEvent.getClassSchema())) {
            scenario.registry().register("replay-it-" + schema.getName(), schema);
        }
        // The job must not answer the soon-to-be-registered id from its cache of unknown ids.
        JobClient job = scenario.start(scenario.config(List.of("source.kafka.bounded=false",
                "registry.unknown-id-cache=0ms")), null);
        try {
            // A producer that runs ahead of the registry: its records name the id its schema will get.
            Schema newerWriter = withNote(GeopoliticalEvent.getClassSchema());
            int futureId = scenario.registry().register("replay-it-probe-" + UUID.randomUUID(),
                    SchemaBuilder.record("Probe" + UUID.randomUUID().toString().replace("-", "")).fields()
                            .requiredInt("x").endRecord()) + 1;
            AvroWireEncoder<GenericRecord> ahead = AvroWireEncoder.generic(newerWriter, futureId);
            try (EventProducer in = scenario.producer()) {
                for (int i = 0; i < 3; i++) {
                    in.sendRaw(0, ("nz" + i).getBytes(StandardCharsets.UTF_8),
                            ahead.encode(noted(newerWriter, event("nz" + i, "NZ", EventType.PROTEST, 0.4, T0 + i * 1_000))));
                }
                in.send(0, event("nowhere", "", EventType.PROTEST, 0.4, T0 + 5_000));
                in.flush();
            }
            await().atMost(Duration.ofMinutes(1)).until(() -> scenario.deadLetters().size() == 4);
            assertThat(scenario.deadLetters()).extracting(r -> PipelineIT.header(r, DeadLetterHeaders.REASON))
                    .containsExactly("UNKNOWN_SCHEMA_ID", "UNKNOWN_SCHEMA_ID", "UNKNOWN_SCHEMA_ID",
                            "INVALID_COUNTRY_CODE");

            int registered = scenario.registry().register(EventProducer.subjectOf(scenario.rawTopic), newerWriter);
            assertThat(registered).as("the id the early producer used").isEqualTo(futureId);

            ReplayResult first = replay(scenario, "--reason", "UNKNOWN_SCHEMA_ID");
            assertThat(first.republished()).isEqualTo(3);
            assertThat(first.notSelected()).isEqualTo(1);
            assertThat(first.stillFailing()).isEmpty();

            ReplayResult second = replay(scenario);
            assertThat(second.republished()).isZero();
            assertThat(second.alreadyReplayed()).isEqualTo(3);
            assertThat(second.stillFailing()).containsExactly(Map.entry(Reason.INVALID_COUNTRY_CODE, 1L));

            List<ConsumerRecord<byte[], byte[]>> raw =
                    TopicReader.readCommitted(scenario.services.kafka.bootstrapServers(), scenario.rawTopic);
            assertThat(raw).hasSize(4 + 3);
            ConsumerRecord<byte[], byte[]> back = raw.get(4);
            assertThat(new String(back.key(), StandardCharsets.UTF_8)).isEqualTo("nz0");
            assertThat(PipelineIT.header(back, DeadLetterReplay.REPLAYED_FROM_TOPIC)).isEqualTo(scenario.rawTopic);
            assertThat(PipelineIT.header(back, DeadLetterReplay.REPLAYED_FROM_OFFSET)).isEqualTo("0");
            assertThat(PipelineIT.header(back, DeadLetterReplay.REPLAYED_FROM_DLQ)).endsWith("/0@0");
            assertThat(back.headers().lastHeader(DeadLetterHeaders.REASON)).isNull();

            try (EventProducer in = scenario.producer()) {
                in.send(0, event("closer", "FR", EventType.PROTEST, 0.4, T0 + MINUTE + 2_000));
                in.flush();
            }
            await().atMost(Duration.ofMinutes(1)).until(() -> scenario.rows("severity_aggregates", "country_code")
                    .stream().anyMatch(r -> r.get("country_code").equals("NZ")));
        } finally {
            job.cancel().get();
        }
        assertThat(scenario.rows("severity_aggregates", "country_code"))
                .filteredOn(r -> r.get("country_code").equals("NZ"))
                .extracting(r -> r.get("event_count")).containsExactly("3");
        assertThat(scenario.deadLetters()).hasSize(4);
    }

    private static ReplayResult replay(PipelineScenario scenario, String... extra) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("--config", PipelineScenario.CONFIG_FILE.toString()));
        args.addAll(List.of(extra));
        return DeadLetterReplayCommand.run(args.toArray(String[]::new), scenario.environment());
    }

    /** The current event schema plus one optional field: a newer producer's writer schema. */
    private static Schema withNote(Schema current) {
        List<Schema.Field> fields = new java.util.ArrayList<>();
        for (Schema.Field f : current.getFields()) {
            fields.add(new Schema.Field(f, f.schema()));
        }
        fields.add(new Schema.Field("note", Schema.createUnion(Schema.create(Schema.Type.NULL),
                Schema.create(Schema.Type.STRING)), "added by a newer producer", Schema.Field.NULL_DEFAULT_VALUE));
        return Schema.createRecord(current.getName(), current.getDoc(), current.getNamespace(), false, fields);
    }

    private static GenericRecord noted(Schema writer, GeopoliticalEvent event) {
        GenericRecord r = new GenericData.Record(writer);
        for (Schema.Field f : event.getSchema().getFields()) {
            Object value = event.get(f.name());
            if (value instanceof EventType type) {
                value = new GenericData.EnumSymbol(writer.getField(f.name()).schema(), type.name());
            }
            r.put(f.name(), value);
        }
        r.put("note", "ahead of the registry");
        return r;
    }
}
