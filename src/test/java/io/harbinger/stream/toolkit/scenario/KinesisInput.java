package io.harbinger.stream.toolkit.scenario;

import io.harbinger.events.GeopoliticalEvent;
import io.harbinger.stream.config.JobConfig;
import io.harbinger.stream.registry.AvroWireEncoder;
import io.harbinger.stream.toolkit.clients.KinesisEventWriter;
import io.harbinger.stream.toolkit.services.KinesisLocal;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The Kinesis side of a {@link PipelineScenario}: a multi-shard stream named like the scenario's raw topic on
 * kinesis-local, a writer of events (Avro, wire format, subject "{stream}-value", partition key = event_id)
 * and raw bytes to a chosen shard, and the job config from it-job-kinesis.yaml.
 */
public final class KinesisInput {
    private static KinesisLocal shared;

    public final KinesisLocal kinesis;
    public final String stream;
    private final PipelineScenario scenario;
    private final AvroWireEncoder<GeopoliticalEvent> encoder;

    public KinesisInput(KinesisLocal kinesis, PipelineScenario scenario, int shards) throws Exception {
        this.kinesis = kinesis;
        this.scenario = scenario;
        this.stream = scenario.rawTopic;
        kinesis.createStream(stream, shards);
        this.encoder = KinesisEventWriter.encoder(scenario.registry(), stream);
    }

    /** One kinesis-local for all tests of a JVM, stopped by its shutdown hook. */
    public static synchronized KinesisLocal sharedKinesis() throws Exception {
        if (shared == null) {
            KinesisLocal.useDummyCredentials();
            shared = KinesisLocal.start(Path.of("target", "kinesis-local"));
        }
        return shared;
    }

    public JobConfig config(List<String> overrides) {
        return scenario.config(Path.of("src/test/resources/it-job-kinesis.yaml"),
                Map.of("RAW_STREAM", stream, "KINESIS_ENDPOINT", kinesis.endpoint()), overrides);
    }

    /** Writes events in order to one shard; returns their sequence numbers. */
    public List<String> send(int shard, GeopoliticalEvent... events) {
        List<String> keys = new ArrayList<>();
        List<byte[]> values = new ArrayList<>();
        for (GeopoliticalEvent e : events) {
            keys.add(e.getEventId());
            values.add(encoder.encode(e));
        }
        return kinesis.put(stream, shard, keys, values);
    }

    public String sendRaw(int shard, String partitionKey, byte[] value) {
        return kinesis.put(stream, shard, List.of(partitionKey), List.of(value)).get(0);
    }

    public static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
