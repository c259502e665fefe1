package io.harbinger.stream.it;

import io.harbinger.stream.toolkit.scenario.LocalPlatform;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.harbinger.curated.AnomalyAlert;
import io.harbinger.curated.SeverityAggregate;
import io.harbinger.events.EventType;
import io.harbinger.events.GeopoliticalEvent;
import io.harbinger.stream.HarbingerPipeline;
import io.harbinger.stream.config.JobConfig;
import io.harbinger.stream.records.Envelope;
import io.harbinger.stream.records.RawRecord;
import io.harbinger.stream.records.Reason;
import io.harbinger.stream.records.WireFormat;
import io.harbinger.stream.registry.AvroWireEncoder;
import io.harbinger.stream.registry.SchemaRegistryClient;
import io.harbinger.stream.sink.DeadLetterHeaders;
import io.harbinger.stream.testing.BadPayloads;
import io.harbinger.stream.toolkit.clients.EventProducer;
import io.harbinger.stream.toolkit.scenario.PipelineScenario;
import io.harbinger.stream.validate.EventValidator;
import io.harbinger.stream.validate.RecordValidator;
import io.harbinger.stream.validate.WireDecoder;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.harbinger.stream.testing.TestEvents.T0;
import static io.harbinger.stream.testing.TestEvents.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.within;

/**
 * A campaign of bad input through ONE run of the real job graph on a MiniCluster against the real broker,
 * registry and PostgreSQL. Partition 0 carries a named corpus of more than 40 kinds of bad record, each
 * between two valid events; partition 1 carries a few thousand seeded fuzz records between valid events.
 * The job runs with {@code restart-strategy.type: none}, so any failure caused by data fails the run. Asserted:
 * every bad record is in the dead-letter topic exactly once with its reason, source topic/partition/offset and
 * its original key, value and headers byte for byte; the valid events give exact aggregates; nothing is lost
 * (records in == valid + dead letters).
 */
