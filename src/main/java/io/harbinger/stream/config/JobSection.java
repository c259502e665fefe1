package io.harbinger.stream.config;

import io.harbinger.stream.config.JobConfig.Delivery;
import io.harbinger.stream.config.JobConfig.JobSettings;

/** Binds section {@code job}: the job's name, its max parallelism and the delivery of its Kafka outputs. */
final class JobSection {
    /** Flink's own default for jobs below parallelism 86; kept explicit so savepoints stay restorable. */
    static final int DEFAULT_MAX_PARALLELISM = 128;

    private JobSection() {}

    static JobSettings bind(ConfigNode job) {
        // Max parallelism fixes the key groups of keyed state: it must never change once state exists.
        JobSettings settings = new JobSettings(job.string("name"),
                job.intAtLeast("max-parallelism", DEFAULT_MAX_PARALLELISM, 1),
                job.enumValue("delivery", Delivery.class, Delivery.EXACTLY_ONCE));
        // A job that set its own parallelism silently overrode flink run -p, spec.job.parallelism and the
        // managed service's Parallelism (and its autoscaling); the platform owns it now.
        job.noLongerRead("parallelism", "the platform owns parallelism (flink run -p, parallelism.default,"
                + " the FlinkDeployment's spec.job.parallelism, Managed Service's Parallelism)");
        return settings;
    }
}
