package io.harbinger.stream.bench.jmh;

import io.harbinger.curated.AnomalyAlert;
import io.harbinger.curated.SeverityAggregate;
import io.harbinger.events.GeopoliticalEvent;
import io.harbinger.stream.aggregate.PartialAggregate;
import io.harbinger.stream.aggregate.SeverityAccumulator;
import io.harbinger.stream.aggregate.SeverityAggregator;
import io.harbinger.stream.anomaly.AnomalyScorer;
import io.harbinger.stream.anomaly.Baseline;
import io.harbinger.stream.config.JobConfig.AnomalySettings;
import io.harbinger.stream.config.JobConfig.RegistrySettings;
import io.harbinger.stream.config.JobConfig.ValidationSettings;
import io.harbinger.stream.toolkit.gdelt.GdeltExportReader;
import io.harbinger.stream.toolkit.gdelt.GdeltSamples;
import io.harbinger.stream.records.Envelope;
import io.harbinger.stream.records.EnvelopeSerializer;
import io.harbinger.stream.records.RawRecord;
import io.harbinger.stream.records.Reason;
import io.harbinger.stream.registry.AvroWireEncoder;
import io.harbinger.stream.registry.SchemaRegistryClient;
import io.harbinger.stream.toolkit.services.LocalSchemaRegistry;
import io.harbinger.stream.validate.EventValidator;
import io.harbinger.stream.validate.RecordValidator;
import io.harbinger.stream.validate.WireDecoder;

import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The per-record hot paths of the job, each alone: wire-format decode, decode + validate, the Envelope
 * serializer against the PojoSerializer it replaced, window aggregation and anomaly scoring. Inputs are real
 * GDELT rows from the test resources. Run: see docs/performance.md.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.lang=ALL-UNNAMED"})
public class HotPathBenchmarks {
    private static final int N = 1024;

    private LocalSchemaRegistry registryServer;
    private WireDecoder<GeopoliticalEvent> decoder;
    private RecordValidator validator;
    private byte[][] payloads;
    private RawRecord[] raws;
    private Envelope[] envelopes;
    private byte[][] envelopeBytes;
    private byte[][] pojoBytes;
    private TypeSerializer<Envelope> pojoSerializer;
    private final DataOutputSerializer out = new DataOutputSerializer(4096);
    private final DataInputDeserializer in = new DataInputDeserializer();
    private final SeverityAggregator aggregator = new SeverityAggregator();
    private SeverityAccumulator accumulator;
    private SeverityAccumulator windowAccumulator;
    private final PartialAggregate[] partials = new PartialAggregate[64];
    private AnomalyScorer scorer;
    private SeverityAggregate[] windows;
    private Baseline baseline;
    private int i;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        registryServer = LocalSchemaRegistry.start();
        SchemaRegistryClient registry = new SchemaRegistryClient(new RegistrySettings(registryServer.url(),
                Optional.empty(), Optional.empty(), 100, Duration.ofSeconds(5), 1, Duration.ofMillis(10),
                Duration.ofSeconds(30)));
        int id = registry.register("bench-value", GeopoliticalEvent.getClassSchema());
        AvroWireEncoder<GeopoliticalEvent> encoder = AvroWireEncoder.specific(GeopoliticalEvent.getClassSchema(), id);
        decoder = WireDecoder.forEvents(registry, 1 << 20);
        EventValidator rules = new EventValidator(new ValidationSettings(Instant.parse("2015-02-18T00:00:00Z"),
                Duration.ofMinutes(5), 1 << 20), Clock.systemUTC());
        validator = new RecordValidator(WireDecoder.forEvents(registry, 1 << 20), rules);