class BadInputCampaignIT {
    private static final Logger LOG = LoggerFactory.getLogger(BadInputCampaignIT.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Schema V2 = GeopoliticalEvent.getClassSchema();
    private static final int FUZZ_RECORDS = 3_000;
    private static final long FUZZ_SEED = 20261126L;
    private static final int TOPIC_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

    /** One kind of bad input: its name, the record and what the job must say about it. */
    record Case(String name, byte[] key, byte[] value, RecordHeaders headers, Reason reason, String messagePart) {}

    /** A record written to the raw topic, where it landed, and what should become of it. */
    record Sent(String name, int partition, long offset, byte[] key, byte[] value, Header[] headers,
                Reason reason, String messagePart) {}

    @Test
    void everyBadRecordIsDeadLetteredWithItsReasonAndBytesAndTheValidOnesAroundItCountExactly() throws Exception {
        long t0 = System.nanoTime();
        PipelineScenario scenario = PipelineScenario.create("badinput", 2);
        JobConfig config = scenario.config(List.of());
        String dlq = config.kafkaSink().deadLetterTopic();
        raiseMaxMessageBytes(scenario, scenario.rawTopic, dlq);

        SchemaRegistryClient registry = scenario.registry();
        int v2Id = registry.register(EventProducer.subjectOf(scenario.rawTopic), V2);
        // The sinks register these when they open; registering them now keeps every id the fuzzer might
        // pick meaning the same to the oracle below and to the job.
        registry.register(config.kafkaSink().aggregatesTopic() + "-value", SeverityAggregate.getClassSchema());
        registry.register(config.kafkaSink().anomaliesTopic() + "-value", AnomalyAlert.getClassSchema());
        BadPayloads payloads = new BadPayloads(v2Id);
        List<Case> corpus = corpus(scenario, payloads);
        assertThat(corpus).hasSizeGreaterThanOrEqualTo(30);
        assertThat(corpus).extracting(Case::name).doesNotHaveDuplicates();

        List<Sent> sent = new ArrayList<>();
        List<GeopoliticalEvent> valid = new ArrayList<>();
        Map<Reason, Integer> fuzzReasons = new EnumMap<>(Reason.class);
        try (KafkaProducer<byte[], byte[]> producer = producer(scenario)) {
            List<Future<RecordMetadata>> acks = new ArrayList<>();
            List<Object[]> pending = new ArrayList<>();
            // partition 0: valid, bad, valid, bad, ..., valid
            int okP0 = 0;
            for (Case c : corpus) {
                GeopoliticalEvent ok = event("ok-0-" + okP0, "US", EventType.PROTEST, severity(okP0), T0 + okP0 * 100L);
                okP0++;
                valid.add(ok);
                acks.add(send(producer, scenario.rawTopic, 0, ok.getEventId().getBytes(StandardCharsets.UTF_8),
                        payloads.encode(ok), junkHeaders(okP0)));
                pending.add(null);
                acks.add(send(producer, scenario.rawTopic, 0, c.key(), c.value(), c.headers()));
                pending.add(new Object[] {c.name(), c.key(), c.value(), c.headers().toArray(), c.reason(), c.messagePart()});
            }
            GeopoliticalEvent lastP0 = event("ok-0-" + okP0, "US", EventType.PROTEST, severity(okP0), T0 + okP0 * 100L);
            valid.add(lastP0);
            acks.add(send(producer, scenario.rawTopic, 0, null, payloads.encode(lastP0), new RecordHeaders()));
            pending.add(null);

            // partition 1: seeded fuzz, valid events every 10 records. The oracle is the job's own decoder and
            // rules, run here: candidates it accepts are skipped, so every fuzz record sent is one the job must
            // reject, and the reason it gives is the one the job must give too.
            RecordValidator oracle = new RecordValidator(
                    WireDecoder.forEvents(new SchemaRegistryClient(config.registry()), config.validation().maxValueBytes()),
                    new EventValidator(config.validation(), Clock.systemUTC()));
            Random random = new Random(FUZZ_SEED);
            int okP1 = 0;
            int fuzzSent = 0;
            while (fuzzSent < FUZZ_RECORDS) {
                if (fuzzSent % 10 == 0) {
                    GeopoliticalEvent ok = event("ok-1-" + okP1, "FR", EventType.CONFLICT, severity(okP1 + 7),
                            T0 + 30_000 + okP1 * 10L);
                    okP1++;
                    valid.add(ok);
                    acks.add(send(producer, scenario.rawTopic, 1, null, payloads.encode(ok), new RecordHeaders()));
                    pending.add(null);
                }
                byte[] candidate = payloads.fuzz(random);
                Envelope verdict = oracle.validate(new RawRecord(scenario.rawTopic, "1", "-1", 0L, null, candidate,
                        new String[0], new byte[0][]));
                if (verdict.isValid()) {
                    continue;
                }
                fuzzReasons.merge(verdict.reason, 1, Integer::sum);
                acks.add(send(producer, scenario.rawTopic, 1, null, candidate, new RecordHeaders()));
                pending.add(new Object[] {"fuzz #" + fuzzSent + " " + BadPayloads.hex(candidate), null, candidate,
                        new Header[0], verdict.reason, messageWithoutSource(verdict.message)});
                fuzzSent++;
            }
            producer.flush();
            for (int i = 0; i < acks.size(); i++) {
                RecordMetadata m = acks.get(i).get(30, TimeUnit.SECONDS);
                Object[] p = pending.get(i);
                if (p != null) {
                    sent.add(new Sent((String) p[0], m.partition(), m.offset(), (byte[]) p[1], (byte[]) p[2],
                            (Header[]) p[3], (Reason) p[4], (String) p[5]));
                }
            }
        }
        int recordsIn = sent.size() + valid.size();
        LOG.info("Bad-input campaign: {} named cases, {} fuzz records ({}), {} valid events; written in {} ms",
                corpus.size(), FUZZ_RECORDS, fuzzReasons, valid.size(), (System.nanoTime() - t0) / 1_000_000);
        assertThat(fuzzReasons).containsKeys(Reason.NOT_WIRE_FORMAT, Reason.UNKNOWN_SCHEMA_ID,
                Reason.UNDECODABLE_AVRO);

        // One bounded run; with restart-strategy none any exception the data causes fails the job and this get().
        long run = System.nanoTime();
        Configuration flink = LocalPlatform.flinkConfiguration(config);
        flink.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(flink);
        HarbingerPipeline.build(env, config);
        JobClient job = env.executeAsync(config.job().name());
        // a result (not an exception) means the job reached FINISHED; the per-job MiniCluster is gone after it
        assertThat(job.getJobExecutionResult().get(3, TimeUnit.MINUTES).getJobID()).isEqualTo(job.getJobID());
        LOG.info("Bad-input campaign job finished in {} ms", (System.nanoTime() - run) / 1_000_000);

        // Dead letters: exactly the bad records, each with reason, source and original bytes.
        List<ConsumerRecord<byte[], byte[]>> dead = scenario.deadLetters();
        Map<String, ConsumerRecord<byte[], byte[]>> deadBySource = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : dead) {
            String source = header(r, DeadLetterHeaders.SOURCE_PARTITION) + "@" + header(r, DeadLetterHeaders.SOURCE_OFFSET);
            assertThat(deadBySource.put(source, r)).as("two dead letters for %s", source).isNull();
        }
        for (Sent s : sent) {
            ConsumerRecord<byte[], byte[]> r = deadBySource.get(s.partition() + "@" + s.offset());
            assertThat(r).as("dead letter of %s (%d@%d)", s.name(), s.partition(), s.offset()).isNotNull();
            assertThat(header(r, DeadLetterHeaders.REASON)).as("reason of %s: %s", s.name(),
                    header(r, DeadLetterHeaders.MESSAGE)).isEqualTo(s.reason().name());
            assertThat(header(r, DeadLetterHeaders.MESSAGE)).as("message of %s", s.name())
                    .contains(s.messagePart())
                    .endsWith("[" + scenario.rawTopic + "/" + s.partition() + "@" + s.offset() + "]");
            assertThat(header(r, DeadLetterHeaders.SOURCE_TOPIC)).isEqualTo(scenario.rawTopic);
            assertThat(r.value()).as("value of %s", s.name()).isEqualTo(s.value());
            assertThat(r.key()).as("key of %s", s.name()).isEqualTo(s.key());
            Header[] copied = Arrays.copyOf(r.headers().toArray(), s.headers().length);
            assertThat(copied).as("original headers of %s", s.name())
                    .extracting(Header::key, Header::value)
                    .containsExactly(Arrays.stream(s.headers()).map(h -> tuple(h.key(), h.value())).toArray(
                            org.assertj.core.groups.Tuple[]::new));
        }
        assertThat(dead).hasSize(sent.size());
        assertThat(scenario.lateEvents()).isEmpty();

        // The valid events around them: exact aggregates, one window per key, no revision.
        List<SeverityAggregate> aggregates = scenario.committedAggregates();
        assertThat(aggregates).extracting(SeverityAggregate::getCountryCode, SeverityAggregate::getEventType,
                        SeverityAggregate::getWindowStart, SeverityAggregate::getRevision, SeverityAggregate::getCount)
                .containsExactlyInAnyOrder(
                        tuple("US", "PROTEST", T0, 0, count(valid, "US")),
                        tuple("FR", "CONFLICT", T0, 0, count(valid, "FR")));
        for (SeverityAggregate a : aggregates) {
            List<Double> s = valid.stream().filter(e -> e.getCountryCode().equals(a.getCountryCode()))
                    .map(GeopoliticalEvent::getSeverity).toList();
            assertThat(a.getSeveritySum()).isCloseTo(s.stream().mapToDouble(d -> d).sum(), within(1e-9));
            assertThat(a.getSeverityMin()).isEqualTo(s.stream().mapToDouble(d -> d).min().orElseThrow());
            assertThat(a.getSeverityMax()).isEqualTo(s.stream().mapToDouble(d -> d).max().orElseThrow());
        }
        assertThat(scenario.rows("severity_aggregates", "country_code"))
                .extracting(r -> r.get("country_code"), r -> r.get("event_count"))
                .containsExactly(tuple("FR", String.valueOf(count(valid, "FR"))),
                        tuple("US", String.valueOf(count(valid, "US"))));

        // Nothing lost: every record read is either counted in a window or dead-lettered.
        long counted = aggregates.stream().mapToLong(SeverityAggregate::getCount).sum();
        assertThat(counted + dead.size()).isEqualTo(recordsIn);
        LOG.info("Bad-input campaign: {} records in = {} valid + {} dead letters; whole test {} ms", recordsIn,
                counted, dead.size(), (System.nanoTime() - t0) / 1_000_000);
    }

