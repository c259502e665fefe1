package io.harbinger.stream.config;

import io.harbinger.stream.config.JobConfig.EventTimeSettings;

import java.time.Duration;

/** Binds section {@code event-time}: the watermarks' out-of-orderness bound and idleness timeout. */
final class EventTimeSection {
    private EventTimeSection() {}

    static EventTimeSettings bind(ConfigNode eventTime) {
        return new EventTimeSettings(
                eventTime.duration("max-out-of-orderness", Duration.ofSeconds(30)),
                eventTime.duration("idleness", Duration.ofMinutes(1)));
    }
}
