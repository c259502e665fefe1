package io.harbinger.stream.validate;

import io.harbinger.events.EventType;
import io.harbinger.events.GeopoliticalEvent;
import io.harbinger.stream.config.JobConfig.ValidationSettings;
import io.harbinger.stream.records.Reason;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.stream.Stream;

import static io.harbinger.stream.testing.TestEvents.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EventValidatorTest {
    private static final Instant NOW = Instant.parse("2024-06-01T00:00:00Z");
    private static final EventValidator VALIDATOR = new EventValidator(
            new ValidationSettings(Instant.parse("2015-01-01T00:00:00Z"), Duration.ofMinutes(5), 1 << 20),
            Clock.fixed(NOW, ZoneOffset.UTC));
    private static final long OK_TIME = NOW.minusSeconds(60).toEpochMilli();

    @Test
    void aGoodEventPasses() {
        assertThatCode(() -> VALIDATOR.check(event("e1", "UA", EventType.CONFLICT, 0.75, OK_TIME)))
                .doesNotThrowAnyException();
        assertThatCode(() -> VALIDATOR.check(event("e1", "UA", EventType.CONFLICT, 0.0, OK_TIME)))
                .doesNotThrowAnyException();
        assertThatCode(() -> VALIDATOR.check(event("e1", "UA", EventType.CONFLICT, 1.0,
                NOW.plusSeconds(299).toEpochMilli()))).doesNotThrowAnyException();
    }

    static Stream<Arguments> badEvents() {
        return Stream.of(
                Arguments.of(event("", "UA", EventType.OTHER, 0.5, OK_TIME), Reason.INVALID_EVENT_ID, "event_id is empty"),
                Arguments.of(event("  ", "UA", EventType.OTHER, 0.5, OK_TIME), Reason.INVALID_EVENT_ID, "event_id is empty"),
                Arguments.of(event("x".repeat(257), "UA", EventType.OTHER, 0.5, OK_TIME), Reason.INVALID_EVENT_ID, "257 characters"),
                Arguments.of(event("a\u0000b", "UA", EventType.OTHER, 0.5, OK_TIME), Reason.INVALID_EVENT_ID, "control characters"),
                Arguments.of(event("a\ufffdb", "UA", EventType.OTHER, 0.5, OK_TIME), Reason.INVALID_EVENT_ID, "invalid UTF-8"),
                Arguments.of(event("e", "", EventType.OTHER, 0.5, OK_TIME), Reason.INVALID_COUNTRY_CODE, "country_code \"\""),
                Arguments.of(event("e", "ua", EventType.OTHER, 0.5, OK_TIME), Reason.INVALID_COUNTRY_CODE, "\"ua\""),
                Arguments.of(event("e", "UKR", EventType.OTHER, 0.5, OK_TIME), Reason.INVALID_COUNTRY_CODE, "\"UKR\""),
                Arguments.of(event("e", "UK", EventType.OTHER, 0.5, OK_TIME), Reason.INVALID_COUNTRY_CODE, "\"UK\""),
                Arguments.of(event("e", "XX", EventType.OTHER, 0.5, OK_TIME), Reason.INVALID_COUNTRY_CODE, "\"XX\""),
                Arguments.of(event("e", "UA", EventType.OTHER, Double.NaN, OK_TIME), Reason.INVALID_SEVERITY, "NaN"),
                Arguments.of(event("e", "UA", EventType.OTHER, Double.POSITIVE_INFINITY, OK_TIME), Reason.INVALID_SEVERITY, "Infinity"),
                Arguments.of(event("e", "UA", EventType.OTHER, -0.01, OK_TIME), Reason.INVALID_SEVERITY, "-0.01"),
                Arguments.of(event("e", "UA", EventType.OTHER, 1.01, OK_TIME), Reason.INVALID_SEVERITY, "1.01"),
                Arguments.of(event("e", "UA", EventType.OTHER, 0.5, 0), Reason.TIMESTAMP_TOO_OLD, "1970-01-01T00:00:00Z"),
                Arguments.of(event("e", "UA", EventType.OTHER, 0.5, NOW.plusSeconds(301).toEpochMilli()),
                        Reason.TIMESTAMP_IN_FUTURE, "ahead of the wall clock"),
                Arguments.of(event("e", "UA", EventType.OTHER, 0.5, Long.MAX_VALUE), Reason.TIMESTAMP_IN_FUTURE,
                        String.valueOf(Long.MAX_VALUE)));
    }

    @ParameterizedTest
    @MethodSource("badEvents")
    void eachRuleRejectsWithItsReasonAndSaysWhatWasWrong(GeopoliticalEvent event, Reason reason, String detail) {
        assertThatThrownBy(() -> VALIDATOR.check(event))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining(detail)
                .satisfies(e -> assertThat(((InvalidRecordException) e).reason()).isEqualTo(reason));
    }
}
