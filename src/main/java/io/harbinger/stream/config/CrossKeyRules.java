package io.harbinger.stream.config;

import io.harbinger.stream.config.JobConfig.KafkaSourceSettings;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The rules that involve more than one key, in one place, each with why it exists. Their messages are quoted in
 * docs/configuration.md, "Cross-key rules".
 *
 * <p>{@link #check} holds the rules of stage 4: they run on the typed config once every single key is valid, so
 * that they compare values, never defaults that stand in for a broken key. (It also holds the three lower
 * bounds that the docs list with them: they need the value, not the syntax.)
 */
final class CrossKeyRules {
    /** Flink refuses a shorter checkpoint interval ({@code CheckpointCoordinatorConfiguration.MINIMAL_CHECKPOINT_TIME}). */
    private static final long MIN_CHECKPOINT_INTERVAL_MS = 10;

    private CrossKeyRules() {}

    /** Stage 4: adds a problem, naming the keys involved, for each rule the config breaks, in this order. */
    static void check(JobConfig c, List<String> problems) {
        // TumblingEventTimeWindows would refuse it when the graph is built, with a message that names no key.
        if (c.window().size().isZero()) {
            problems.add("window.size: must be longer than 0");
        }
        if (c.checkpoints().interval().toMillis() < MIN_CHECKPOINT_INTERVAL_MS) {
            problems.add("checkpoints.interval: must be at least 10ms (Flink's minimum)");
        }
        // Idleness cannot be switched off: without it one silent partition stops the watermark, and every window
        // (Flink's idleness generator refuses zero as well, but only once the tasks run).
        if (c.eventTime().idleness().isZero()) {
            problems.add("event-time.idleness: must be longer than 0, or an idle partition holds every window back");
        }
        transactionTimeout(c, problems);
        // The retries of a batch would otherwise wait longer at their first pause than at their longest.
        if (c.jdbcSink().retryBackoff().compareTo(c.jdbcSink().maxRetryBackoff()) > 0) {
            problems.add("sinks.jdbc.retry-backoff: " + Durations.format(c.jdbcSink().retryBackoff())
                    + " exceeds sinks.jdbc.max-retry-backoff (" + Durations.format(c.jdbcSink().maxRetryBackoff()) + ")");
        }
        // Flink aborts a checkpoint at its timeout; one shorter than the interval drops every slow checkpoint.
        if (c.checkpoints().interval().compareTo(c.checkpoints().timeout()) > 0) {
            problems.add("checkpoints.timeout: shorter than checkpoints.interval; every slow checkpoint would be dropped");
        }
        outputTopics(c, problems);
    }

    /**
     * The Kafka sinks' transactions stay open from one checkpoint until it completes. The broker aborts a
     * transaction older than its timeout, which would lose the output of a checkpoint still in flight; and it
     * refuses a producer asking for more than its transaction.max.timeout.ms (declared to the job as
     * broker-max-transaction-timeout, because the job cannot ask the broker).
     */
    private static void transactionTimeout(JobConfig c, List<String> problems) {
        Duration timeout = c.kafkaSink().transactionTimeout();
        Duration longestCheckpoint = c.checkpoints().interval().plus(c.checkpoints().timeout());
        if (timeout.compareTo(longestCheckpoint) < 0) {
            problems.add("sinks.kafka.transaction-timeout: " + Durations.format(timeout)
                    + " is shorter than checkpoints.interval + checkpoints.timeout ("
                    + Durations.format(longestCheckpoint)
                    + "); the broker would abort transactions of checkpoints still in flight");
        }
        if (timeout.compareTo(c.kafkaSink().brokerMaxTransactionTimeout()) > 0) {
            problems.add("sinks.kafka.transaction-timeout: " + Durations.format(timeout)
                    + " exceeds sinks.kafka.broker-max-transaction-timeout ("
                    + Durations.format(c.kafkaSink().brokerMaxTransactionTimeout())
                    + "); the broker rejects such producers (raise transaction.max.timeout.ms on the brokers and this key together)");
        }
    }

    /**
     * Two outputs in one topic could not be told apart by their readers (and the Avro subjects {topic}-value
     * would clash); an output the source also reads would feed the job its own results, for ever. Compared in
     * the order aggregates, anomalies, dead-letter, late-events: the later key is named.
     */
    private static void outputTopics(JobConfig c, List<String> problems) {
        Set<String> outputs = new HashSet<>();
        for (String[] topic : new String[][] {
                {"sinks.kafka.aggregates-topic", c.kafkaSink().aggregatesTopic()},
                {"sinks.kafka.anomalies-topic", c.kafkaSink().anomaliesTopic()},
                {"sinks.kafka.dead-letter-topic", c.kafkaSink().deadLetterTopic()},
                {"sinks.kafka.late-events-topic", c.kafkaSink().lateEventsTopic()}}) {
            if (!outputs.add(topic[1])) {
                problems.add(topic[0] + ": \"" + topic[1] + "\" is already used by another output topic");
            }
            if (readsTopic(c.input().kafka(), topic[1])) {
                problems.add(topic[0] + ": \"" + topic[1] + "\" is also an input topic; the job would read its own output");
            }
        }
    }

    /** Whether a Kafka source (null with a Kinesis source) reads the topic, by name or by its pattern. */
    private static boolean readsTopic(KafkaSourceSettings source, String topic) {
        return source != null && (source.topics().contains(topic)
                || source.topicPattern().map(p -> Pattern.matches(p, topic)).orElse(false));
    }
}
