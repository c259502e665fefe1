package io.harbinger.stream.tools;

import io.harbinger.stream.config.ConfigException;
import io.harbinger.stream.config.JobConfig;
import io.harbinger.stream.config.JobConfig.KafkaSinkSettings;
import io.harbinger.stream.config.JobConfigLoader;
import io.harbinger.stream.sink.KafkaSinks;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;

/**
 * {@code RetiredKafkaTransactions --config FILE [--set key=value]... [--dry-run]}: ends the Kafka transactions
 * left open under the transactional ids of the per-output sinks of releases up to 0.1.0
 * ({@code {sinks.kafka.transactional-id-prefix}-dead-letters|late-events|aggregates|anomalies-{subtask}-{checkpoint}}).
 *
 * <p>The one sink of later releases aborts lingering transactions under its own prefix only, so an open
 * transaction of a retired sink (left by a crash, not by {@code flink stop}, whose writers abort theirs) would hold
 * read_committed consumers of its partitions back until the broker's transaction timeout. Each open one is
 * aborted by starting a producer with its id ({@code initTransactions} fences the old producer and aborts its
 * transaction), with the job's own client settings. Run it after the old job has stopped: it fences whatever
 * still uses those ids. See docs/operations.md, "Upgrading from 0.1.0: one Kafka sink".
 */
public final class RetiredKafkaTransactions {
    static final String USAGE = "usage: RetiredKafkaTransactions --config FILE [--set key=value]... [--dry-run]";

    private RetiredKafkaTransactions() {}

    /** What the brokers hold under the retired prefixes, and which open transactions were aborted. */
    public static final class Result {
        public final List<String> known;
        public final List<String> open;
        public final boolean aborted;

        Result(List<String> known, List<String> open, boolean aborted) {
            this.known = known;
            this.open = open;
            this.aborted = aborted;
        }

        @Override
        public String toString() {
            return String.format("%,d transactional ids under the retired prefixes, %,d open%s", known.size(),
                    open.size(), open.isEmpty() ? "" : (aborted ? ", aborted: " : ", not aborted (dry run): ") + open);
        }
    }

    public static void main(String[] args) throws Exception {
        try {
            System.out.println(run(args, System.getenv()));
        } catch (IllegalArgumentException | ConfigException e) {
            System.err.println("retired kafka transactions: " + e.getMessage());
            System.exit(2);
        }
    }

    public static Result run(String[] args, Map<String, String> environment) throws Exception {
        Path configFile = null;
        List<String> overrides = new ArrayList<>();
        boolean dryRun = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--config": configFile = Path.of(value(args, ++i)); break;
                case "--set": overrides.add(value(args, ++i)); break;
                case "--dry-run": dryRun = true; break;
                default: throw new IllegalArgumentException("unknown argument \"" + args[i] + "\"; " + USAGE);
            }
        }
        if (configFile == null) throw new IllegalArgumentException("--config is required; " + USAGE);
        JobConfig config = new JobConfigLoader(environment).load(configFile, overrides);
        return abortOpen(config.kafkaSink(), dryRun);
    }

    public static Result abortOpen(KafkaSinkSettings sinks, boolean dryRun) throws Exception {
        List<String> prefixes = new ArrayList<>();
        for (String prefix : KafkaSinks.retiredTransactionalIdPrefixes(sinks)) prefixes.add(prefix + "-");
        TreeSet<String> known = new TreeSet<>();
        TreeSet<String> open = new TreeSet<>();
        Properties adminProperties = new Properties();
        adminProperties.putAll(sinks.clientProperties());
        adminProperties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, sinks.bootstrapServers());
        try (Admin admin = Admin.create(adminProperties)) {
            for (TransactionListing t : admin.listTransactions().all().get()) {
                if (prefixes.stream().noneMatch(t.transactionalId()::startsWith)) continue;
                known.add(t.transactionalId());
                // PREPARE_COMMIT/PREPARE_ABORT end on their own; EMPTY and COMPLETE_* hold nothing back
                if (t.state() == TransactionState.ONGOING) open.add(t.transactionalId());
            }
        }
        if (!dryRun) {
            for (String id : open) {
                Properties p = KafkaSinks.producerProperties(sinks);
                p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, sinks.bootstrapServers());
                p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, id);
                try (KafkaProducer<byte[], byte[]> fencing = new KafkaProducer<>(p, new ByteArraySerializer(),
                        new ByteArraySerializer())) {
                    fencing.initTransactions();
                }
            }
        }
        return new Result(new ArrayList<>(known), new ArrayList<>(open), !dryRun);
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) throw new IllegalArgumentException(args[i - 1] + " needs a value; " + USAGE);
        return args[i];
    }
}
