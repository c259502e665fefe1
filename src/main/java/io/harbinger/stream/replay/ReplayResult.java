package io.harbinger.stream.replay;

import io.harbinger.stream.validate.Reason;

import java.util.Map;

/**
 * What a replay did. {@code republished} records passed today's validation and went back to the raw topic;
 * {@code stillFailing} did not, by the reason they fail with now.
 */
public record ReplayResult(long deadLetters, long alreadyReplayed, long notSelected, long republished,
                           Map<Reason, Long> stillFailing) {

    @Override
    public String toString() {
        return String.format("%,d dead letters read: %,d republished, %,d replayed before, %,d not selected,"
                + " %,d still failing %s", deadLetters, republished, alreadyReplayed, notSelected,
                stillFailing.values().stream().mapToLong(Long::longValue).sum(), stillFailing);
    }
}
