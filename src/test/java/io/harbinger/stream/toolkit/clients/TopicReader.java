package io.harbinger.stream.toolkit.clients;

import io.harbinger.stream.validate.InvalidRecordException;
import io.harbinger.stream.validate.WireDecoder;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Reads a whole topic as a downstream consumer sees it: with read_committed only what committed
 * transactions wrote, up to the current end. Nothing is read from the job's memory.
 */
public final class TopicReader {
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    private TopicReader() {}

    public static List<ConsumerRecord<byte[], byte[]>> readCommitted(String bootstrapServers, String topic) {
        return read(bootstrapServers, topic, "read_committed");
    }

    /** The committed values of a topic decoded from the wire format; a value that does not decode fails the test. */
    public static <T> List<T> readCommitted(String bootstrapServers, String topic, WireDecoder<T> decoder) {
        List<T> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : readCommitted(bootstrapServers, topic)) {
            try {
                out.add(decoder.decode(r.value()));
            } catch (InvalidRecordException | IOException e) {
                throw new AssertionError("output record at " + topic + "/" + r.partition() + "@" + r.offset()
                        + " does not decode: " + e.getMessage(), e);
            }
        }
        return out;
    }

    public static List<ConsumerRecord<byte[], byte[]>> readUncommitted(String bootstrapServers, String topic) {
        return read(bootstrapServers, topic, "read_uncommitted");
    }

    private static List<ConsumerRecord<byte[], byte[]>> read(String bootstrapServers, String topic, String isolation) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo p : consumer.partitionsFor(topic, DEADLINE)) {
                partitions.add(new TopicPartition(topic, p.partition()));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            // With read_committed, endOffsets is the last stable offset: what committed transactions reached.
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, DEADLINE);
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            while (!reachedEnd(consumer, end)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end " + end + " within "
                            + DEADLINE);
                }
                consumer.poll(POLL).forEach(out::add);
            }
        }
        out.sort((a, b) -> a.partition() != b.partition() ? Integer.compare(a.partition(), b.partition())
                : Long.compare(a.offset(), b.offset()));
        return out;
    }

    private static boolean reachedEnd(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }
}
