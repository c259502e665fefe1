package io.harbinger.stream.config;

import io.harbinger.stream.config.JobConfig.WindowSettings;

import java.time.Duration;

/** Binds section {@code window}: size, allowed lateness and the pre-aggregation's memory bound. */
final class WindowSection {
    private WindowSection() {}

    static WindowSettings bind(ConfigNode window) {
        return new WindowSettings(
                window.requiredDuration("size"),
                window.duration("allowed-lateness", Duration.ZERO),
                window.child("pre-aggregation").intAtLeast("max-keys", 10_000, 0));
    }
}
