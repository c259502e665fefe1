package io.harbinger.stream.config;

import io.harbinger.stream.config.JobConfig.SourceSettings;
import io.harbinger.stream.config.JobConfig.SourceType;

/** Binds section {@code source}: {@code type} picks the one input section that is read, kafka or kinesis. */
final class SourceSection {
    private SourceSection() {}

    static SourceSettings bind(ConfigNode source) {
        SourceType type = source.enumValue("type", SourceType.class, SourceType.KAFKA);
        CrossKeyRules.onlyTheInputOfTheSourceType(source, type);
        if (type == SourceType.KINESIS) {
            return new SourceSettings(type, null, KinesisSourceSection.bind(source.child("kinesis")));
        }
        return new SourceSettings(type, KafkaSourceSection.bind(source.child("kafka")), null);
    }
}