    // ------------------------------------------------------------------------------------------------
    // The corpus

    private static List<Case> corpus(PipelineScenario scenario, BadPayloads p) throws Exception {
        SchemaRegistryClient registry = scenario.registry();
        byte[] good = p.encode(event("good", "UA", EventType.CONFLICT, 0.5, T0));
        int id = p.schemaId;
        List<Case> c = new ArrayList<>();

        // Not a wire-format record at all
        c.add(bad("null value", null, Reason.EMPTY_VALUE, "value is null"));
        c.add(bad("empty value", new byte[0], Reason.EMPTY_VALUE, "value is empty"));
        c.add(bad("one byte", new byte[] {0}, Reason.NOT_WIRE_FORMAT, "value has 1 bytes, fewer than the 5-byte"));
        c.add(bad("four bytes", new byte[] {0, 0, 0, 1}, Reason.NOT_WIRE_FORMAT, "value has 4 bytes"));
        byte[] magic = good.clone();
        magic[0] = 1;
        c.add(bad("wrong magic byte", magic, Reason.NOT_WIRE_FORMAT, "magic byte is 0x01, expected 0x00"));
        c.add(bad("JSON instead of Avro", utf8("{\"event_id\":\"e1\",\"severity\":0.5}"), Reason.NOT_WIRE_FORMAT,
                "magic byte is 0x7b"));
        c.add(bad("plain text", utf8("hello"), Reason.NOT_WIRE_FORMAT, "magic byte is 0x68"));

        // Header fine, schema id not
        c.add(bad("unknown schema id", withSchemaId(good, 987_654), Reason.UNKNOWN_SCHEMA_ID,
                "schema id 987654 is not known"));
        c.add(bad("negative schema id", withSchemaId(good, -1), Reason.UNKNOWN_SCHEMA_ID, "schema id -1 is not known"));
        c.add(bad("schema id 0", withSchemaId(good, 0), Reason.UNKNOWN_SCHEMA_ID, "schema id 0 is not known"));

        // Writer schemas that cannot be read as a GeopoliticalEvent
        Schema noSeverity = editSchema(root -> {
            ArrayNode fields = (ArrayNode) root.path("fields");
            for (int i = 0; i < fields.size(); i++) {
                if (fields.get(i).path("name").asText().equals("severity")) {
                    fields.remove(i);
                    break;
                }
            }
        });
        int noSeverityId = registry.register(scenario.rawTopic + "-no-severity-value", noSeverity);
        GenericRecord r = new GenericData.Record(noSeverity);
        r.put("event_id", "inc-1");
        r.put("timestamp", T0);
        r.put("country_code", "UA");
        r.put("event_type", new GenericData.EnumSymbol(noSeverity.getField("event_type").schema(), "CONFLICT"));
        c.add(bad("incompatible writer schema (required field missing)",
                AvroWireEncoder.<GenericRecord>generic(noSeverity, noSeverityId).encode(r), Reason.INCOMPATIBLE_SCHEMA,
                "READER_FIELD_MISSING_DEFAULT_VALUE"));
        Schema severityAsString = editSchema(root -> {
            for (var f : root.path("fields")) {
                if (f.path("name").asText().equals("severity")) {
                    ((ObjectNode) f).put("type", "string");
                }
            }
        });
        int stringId = registry.register(scenario.rawTopic + "-string-severity-value", severityAsString);
        c.add(bad("incompatible writer schema (field of another type)", p2(stringId, e -> {
            e.writeString("inc-2");
            e.writeLong(T0);
            e.writeString("UA");
            e.writeEnum(1);
            e.writeString("high");
            e.writeIndex(0);
            e.writeIndex(0);
            e.writeIndex(0);
        }), Reason.INCOMPATIBLE_SCHEMA, "TYPE_MISMATCH"));
        Schema renamed = editSchema(root -> root.put("name", "NotAnEvent"));
        int renamedId = registry.register(scenario.rawTopic + "-renamed-value", renamed);
        // same fields, so the v2 body is a valid body of the renamed record
        c.add(bad("record with the wrong name", withSchemaId(good, renamedId), Reason.INCOMPATIBLE_SCHEMA,
                "(io.harbinger.events.NotAnEvent) cannot be read as io.harbinger.events.GeopoliticalEvent"));
        int aggregateId = registry.register(scenario.rawTopic + "-aggregate-value", SeverityAggregate.getClassSchema());
        c.add(bad("another record type's schema id", withSchemaId(good, aggregateId), Reason.INCOMPATIBLE_SCHEMA,
                "cannot be read as io.harbinger.events.GeopoliticalEvent"));

        // Avro bodies that do not decode
        c.add(bad("header only, no body", WireFormat.header(id), Reason.UNDECODABLE_AVRO, "does not decode"));
        c.add(bad("truncated Avro", Arrays.copyOf(good, good.length - 3), Reason.UNDECODABLE_AVRO, "EOFException"));
        byte[] trailing = Arrays.copyOf(good, good.length + 4);
        trailing[good.length] = 0x42;
        c.add(bad("trailing garbage", trailing, Reason.UNDECODABLE_AVRO, "trailing bytes after the Avro record"));
        c.add(bad("oversized string length (1 GiB)", p.body(e -> e.writeLong(1L << 30)), Reason.UNDECODABLE_AVRO,
                "1073741824"));
        c.add(bad("string length beyond the payload", p.body(e -> {
            e.writeLong(1000);
            e.writeFixed(utf8("short"));
        }), Reason.UNDECODABLE_AVRO, "does not decode"));
        c.add(bad("negative string length", p.body(e -> e.writeLong(-5)), Reason.UNDECODABLE_AVRO,
                "Length is negative: -5"));
        c.add(bad("enum index out of range", p.rawStrings(utf8("enum-1"), T0, utf8("UA"), 99, 0.5),
                Reason.UNDECODABLE_AVRO, "99"));
        c.add(bad("negative enum index", p.rawStrings(utf8("enum-2"), T0, utf8("UA"), -1, 0.5),
                Reason.UNDECODABLE_AVRO, "does not decode"));
        c.add(bad("union branch out of range", p.body(e -> {
            e.writeString("union-1");
            e.writeLong(T0);
            e.writeString("UA");
            e.writeEnum(1);
            e.writeDouble(0.5);
            e.writeIndex(7);
        }), Reason.UNDECODABLE_AVRO, "does not decode"));

        // Invalid UTF-8 decodes to U+FFFD; the field rules reject it where it matters
        c.add(bad("invalid UTF-8 in event_id", p.rawStrings(new byte[] {'e', (byte) 0xff, (byte) 0xfe, '1'}, T0,
                utf8("UA"), 1, 0.5), Reason.INVALID_EVENT_ID, "invalid UTF-8"));
        c.add(bad("UTF-8-encoded surrogate in event_id", p.rawStrings(new byte[] {'e', (byte) 0xed, (byte) 0xa0,
                (byte) 0x80}, T0, utf8("UA"), 1, 0.5), Reason.INVALID_EVENT_ID, "invalid UTF-8"));
        c.add(bad("overlong UTF-8 in event_id", p.rawStrings(new byte[] {'e', (byte) 0xc0, (byte) 0xaf}, T0,
                utf8("UA"), 1, 0.5), Reason.INVALID_EVENT_ID, "invalid UTF-8"));
        c.add(bad("invalid UTF-8 in country_code", p.rawStrings(utf8("utf-cc"), T0, new byte[] {'U', (byte) 0xc3},
                1, 0.5), Reason.INVALID_COUNTRY_CODE, "is not an ISO 3166-1 alpha-2 code"));
        c.add(bad("NUL in event_id", p.encode(event("e\u00001", "UA", EventType.CONFLICT, 0.5, T0)),
                Reason.INVALID_EVENT_ID, "control characters"));

        // Decodes, but breaks a rule
        c.add(bad("empty event_id", p.encode(event("", "UA", EventType.CONFLICT, 0.5, T0)), Reason.INVALID_EVENT_ID,
                "event_id is empty"));
        c.add(bad("blank event_id", p.encode(event("   ", "UA", EventType.CONFLICT, 0.5, T0)),
                Reason.INVALID_EVENT_ID, "event_id is empty"));
        c.add(bad("event_id of 257 characters", p.encode(event("x".repeat(257), "UA", EventType.CONFLICT, 0.5, T0)),
                Reason.INVALID_EVENT_ID, "event_id has 257 characters"));
        c.add(bad("empty country_code", p.encode(event("cc-1", "", EventType.CONFLICT, 0.5, T0)),
                Reason.INVALID_COUNTRY_CODE, "country_code \"\""));
        c.add(bad("lower-case country_code", p.encode(event("cc-2", "us", EventType.CONFLICT, 0.5, T0)),
                Reason.INVALID_COUNTRY_CODE, "country_code \"us\""));
        c.add(bad("three-letter country_code", p.encode(event("cc-3", "USA", EventType.CONFLICT, 0.5, T0)),
                Reason.INVALID_COUNTRY_CODE, "country_code \"USA\""));
        c.add(bad("unassigned country_code", p.encode(event("cc-4", "ZZ", EventType.CONFLICT, 0.5, T0)),
                Reason.INVALID_COUNTRY_CODE, "country_code \"ZZ\""));
        c.add(bad("severity NaN", p.encode(event("sev-1", "UA", EventType.CONFLICT, Double.NaN, T0)),
                Reason.INVALID_SEVERITY, "severity NaN"));
        c.add(bad("severity +Infinity", p.encode(event("sev-2", "UA", EventType.CONFLICT, Double.POSITIVE_INFINITY,
                T0)), Reason.INVALID_SEVERITY, "severity Infinity"));
        c.add(bad("severity -Infinity", p.encode(event("sev-3", "UA", EventType.CONFLICT, Double.NEGATIVE_INFINITY,
                T0)), Reason.INVALID_SEVERITY, "severity -Infinity"));
        c.add(bad("negative severity", p.encode(event("sev-4", "UA", EventType.CONFLICT, -0.01, T0)),
                Reason.INVALID_SEVERITY, "severity -0.01"));
        c.add(bad("severity above 1", p.encode(event("sev-5", "UA", EventType.CONFLICT, Math.nextUp(1.0), T0)),
                Reason.INVALID_SEVERITY, "is outside [0, 1]"));
        c.add(bad("timestamp 0", p.encode(event("ts-1", "UA", EventType.CONFLICT, 0.5, 0L)),
                Reason.TIMESTAMP_TOO_OLD, "timestamp 0 (1970-01-01T00:00:00Z)"));
        c.add(bad("far past timestamp", p.encode(event("ts-2", "UA", EventType.CONFLICT, 0.5, -62_000_000_000_000L)),
                Reason.TIMESTAMP_TOO_OLD, "is before the earliest accepted"));
        c.add(bad("Long.MIN_VALUE timestamp", p.encode(event("ts-3", "UA", EventType.CONFLICT, 0.5, Long.MIN_VALUE)),
                Reason.TIMESTAMP_TOO_OLD, String.valueOf(Long.MIN_VALUE)));
        c.add(bad("far future timestamp", p.encode(event("ts-4", "UA", EventType.CONFLICT, 0.5, 32_503_680_000_000L)),
                Reason.TIMESTAMP_IN_FUTURE, "3000-01-01T00:00:00Z"));
        c.add(bad("Long.MAX_VALUE timestamp", p.encode(event("ts-5", "UA", EventType.CONFLICT, 0.5, Long.MAX_VALUE)),
                Reason.TIMESTAMP_IN_FUTURE, "ahead of the wall clock"));

        // Keys and headers are carried, never interpreted
        RecordHeaders junk = new RecordHeaders();
        junk.add("trace-id", new byte[] {(byte) 0xff, 0, (byte) 0xfe, 0x7f, (byte) 0x80});
        junk.add("empty", new byte[0]);
        junk.add("null-valued", null);
        junk.add("trace-id", new byte[] {1, 2, 3}); // a repeated key keeps both values, in order
        c.add(new Case("headers with binary junk", new byte[] {(byte) 0xc3, 0x28, 0, (byte) 0xff}, magic, junk,
                Reason.NOT_WIRE_FORMAT, "magic byte is 0x01"));

        // Size
        c.add(bad("1 MB value (a 1,000,000-character event_id)", p.encode(event("m".repeat(1_000_000), "UA",
                EventType.CONFLICT, 0.5, T0)), Reason.INVALID_EVENT_ID, "event_id has 1000000 characters"));
        byte[] tooLarge = new byte[1024 * 1024 + 1];
        System.arraycopy(good, 0, tooLarge, 0, good.length);
        c.add(bad("value above validation.max-value-bytes (1 MiB + 1)", tooLarge, Reason.VALUE_TOO_LARGE,
                "value has 1048577 bytes, more than the 1048576 allowed"));
        return c;
    }

