package io.harbinger.stream.config;

import io.harbinger.stream.config.JobConfig.KafkaSourceSettings;
import io.harbinger.stream.config.JobConfig.KinesisRecordPublisher;
import io.harbinger.stream.config.JobConfig.KinesisSourceSettings;
import io.harbinger.stream.config.JobConfig.KinesisStartingPosition;
import io.harbinger.stream.config.JobConfig.RegistrySettings;
import io.harbinger.stream.config.JobConfig.SourceType;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.SaslConfigs;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The rules that involve more than one key, in one place, each with why it exists. docs/configuration.md quotes
 * their messages ("Cross-key rules" and "Kafka authentication").
 *
 * <ul>
 *   <li>{@link #check} holds the rules of stage 4: they run on the typed config once every key is valid, so that
 *   they compare the values given, never the defaults that stand in for a broken key. (Three lower bounds that
 *   the docs list with them are here too: they depend on the value, not on the syntax.)
 *   <li>The other methods are rules between keys of one section, checked in stage 3 with the single keys. Each
 *   section's binding calls them where it checks its own keys, so that the report lists a section's problems
 *   together, in a fixed order.
 * </ul>
 */
final class CrossKeyRules {
    /** Flink refuses a shorter interval ({@code CheckpointCoordinatorConfiguration.MINIMAL_CHECKPOINT_TIME}). */
    private static final long MIN_CHECKPOINT_INTERVAL_MS = 10;

    private CrossKeyRules() {}

    // Stage 3, called by the sections' bindings.

    /** A section the source type does not read would be ignored silently, with everything it says. */
    static void onlyTheInputOfTheSourceType(ConfigNode source, SourceType type) {
        if (type == SourceType.KINESIS) {
            source.notUsed("kafka", "source.type is kinesis");
        } else {
            source.notUsed("kinesis", "source.type is kafka");
        }
    }

    /** Both, or neither, would leave open what the source reads. */
    static void topicsOrTopicPattern(ConfigNode kafka, KafkaSourceSettings settings) {
        if (settings.topics().isEmpty() == settings.topicPattern().isEmpty()) {
            kafka.problem("topics", "give exactly one of topics (a list) or topic-pattern (a regular expression)");
        }
    }

    /** With authentication none the iam keys would be ignored, and the clients would connect without IAM. */
    static void iamKeysOnlyWithIam(ConfigNode section) {
        section.notUsed("iam", "authentication is none");
    }

    /** STS is asked only to assume a role: without role-arn the region would be ignored. */
    static void stsRegionOnlyWithRoleArn(ConfigNode iam, Optional<String> roleArn, Optional<String> stsRegion) {
        if (stsRegion.isPresent() && roleArn.isEmpty()) {
            iam.problem("sts-region", "is only used with role-arn (the STS endpoint that assumes the role)");
        }
    }

    /** A role is assumed with the default chain's credentials and a profile replaces that chain: one of them signs. */
    static void roleArnOrProfileName(ConfigNode iam, Optional<String> roleArn, Optional<String> profileName) {
        if (roleArn.isPresent() && profileName.isPresent()) {
            iam.problem("profile-name", "give at most one of role-arn and profile-name");
        }
    }

    /**
     * With authentication iam, a client property that contradicts it (another protocol or SASL mechanism, or the
     * settings of one: a SCRAM login in sasl.jaas.config, a login callback handler) would either be overwritten
     * without a word or break the login. Named by its key only: the value may hold a secret.
     */
    static void propertiesLeaveIamAlone(ConfigNode section, Map<String, String> properties) {
        for (Map.Entry<String, String> property : properties.entrySet()) {
            String conflict = conflictWithIam(property.getKey(), property.getValue().trim());
            if (conflict != null) {
                section.problem("properties." + property.getKey(), conflict);
            }
        }
    }

    /** Why a client property cannot stand beside authentication iam, or null; never quotes a possible secret. */
    private static String conflictWithIam(String key, String value) {
        switch (key) {
            case CommonClientConfigs.SECURITY_PROTOCOL_CONFIG:
                return value.equalsIgnoreCase(KafkaAuthentication.IAM_SECURITY_PROTOCOL) ? null
                        : "is \"" + value + "\", but authentication iam needs SASL_SSL (MSK's IAM listeners speak TLS"
                        + " only); remove it";
            case SaslConfigs.SASL_MECHANISM:
                return value.equals(KafkaAuthentication.IAM_MECHANISM) ? null
                        : "is \"" + value + "\", but authentication iam uses AWS_MSK_IAM; remove it";
            case SaslConfigs.SASL_JAAS_CONFIG:
            case SaslConfigs.SASL_CLIENT_CALLBACK_HANDLER_CLASS:
                return "is set by authentication iam (from the iam keys); remove it";
            default:
                return key.startsWith("sasl.")
                        ? "configures another SASL mechanism, but authentication iam uses AWS_MSK_IAM; remove it"
                        : null;
        }
    }

    /** The timestamp is where at-timestamp starts; any other starting position would ignore it. */
    static void startingTimestampWithAtTimestamp(ConfigNode kinesis, KinesisSourceSettings settings) {
        boolean atTimestamp = settings.startingPosition() == KinesisStartingPosition.AT_TIMESTAMP;
        if (atTimestamp && settings.startingTimestamp().isEmpty()) {
            kinesis.problem("starting-timestamp", "is required when starting-position is at-timestamp");
        }
        if (!atTimestamp && settings.startingTimestamp().isPresent()) {
            kinesis.problem("starting-timestamp", "is only used with starting-position at-timestamp");
        }
    }

    /**
     * Enhanced fan-out registers a stream consumer under this name, so it needs one that Kinesis accepts; the
     * polling publisher registers nothing and does not read it.
     */
    static void efoConsumerNameWithEfo(ConfigNode efo, KinesisSourceSettings settings) {
        if (settings.recordPublisher() != KinesisRecordPublisher.EFO) {
            return;
        }
        if (settings.efoConsumerName().isEmpty() || settings.efoConsumerName().get().isBlank()) {
            efo.problem("consumer-name", "is required when record-publisher is efo");
        } else if (!settings.efoConsumerName().get().matches("[a-zA-Z0-9_.-]{1,128}")) {
            efo.problem("consumer-name", "must be 1 to 128 of [a-zA-Z0-9_.-] (a Kinesis consumer name), got \""
                    + settings.efoConsumerName().get() + "\"");
        }
    }

    /** A store's password opens the store at its path: without the path it would be ignored. */
    static void storePasswordWithItsPath(ConfigNode registry, String store, Optional<String> path,
                                         Optional<Secret> password) {
        if (password.isPresent() && path.isEmpty()) {
            registry.problem(store + "-password", "given without " + store + "-path");
        }
    }

    /** The key store's password also unlocks the client's private key, which TLS cannot use without it. */
    static void keystoreWithItsPassword(ConfigNode registry, Optional<String> path, Optional<Secret> password) {
        if (path.isPresent() && password.isEmpty()) {
            registry.problem("keystore-password", "is required with keystore-path (it also unlocks the key)");
        }
    }

    /** Basic authentication needs both: with one alone the client would send no credentials at all, silently. */
    static void usernameWithPassword(ConfigNode registry, RegistrySettings settings) {
        if (settings.username().isPresent() != settings.password().isPresent()) {
            registry.problem("username", "username and password go together: give both or neither");
        }
    }

    // Stage 4, called by the loader once stage 3 found nothing.

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
        // Silence is scored window by window: a span shorter than one window would forget a key before its first
        // silent window could be scored.
        if (c.anomaly().scoreSilence() && c.anomaly().silenceForgetAfter().compareTo(c.window().size()) < 0) {
            problems.add("anomaly.silence.forget-after: " + Durations.format(c.anomaly().silenceForgetAfter())
                    + " is shorter than window.size (" + Durations.format(c.window().size())
                    + "); a silent key would be forgotten before its first silent window is scored");
        }
        // Without transactions the timeout keys are not used: their rules would only refuse harmless values.
        if (c.job().delivery() == JobConfig.Delivery.EXACTLY_ONCE) {
            transactionTimeout(c, problems);
        }
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
