package io.harbinger.stream.validate;

import io.harbinger.events.GeopoliticalEvent;
import io.harbinger.stream.config.JobConfig.ValidationSettings;
import io.harbinger.stream.records.Reason;

import java.io.Serializable;
import java.time.Clock;
import java.time.Instant;
import java.util.Locale;
import java.util.Set;

/** The business rules a decoded event must pass. Stateless apart from the clock. */
public class EventValidator implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Ids longer than this are not ids but payloads in the wrong field; they would bloat dedup state. */
    static final int MAX_EVENT_ID_LENGTH = 256;
    private static final Set<String> ISO_COUNTRIES = Set.of(Locale.getISOCountries());

    private final long earliestMillis;
    private final long maxFutureSkewMillis;
    private final Clock clock;

    public EventValidator(ValidationSettings settings, Clock clock) {
        this.earliestMillis = settings.earliestEventTime().toEpochMilli();
        this.maxFutureSkewMillis = settings.maxFutureSkew().toMillis();
        this.clock = clock;
    }

    public void check(GeopoliticalEvent event) throws InvalidRecordException {
        String id = event.getEventId();
        if (id == null || id.isBlank()) {
            throw new InvalidRecordException(Reason.INVALID_EVENT_ID, "event_id is empty");
        }
        if (id.length() > MAX_EVENT_ID_LENGTH) {
            throw new InvalidRecordException(Reason.INVALID_EVENT_ID,
                    "event_id has " + id.length() + " characters, more than " + MAX_EVENT_ID_LENGTH);
        }
        if (!isPrintable(id)) {
            throw new InvalidRecordException(Reason.INVALID_EVENT_ID,
                    "event_id contains control characters or invalid UTF-8");
        }
        String country = event.getCountryCode();
        if (country == null || !ISO_COUNTRIES.contains(country)) {
            throw new InvalidRecordException(Reason.INVALID_COUNTRY_CODE, "country_code \"" + printable(country)
                    + "\" is not an ISO 3166-1 alpha-2 code (two upper-case letters, e.g. US, DE)"
                    + " (event_id " + printable(id) + ")");
        }
        double severity = event.getSeverity();
        if (!Double.isFinite(severity) || severity < 0.0 || severity > 1.0) {
            throw new InvalidRecordException(Reason.INVALID_SEVERITY,
                    "severity " + severity + " is outside [0, 1] (event_id " + printable(id) + ")");
        }
        long ts = event.getTimestamp();
        if (ts < earliestMillis) {
            throw new InvalidRecordException(Reason.TIMESTAMP_TOO_OLD, "timestamp " + describeTime(ts)
                    + " is before the earliest accepted " + Instant.ofEpochMilli(earliestMillis)
                    + " (event_id " + printable(id) + ")");
        }
        long latest = clock.millis() + maxFutureSkewMillis;
        if (ts > latest) {
            throw new InvalidRecordException(Reason.TIMESTAMP_IN_FUTURE, "timestamp " + describeTime(ts)
                    + " is more than " + maxFutureSkewMillis + " ms ahead of the wall clock"
                    + " (event_id " + printable(id) + ")");
        }
    }

    /** No control characters and no U+FFFD (what invalid UTF-8 decodes to). A loop: it runs for every event. */
    private static boolean isPrintable(String id) {
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c <= 0x1f || c == 0x7f || c == 0xfffd) return false;
        }
        return true;
    }

    private static String describeTime(long millis) {
        try {
            return millis + " (" + Instant.ofEpochMilli(millis) + ")";
        } catch (RuntimeException e) {
            return String.valueOf(millis);
        }
    }

    /** Keeps messages one readable line even when the field holds junk. */
    private static String printable(String s) {
        if (s == null) return "null";
        String cut = s.length() > 64 ? s.substring(0, 64) + "..." : s;
        StringBuilder out = new StringBuilder();
        cut.codePoints().forEach(c -> {
            if (c < 0x20 || c == 0x7f) out.append(String.format("\\x%02x", c));
            else out.appendCodePoint(c);
        });
        return out.toString();
    }
}