    private static Case bad(String name, byte[] value, Reason reason, String messagePart) {
        return new Case(name, utf8("key-" + name), value, new RecordHeaders(), reason, messagePart);
    }

    private static byte[] p2(int schemaId, BadPayloads.BodyWriter body) {
        return new BadPayloads(schemaId).body(body);
    }

    private static Schema editSchema(java.util.function.Consumer<ObjectNode> edit) throws Exception {
        ObjectNode root = (ObjectNode) JSON.readTree(V2.toString());
        edit.accept(root);
        return new Schema.Parser().parse(root.toString());
    }

    private static byte[] withSchemaId(byte[] payload, int schemaId) {
        byte[] copy = payload.clone();
        System.arraycopy(WireFormat.header(schemaId), 0, copy, 0, WireFormat.HEADER_LENGTH);
        return copy;
    }

    // ------------------------------------------------------------------------------------------------

    /** Severities with varied low bits, so that a lost or doubled event shows in the sum. */
    private static double severity(int n) {
        return ((n * 37) % 100) / 100.0 + 0.001 * (n % 7);
    }

    private static long count(Collection<GeopoliticalEvent> valid, String country) {
        return valid.stream().filter(e -> e.getCountryCode().equals(country)).count();
    }

    /** Valid records carry junk headers too: headers are never interpreted. */
    private static RecordHeaders junkHeaders(int n) {
        RecordHeaders h = new RecordHeaders();
        if (n % 3 == 0) {
            h.add("junk", new byte[] {(byte) n, (byte) 0xff, 0});
        }
        return h;
    }

