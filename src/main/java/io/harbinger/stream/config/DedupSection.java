package io.harbinger.stream.config;

import io.harbinger.stream.config.JobConfig.DedupSettings;

import java.time.Duration;

/** Binds section {@code dedup}: how long an event_id is remembered. */
final class DedupSection {
    private DedupSection() {}

    static DedupSettings bind(ConfigNode dedup) {
        return new DedupSettings(dedup.duration("ttl", Duration.ofHours(24)));
    }
}
