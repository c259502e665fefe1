package io.harbinger.stream.config;

import io.harbinger.stream.config.JobConfig.CheckpointSettings;

import java.time.Duration;

/** Binds section {@code checkpoints}: the Flink checkpointing options the job sets (FlinkSettings). */
final class CheckpointsSection {
    private CheckpointsSection() {}

    static CheckpointSettings bind(ConfigNode checkpoints) {
        return new CheckpointSettings(
                checkpoints.duration("interval", Duration.ofSeconds(30)),
                checkpoints.duration("timeout", Duration.ofMinutes(10)),
                checkpoints.duration("min-pause", Duration.ofSeconds(5)),
                checkpoints.intAtLeast("tolerable-failures", 3, 0),
                checkpoints.string("directory"),
                checkpoints.optionalString("savepoint-directory"),
                checkpoints.bool("incremental", true),
                checkpoints.bool("retain-on-cancellation", true));
    }
}