    /**
     * The oracle's message without its source and without the text of a JDK exception: after many of them,
     * HotSpot throws preallocated ArrayIndexOutOfBoundsExceptions without a message (OmitStackTraceInFastThrow),
     * so the task's message may stop at the exception's name.
     */
    private static String messageWithoutSource(String message) {
        int cut = message.lastIndexOf(" [");
        String m = cut < 0 ? message : message.substring(0, cut);
        int exception = m.indexOf("Exception");
        return exception < 0 ? m : m.substring(0, exception + "Exception".length());
    }

    private static Future<RecordMetadata> send(KafkaProducer<byte[], byte[]> producer, String topic, int partition,
                                               byte[] key, byte[] value, RecordHeaders headers) {
        return producer.send(new ProducerRecord<>(topic, partition, key, value, headers));
    }

    private static KafkaProducer<byte[], byte[]> producer(PipelineScenario scenario) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, scenario.services.kafka.bootstrapServers());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(TOPIC_MAX_MESSAGE_BYTES));
        return new KafkaProducer<>(props);
    }

    /** Kafka's 1 MiB default would refuse the oversized record before the job could see it. */
    private static void raiseMaxMessageBytes(PipelineScenario scenario, String... topics) throws Exception {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, scenario.services.kafka.bootstrapServers());
        try (Admin admin = Admin.create(props)) {
            Map<ConfigResource, Collection<AlterConfigOp>> changes = new LinkedHashMap<>();
            for (String topic : topics) {
                changes.put(new ConfigResource(ConfigResource.Type.TOPIC, topic), List.of(new AlterConfigOp(
                        new ConfigEntry("max.message.bytes", String.valueOf(TOPIC_MAX_MESSAGE_BYTES)),
                        AlterConfigOp.OpType.SET)));
            }
            admin.incrementalAlterConfigs(changes).all().get(30, TimeUnit.SECONDS);
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