        List<GeopoliticalEvent> rows = new ArrayList<>();
        for (Path file : GdeltSamples.all()) {
            for (GeopoliticalEvent e : GdeltExportReader.read(file).events()) {
                if (!e.getCountryCode().isEmpty()) rows.add(e);
            }
        }
        payloads = new byte[N][];
        raws = new RawRecord[N];
        envelopes = new Envelope[N];
        long now = System.currentTimeMillis();
        for (int k = 0; k < N; k++) {
            GeopoliticalEvent e = GeopoliticalEvent.newBuilder(rows.get(k * 4 % rows.size()))
                    .setEventId("bench-" + k).setTimestamp(now - k * 1000L).build();
            payloads[k] = encoder.encode(e);
            raws[k] = new RawRecord("events", String.valueOf(k % 4), String.valueOf(1_000_000 + k), now,
                    e.getEventId().getBytes(StandardCharsets.UTF_8), payloads[k], new String[0], new byte[0][]);
            envelopes[k] = Envelope.valid(raws[k], e);
        }
        Map<String, TypeInformation<?>> fields = new LinkedHashMap<>();
        fields.put("raw", Types.POJO(RawRecord.class));
        fields.put("event", new AvroTypeInfo<>(GeopoliticalEvent.class));
        fields.put("reason", Types.ENUM(Reason.class));
        fields.put("message", Types.STRING);
        pojoSerializer = Types.POJO(Envelope.class, fields).createSerializer(new SerializerConfigImpl());
        envelopeBytes = new byte[N][];
        pojoBytes = new byte[N][];
        for (int k = 0; k < N; k++) {
            out.clear();
            EnvelopeSerializer.INSTANCE.serialize(envelopes[k], out);
            envelopeBytes[k] = out.getCopyOfBuffer();
            out.clear();
            pojoSerializer.serialize(envelopes[k], out);
            pojoBytes[k] = out.getCopyOfBuffer();
        }
        accumulator = aggregator.createAccumulator();
        windowAccumulator = aggregator.createAccumulator();
        for (int p = 0; p < partials.length; p++) {
            SeverityAccumulator part = new SeverityAccumulator();
            for (int e = 0; e <= p; e++) part.add(envelopes[(p * 31 + e) % envelopes.length].event.getSeverity());
            partials[p] = new PartialAggregate("US|PROTEST", part);
        }
        scorer = new AnomalyScorer(new AnomalySettings(0.3, 5, 3.0, 2.0, 0.05, Duration.ofDays(30)));
        windows = new SeverityAggregate[N];
        for (int k = 0; k < N; k++) {
            windows[k] = SeverityAggregate.newBuilder().setCountryCode("US").setEventType("PROTEST")
                    .setWindowStart(k * 60_000L).setWindowEnd((k + 1) * 60_000L).setCount(50 + (k * 37) % 20)
                    .setSeveritySum(20).setSeverityMean(0.4 + (k % 7) * 0.01).setSeverityMin(0).setSeverityMax(1)
                    .setSeverityStddev(0.2).setRevision(0).build();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        registryServer.close();
    }

    private int next() {
        i = (i + 1) & (N - 1);
        return i;
    }

    @Benchmark
    public GeopoliticalEvent decode() throws Exception {
        return decoder.decode(payloads[next()]);
    }

    @Benchmark
    public Envelope decodeAndValidate() throws Exception {
        return validator.validate(raws[next()]);
    }

    @Benchmark
    public Envelope envelopeSerializerRoundTrip() throws Exception {
        int k = next();
        out.clear();
        EnvelopeSerializer.INSTANCE.serialize(envelopes[k], out);
        in.setBuffer(envelopeBytes[k]);
        return EnvelopeSerializer.INSTANCE.deserialize(in);
    }

    @Benchmark
    public Envelope pojoSerializerRoundTrip() throws Exception {
        int k = next();
        out.clear();
        pojoSerializer.serialize(envelopes[k], out);
        in.setBuffer(pojoBytes[k]);
        return pojoSerializer.deserialize(in);
    }

    /** Per event: what the pre-aggregation in front of the window does with each event's severity. */
    @Benchmark
    public SeverityAccumulator aggregate() {
        accumulator.add(envelopes[next()].event.getSeverity());
        return accumulator;
    }

    /** Per partial: what the window does with each partial the pre-aggregation sends. */
    @Benchmark
    public SeverityAccumulator mergePartial() {
        return aggregator.add(partials[next() & (partials.length - 1)], windowAccumulator);
    }

    @Benchmark
    public List<AnomalyAlert> score() {
        int k = next();
        if (k == 0) baseline = null;
        List<AnomalyAlert> alerts = AnomalyScorer.newAlertList();
        baseline = scorer.scoreAndLearn(baseline, windows[k], alerts);
        return alerts;
    }
}
