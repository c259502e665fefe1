package io.harbinger.stream.toolkit.services;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import io.harbinger.stream.toolkit.TcpProxy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KafkaBrokerTest {

    @TempDir
    static Path workDir;

    static KafkaBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = KafkaBroker.startWithProxiedListener(workDir.resolve("kafka"));
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
            assertThat(broker.isRunning()).isFalse();
        }
    }

    @Test
    void startsAndBindsLoopbackOnly() throws Exception {
        assertThat(broker.isRunning()).isTrue();
        assertThat(broker.bootstrapServers()).startsWith("127.0.0.1:");
        assertThat(broker.logFile()).exists();
        Properties props = new Properties();
        props.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        try (Admin admin = Admin.create(props)) {
            assertThat(admin.describeCluster().nodes().get(10, TimeUnit.SECONDS))
                    .singleElement()
                    .satisfies(n -> assertThat(n.host()).isEqualTo("127.0.0.1"));
        }
    }

    @Test
    void clientsOnTheProxiedListenerAreCutOffWhileTheOthersGoOn() throws Exception {
        assertThat(nodePort(broker.proxiedBootstrapServers())).as("the proxied listener advertises the proxy")
                .isEqualTo(broker.proxy().port());
        broker.proxy().setMode(TcpProxy.Mode.REFUSE);
        try {
            assertThatThrownBy(() -> nodePort(broker.proxiedBootstrapServers())).as("cut off")
                    .hasRootCauseInstanceOf(org.apache.kafka.common.errors.TimeoutException.class);
            assertThat(nodePort(broker.bootstrapServers())).isEqualTo(broker.port());
        } finally {
            broker.proxy().setMode(TcpProxy.Mode.OPEN);
        }
        assertThat(nodePort(broker.proxiedBootstrapServers())).isEqualTo(broker.proxy().port());
    }

    private static int nodePort(String bootstrap) throws Exception {
        Properties props = new Properties();
        props.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.setProperty(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "3000");
        props.setProperty(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000");
        try (Admin admin = Admin.create(props)) {
            return admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).iterator().next().port();
        }
    }

    @Test
    void transactionalProducerCommitAndAbortAreSeenPerIsolationLevel() {
        String topic = "tx-events";
        broker.createTopics(3, topic);

        try (KafkaConsumer<String, String> probe = consumer("read_uncommitted")) {
            List<PartitionInfo> partitions = probe.partitionsFor(topic);
            assertThat(partitions).hasSize(3);
        }

        Properties p = new Properties();
        p.setProperty(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.setProperty(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "harbinger-test-tx");
        p.setProperty(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.setProperty(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "60000");
        try (KafkaProducer<String, String> producer =
                     new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            producer.initTransactions();

            producer.beginTransaction();
            for (int i = 0; i < 6; i++) {
                producer.send(new ProducerRecord<>(topic, i % 3, "k" + i, "committed-" + i));
            }
            producer.commitTransaction();

            producer.beginTransaction();
            for (int i = 0; i < 4; i++) {
                producer.send(new ProducerRecord<>(topic, i % 3, "k" + i, "aborted-" + i));
            }
            producer.flush();
            producer.abortTransaction();
        }

        List<String> committed = readAll(topic, "read_committed");
        List<String> uncommitted = readAll(topic, "read_uncommitted");

        assertThat(committed).containsExactlyInAnyOrder(
                "committed-0", "committed-1", "committed-2", "committed-3", "committed-4", "committed-5");
        assertThat(uncommitted).hasSize(10)
                .containsAll(committed)
                .contains("aborted-0", "aborted-1", "aborted-2", "aborted-3");
    }

    @Test
    void restartKeepsPortsAndData() throws Exception {
        String topic = "survives-restart";
        broker.createTopics(1, topic);
        Properties p = new Properties();
        p.setProperty(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        try (KafkaProducer<String, String> producer =
                     new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(topic, "k", "before-crash")).get(10, TimeUnit.SECONDS);
        }
        String bootstrap = broker.bootstrapServers();

        broker.kill();
        assertThat(broker.isRunning()).isFalse();
        broker.restart();

        assertThat(broker.isRunning()).isTrue();
        assertThat(broker.bootstrapServers()).isEqualTo(bootstrap);
        assertThat(readAll(topic, "read_committed")).containsExactly("before-crash");
    }

    @Test
    void missingClasspathFileSaysWhatToRun() {
        String old = System.getProperty(KafkaBroker.CLASSPATH_FILE_PROPERTY);
        System.setProperty(KafkaBroker.CLASSPATH_FILE_PROPERTY, workDir.resolve("nope.classpath").toString());
        try {
            assertThatThrownBy(() -> KafkaBroker.start(workDir.resolve("never")))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("nope.classpath")
                    .hasMessageContaining("mvn test-compile");
        } finally {
            if (old == null) {
                System.clearProperty(KafkaBroker.CLASSPATH_FILE_PROPERTY);
            } else {
                System.setProperty(KafkaBroker.CLASSPATH_FILE_PROPERTY, old);
            }
        }
    }

    private List<String> readAll(String topic, String isolation) {
        try (KafkaConsumer<String, String> consumer = consumer(isolation)) {
            List<TopicPartition> tps = consumer.partitionsFor(topic).stream()
                    .map(pi -> new TopicPartition(topic, pi.partition()))
                    .collect(Collectors.toList());
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            // for read_committed, endOffsets is the last stable offset; after commit + abort markers it is the end
            Map<TopicPartition, Long> end = consumer.endOffsets(tps);
            List<String> values = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (tps.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                assertThat(System.nanoTime()).as("reading %s with %s", topic, isolation).isLessThan(deadline);
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                }
            }
            return values;
        }
    }

    private KafkaConsumer<String, String> consumer(String isolation) {
        Properties c = new Properties();
        c.setProperty(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        c.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        c.setProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        c.setProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer());
    }
}
