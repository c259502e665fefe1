package io.harbinger.stream.config;

import io.harbinger.stream.config.JobConfig.AnomalySettings;

import java.time.Duration;

/** Binds section {@code anomaly}: the EWMA baseline, its warm-up, the z threshold, the baseline TTL and how
 * silent windows are scored. */
final class AnomalySection {
    private static final double MIN_STDDEV_FLOOR = 1e-6;

    private AnomalySection() {}

    static AnomalySettings bind(ConfigNode anomaly) {
        ConfigNode silence = anomaly.child("silence");
        return new AnomalySettings(
                anomaly.doubleIn("ewma-alpha", 0.2, 0.001, 1.0),
                anomaly.intAtLeast("warm-up-windows", 6, 2),
                anomaly.doubleIn("z-threshold", 3.0, 0.1, 1000),
                // Floors above 0: a flat history would otherwise give z = 0/0 or x/0.
                anomaly.doubleIn("min-stddev-count", 1.0, MIN_STDDEV_FLOOR, Double.MAX_VALUE),
                anomaly.doubleIn("min-stddev-severity", 0.02, MIN_STDDEV_FLOOR, 1.0),
                anomaly.duration("baseline-ttl", Duration.ofDays(30)),
                silence.bool("enabled", true),
                silence.duration("forget-after", AnomalySettings.DEFAULT_SILENCE_FORGET_AFTER));
    }
}
