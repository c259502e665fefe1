package io.harbinger.stream.aggregate;

import io.harbinger.stream.records.Envelope;

/**
 * The (country_code, event_type) key of windows and baselines as one string, "US|PROTEST": cheap to hash
 * and serialize, and readable in state dumps. Country codes are validated ISO codes, so '|' cannot occur.
 */
public final class WindowKey {
    private static final char SEPARATOR = '|';

    private WindowKey() {}

    public static String of(Envelope envelope) {
        return of(envelope.event.getCountryCode(), envelope.event.getEventType().name());
    }

    public static String of(String countryCode, String eventType) {
        return countryCode + SEPARATOR + eventType;
    }

    public static String countryCode(String key) {
        return key.substring(0, key.indexOf(SEPARATOR));
    }

    public static String eventType(String key) {
        return key.substring(key.indexOf(SEPARATOR) + 1);
    }
}
