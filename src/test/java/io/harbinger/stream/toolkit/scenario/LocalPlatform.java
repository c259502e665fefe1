package io.harbinger.stream.toolkit.scenario;

import io.harbinger.stream.FlinkSettings;
import io.harbinger.stream.config.JobConfig;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;

/**
 * What a platform adds to the job's own Flink settings when tests and the local run play the platform on a
 * MiniCluster: the parallelism, which the job never sets itself (on a cluster it is {@code flink run -p}, the
 * FlinkDeployment's spec.job.parallelism or Managed Service's Parallelism).
 */
public final class LocalPlatform {
    /** Two subtasks: every exchange crosses a real network shuffle, and CI has two cores. */
    public static final int PARALLELISM = 2;

    private LocalPlatform() {}

    public static Configuration flinkConfiguration(JobConfig config) {
        return flinkConfiguration(config, PARALLELISM);
    }

    public static Configuration flinkConfiguration(JobConfig config, int parallelism) {
        Configuration flink = FlinkSettings.flinkConfiguration(config);
        flink.set(CoreOptions.DEFAULT_PARALLELISM, parallelism);
        return flink;
    }
}
