package io.harbinger.stream.replay;

import io.harbinger.stream.validate.Reason;

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
public record ReplayOptions(
        String bootstrapServers,
        Map<String, String> clientProperties,
        String deadLetterTopic,
        String targetTopic,
        String ledgerTopic,
        Set<Reason> reasons,
        Optional<Instant> from,
        Optional<Instant> to,
        boolean dryRun) {

    /** The ledger topic's default name: beside the dead-letter topic it records. */
    public static String defaultLedgerTopic(String deadLetterTopic) {
        return deadLetterTopic + ".replayed";
    }

    boolean selects(Reason reason, long originalTimestamp) {
        if (!reasons.isEmpty() && !reasons.contains(reason)) return false;
        if (from.isPresent() && originalTimestamp < from.get().toEpochMilli()) return false;
        return to.isEmpty() || originalTimestamp < to.get().toEpochMilli();
    }
}
