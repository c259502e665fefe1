package io.harbinger.stream.toolkit.gdelt;

import io.harbinger.events.EventType;

import java.util.Set;

/**
 * Maps CAMEO event codes to the job's {@link EventType}. CAMEO has no code for elections or natural
 * disasters, so ELECTION and NATURAL_DISASTER never come out of GDELT.
 */
final class CameoEventTypes {

    /** CAMEO 14: protest. */
    static final String ROOT_PROTEST = "14";
    /** CAMEO 16: reduce relations. */
    static final String ROOT_REDUCE_RELATIONS = "16";
    /** CAMEO 163: impose embargo, boycott or sanctions (always under root 16, matched on its own anyway). */
    static final String BASE_SANCTIONS = "163";
    /** CAMEO 18 assault, 19 fight, 20 unconventional mass violence. */
    static final Set<String> ROOTS_CONFLICT = Set.of("18", "19", "20");

    private CameoEventTypes() {
    }

    static EventType fromCodes(String rootCode, String baseCode) {
        String root = rootCode.trim();
        if (ROOT_PROTEST.equals(root)) {
            return EventType.PROTEST;
        }
        if (ROOTS_CONFLICT.contains(root)) {
            return EventType.CONFLICT;
        }
        if (ROOT_REDUCE_RELATIONS.equals(root) || BASE_SANCTIONS.equals(baseCode.trim())) {
            return EventType.SANCTION;
        }
        return EventType.OTHER;
    }
}
