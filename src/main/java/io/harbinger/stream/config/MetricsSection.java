package io.harbinger.stream.config;

import io.harbinger.stream.config.JobConfig.MetricsGroup;
import io.harbinger.stream.config.JobConfig.MetricsSettings;

/** Binds section {@code metrics}: the metric group of the job's own metrics. */
final class MetricsSection {
    private MetricsSection() {}

    static MetricsSettings bind(ConfigNode metrics) {
        // harbinger on a cluster; the managed service's property groups default to kinesisanalytics
        // (MsfPropertyGroups), the one group it exports to CloudWatch.
        return new MetricsSettings(metrics.enumValue("group", MetricsGroup.class, MetricsGroup.HARBINGER));
    }
}
