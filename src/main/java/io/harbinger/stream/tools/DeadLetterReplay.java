package io.harbinger.stream.tools;

import io.harbinger.stream.records.Envelope;
import io.harbinger.stream.records.RawRecord;
import io.harbinger.stream.records.Reason;
import io.harbinger.stream.registry.RegistryUnavailableException;
import io.harbinger.stream.sink.DeadLetterHeaders;
import io.harbinger.stream.validate.RecordValidator;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Reads the dead-letter topic, validates each selected record again with today's code and schemas, and
 * publishes the ones that now pass back to the raw topic with their original key, value and headers plus
 * provenance headers. Each republished record and its entry in the ledger topic are written in one Kafka
 * transaction, and dead letters already in the ledger are skipped, so replaying twice publishes nothing new.
 */
public final class DeadLetterReplay {
    public static final String REPLAYED_FROM_TOPIC = "harbinger.replay.original-topic";
    public static final String REPLAYED_FROM_PARTITION = "harbinger.replay.original-partition";
    public static final String REPLAYED_FROM_OFFSET = "harbinger.replay.original-offset";
    public static final String REPLAYED_FROM_DLQ = "harbinger.replay.dead-letter";
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration DEADLINE = Duration.ofMinutes(2);
    /** Dead letters republished per transaction. */
    private static final int BATCH = 500;

    private final ReplayOptions options;
    private final RecordValidator validator;

    public DeadLetterReplay(ReplayOptions options, RecordValidator validator) {
        this.options = options;
        this.validator = validator;
    }

    public ReplayResult run() throws RegistryUnavailableException {
        Set<String> replayed = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> entry : readAll(options.ledgerTopic())) {
            replayed.add(new String(entry.key(), StandardCharsets.UTF_8));
        }
        long deadLetters = 0;
        long alreadyReplayed = 0;
        long notSelected = 0;
        long republished = 0;
        Map<Reason, Long> stillFailing = new EnumMap<>(Reason.class);
        List<ProducerRecord<byte[], byte[]>> batch = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = options.dryRun() ? null : transactionalProducer()) {
            for (ConsumerRecord<byte[], byte[]> dead : readAll(options.deadLetterTopic())) {
                deadLetters++;
                String ref = dead.topic() + "/" + dead.partition() + "@" + dead.offset();
                if (replayed.contains(ref)) {
                    alreadyReplayed++;
                    continue;
                }
                Reason reason = reasonOf(dead);
                if (reason == null || !options.selects(reason, dead.timestamp())) {
                    notSelected++;
                    continue;
                }
                RawRecord original = original(dead);
                Envelope checked = validator.validate(original);
                if (!checked.isValid()) {
                    stillFailing.merge(checked.reason, 1L, Long::sum);
                    continue;
                }
                republished++;
                batch.add(republish(dead, original, ref));
                batch.add(new ProducerRecord<>(options.ledgerTopic(), ref.getBytes(StandardCharsets.UTF_8),
                        options.targetTopic().getBytes(StandardCharsets.UTF_8)));
                if (batch.size() >= 2 * BATCH) {
                    commit(producer, batch);
                }
            }
            commit(producer, batch);
        }
        return new ReplayResult(deadLetters, alreadyReplayed, notSelected, republished, stillFailing);
    }

    /** The record as it was before the job added its dead-letter headers. */
    static RawRecord original(ConsumerRecord<byte[], byte[]> dead) {
        List<String> keys = new ArrayList<>();
        List<byte[]> values = new ArrayList<>();
        for (Header h : dead.headers()) {
            if (!h.key().startsWith("harbinger.error.") && !h.key().startsWith("harbinger.source.")) {
                keys.add(h.key());
                values.add(h.value());
            }
        }
        return new RawRecord(header(dead, DeadLetterHeaders.SOURCE_TOPIC), header(dead, DeadLetterHeaders.SOURCE_PARTITION),
                header(dead, DeadLetterHeaders.SOURCE_OFFSET), dead.timestamp(), dead.key(), dead.value(),
                keys.toArray(String[]::new), values.toArray(byte[][]::new));
    }

    private ProducerRecord<byte[], byte[]> republish(ConsumerRecord<byte[], byte[]> dead, RawRecord original,
                                                     String ref) {
        RecordHeaders headers = new RecordHeaders();
        for (int i = 0; i < original.headerKeys.length; i++) {
            headers.add(original.headerKeys[i], original.headerValues[i]);
        }
        headers.add(REPLAYED_FROM_TOPIC, utf8(original.source));
        headers.add(REPLAYED_FROM_PARTITION, utf8(original.partition));
        headers.add(REPLAYED_FROM_OFFSET, utf8(original.position));
        headers.add(REPLAYED_FROM_DLQ, utf8(ref));
        return new ProducerRecord<>(options.targetTopic(), null, dead.timestamp(), original.key, original.value, headers);
    }

    private static void commit(KafkaProducer<byte[], byte[]> producer, List<ProducerRecord<byte[], byte[]>> batch) {
        if (producer == null || batch.isEmpty()) {
            batch.clear();
            return;
        }
        producer.beginTransaction();
        try {
            batch.forEach(producer::send);
            producer.commitTransaction();
        } catch (RuntimeException e) {
            producer.abortTransaction();
            throw e;
        }
        batch.clear();
    }

    private KafkaProducer<byte[], byte[]> transactionalProducer() {
        Properties props = new Properties();
        props.putAll(options.clientProperties());
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, options.bootstrapServers());
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "harbinger-dlq-replay-" + UUID.randomUUID());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props);
        producer.initTransactions();
        return producer;
    }

    /** Everything committed in a topic up to its current end. */
    private List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        Properties props = new Properties();
        props.putAll(options.clientProperties());
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, options.bootstrapServers());
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, DEADLINE).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).collect(Collectors.toList());
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, DEADLINE);
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end " + end + " within "
                            + DEADLINE);
                }
                consumer.poll(POLL).forEach(out::add);
            }
        }
        return out;
    }

    private static Reason reasonOf(ConsumerRecord<byte[], byte[]> dead) {
        String reason = header(dead, DeadLetterHeaders.REASON);
        try {
            return reason == null ? null : Reason.valueOf(reason);
        } catch (IllegalArgumentException unknown) {
            return null;
        }
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }
}
