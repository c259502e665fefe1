package io.harbinger.stream.config;

import io.harbinger.events.EventType;
import io.harbinger.stream.config.JobConfig.ValidationSettings;
import io.harbinger.stream.records.WireFormat;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

/** Binds section {@code validation}: the bounds of an event's time and size, and event types to ignore. */
final class ValidationSection {
    private ValidationSection() {}

    static ValidationSettings bind(ConfigNode validation) {
        return new ValidationSettings(
                validation.instant("earliest-event-time", Instant.parse("2000-01-01T00:00:00Z")),
                validation.duration("max-future-skew", Duration.ofMinutes(5)),
                // A limit below the wire-format header would reject every record.
                validation.intAtLeast("max-value-bytes", 1024 * 1024, WireFormat.HEADER_LENGTH),
                eventTypes(validation, "ignored-event-types"));
    }

    /** A list of event type names (any case), e.g. [OTHER]; an unknown name is reported with the allowed ones. */
    private static Set<EventType> eventTypes(ConfigNode node, String name) {
        Set<EventType> types = EnumSet.noneOf(EventType.class);
        for (String item : node.stringList(name)) {
            ConfigNode.constantNamed(EventType.class, item).ifPresentOrElse(types::add, () -> node.problem(name,
                    "unknown event type \"" + item + "\"; must be among " + Arrays.toString(EventType.values())));
        }
        return types;
    }
}
