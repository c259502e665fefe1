package io.harbinger.stream.tools;

import io.harbinger.stream.records.Reason;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What to replay: which dead letters (by reason and by the broker time of the original record), from which
 * topic, to which raw topic, and where the ledger of replayed dead letters lives.
 *
 * @param reasons empty for every reason
 */
public final class ReplayOptions {
    private final String bootstrapServers;
    private final Map<String, String> clientProperties;
    private final String deadLetterTopic;
    private final String targetTopic;
    private final String ledgerTopic;
    private final Set<Reason> reasons;
    private final Optional<Instant> from;
    private final Optional<Instant> to;
    private final boolean dryRun;

    public ReplayOptions(String bootstrapServers,
                         Map<String, String> clientProperties,
                         String deadLetterTopic,
                         String targetTopic,
                         String ledgerTopic,
                         Set<Reason> reasons,
                         Optional<Instant> from,
                         Optional<Instant> to,
                         boolean dryRun) {
        this.bootstrapServers = bootstrapServers;
        this.clientProperties = clientProperties;
        this.deadLetterTopic = deadLetterTopic;
        this.targetTopic = targetTopic;
        this.ledgerTopic = ledgerTopic;
        this.reasons = reasons;
        this.from = from;
        this.to = to;
        this.dryRun = dryRun;
    }

    /** The ledger topic's default name: beside the dead-letter topic it records. */
    public static String defaultLedgerTopic(String deadLetterTopic) {
        return deadLetterTopic + ".replayed";
    }

    boolean selects(Reason reason, long originalTimestamp) {
        if (!reasons.isEmpty() && !reasons.contains(reason)) return false;
        if (from.isPresent() && originalTimestamp < from.get().toEpochMilli()) return false;
        return to.isEmpty() || originalTimestamp < to.get().toEpochMilli();
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public Map<String, String> clientProperties() {
        return clientProperties;
    }

    public String deadLetterTopic() {
        return deadLetterTopic;
    }

    public String targetTopic() {
        return targetTopic;
    }

    public String ledgerTopic() {
        return ledgerTopic;
    }

    public Set<Reason> reasons() {
        return reasons;
    }

    public Optional<Instant> from() {
        return from;
    }

    public Optional<Instant> to() {
        return to;
    }

    public boolean dryRun() {
        return dryRun;
    }

    @Override
    public String toString() {
        return "ReplayOptions[bootstrapServers=" + bootstrapServers + ", clientProperties=" + clientProperties + ", deadLetterTopic=" + deadLetterTopic
                + ", targetTopic=" + targetTopic + ", ledgerTopic=" + ledgerTopic + ", reasons=" + reasons
                + ", from=" + from + ", to=" + to + ", dryRun=" + dryRun + "]";
    }
}
