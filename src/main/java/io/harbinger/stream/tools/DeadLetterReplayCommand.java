package io.harbinger.stream.tools;

import io.harbinger.stream.config.ConfigException;
import io.harbinger.stream.config.JobConfig;
import io.harbinger.stream.config.JobConfigLoader;
import io.harbinger.stream.records.Reason;
import io.harbinger.stream.registry.SchemaRegistryClient;
import io.harbinger.stream.validate.EventValidator;
import io.harbinger.stream.validate.RecordValidator;
import io.harbinger.stream.validate.WireDecoder;

import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;

/**
 * {@code DeadLetterReplayCommand --config FILE [--set k=v] [--reason R]... [--from ISO] [--to ISO]
 * [--target-topic T] [--ledger-topic L] [--dry-run]}: replays the job's dead letters with the job's own config
 * (brokers, registry, validation rules). See docs/operations.md, "Replaying dead letters".
 */
public final class DeadLetterReplayCommand {
    static final String USAGE = "usage: DeadLetterReplayCommand --config FILE [--set key=value]... [--reason REASON]..."
            + " [--from 2024-01-01T00:00:00Z] [--to 2024-01-02T00:00:00Z] [--target-topic TOPIC]"
            + " [--ledger-topic TOPIC] [--dry-run]";

    private DeadLetterReplayCommand() {}

    public static void main(String[] args) throws Exception {
        try {
            ReplayResult result = run(args, System.getenv());
            System.out.println(result);
        } catch (IllegalArgumentException | ConfigException e) {
            System.err.println("dead-letter replay: " + e.getMessage());
            System.exit(2);
        }
    }

    public static ReplayResult run(String[] args, Map<String, String> environment) throws Exception {
        Path configFile = null;
        List<String> overrides = new ArrayList<>();
        Set<Reason> reasons = EnumSet.noneOf(Reason.class);
        Optional<Instant> from = Optional.empty();
        Optional<Instant> to = Optional.empty();
        String target = null;
        String ledger = null;
        boolean dryRun = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--config": configFile = Path.of(value(args, ++i, arg)); break;
                case "--set": overrides.add(value(args, ++i, arg)); break;
                case "--reason": reasons.add(reason(value(args, ++i, arg))); break;
                case "--from": from = Optional.of(instant(value(args, ++i, arg), arg)); break;
                case "--to": to = Optional.of(instant(value(args, ++i, arg), arg)); break;
                case "--target-topic": target = value(args, ++i, arg); break;
                case "--ledger-topic": ledger = value(args, ++i, arg); break;
                case "--dry-run": dryRun = true; break;
                default: throw new IllegalArgumentException("unknown argument \"" + arg + "\"; " + USAGE);
            }
        }
        if (configFile == null) {
            throw new IllegalArgumentException("--config is required; " + USAGE);
        }
        JobConfig config = new JobConfigLoader(environment).load(configFile, overrides);
        if (target == null) {
            if (config.input().kafka().topics().isEmpty()) {
                throw new IllegalArgumentException("the job reads a topic-pattern; name the raw topic to replay into"
                        + " with --target-topic");
            }
            target = config.input().kafka().topics().get(0);
        }
        var sinks = config.kafkaSink();
        ReplayOptions options = new ReplayOptions(sinks.bootstrapServers(), sinks.clientProperties(), sinks.deadLetterTopic(),
                target, ledger == null ? ReplayOptions.defaultLedgerTopic(sinks.deadLetterTopic()) : ledger,
                reasons, from, to, dryRun);
        if (!dryRun) {
            ensureLedgerTopic(options);
        }
        RecordValidator validator = new RecordValidator(
                WireDecoder.forEvents(new SchemaRegistryClient(config.registry()), config.validation().maxValueBytes()),
                new EventValidator(config.validation(), Clock.systemUTC()));
        return new DeadLetterReplay(options, validator).run();
    }

    /** The ledger is compacted: one entry per replayed dead letter is all it ever needs. */
    static void ensureLedgerTopic(ReplayOptions options) throws InterruptedException, ExecutionException {
        Properties props = new Properties();
        props.putAll(options.clientProperties());
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, options.bootstrapServers());
        try (AdminClient admin = AdminClient.create(props)) {
            if (!admin.listTopics().names().get().contains(options.ledgerTopic())) {
                admin.createTopics(List.of(new NewTopic(options.ledgerTopic(), Optional.of(1), Optional.empty())
                        .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT))))
                        .all().get();
            }
        }
    }

    private static Reason reason(String text) {
        try {
            return Reason.valueOf(text.trim().toUpperCase());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--reason " + text + ": not a reason code; one of "
                    + java.util.Arrays.toString(Reason.values()));
        }
    }

    private static Instant instant(String text, String option) {
        return ToolArguments.instant(text, option);
    }

    private static String value(String[] args, int i, String option) {
        return ToolArguments.value(args, i, option, "; " + USAGE);
    }
}
