package io.harbinger.stream.tools;

import io.harbinger.stream.records.Reason;

import java.util.Map;

/**
 * What a replay did. {@code republished} records passed today's validation and went back to the raw topic;
 * {@code stillFailing} did not, by the reason they fail with now.
 */
public final class ReplayResult {
    private final long deadLetters;
    private final long alreadyReplayed;
    private final long notSelected;
    private final long republished;
    private final Map<Reason, Long> stillFailing;

    public ReplayResult(long deadLetters,
                        long alreadyReplayed,
                        long notSelected,
                        long republished,
                        Map<Reason, Long> stillFailing) {
        this.deadLetters = deadLetters;
        this.alreadyReplayed = alreadyReplayed;
        this.notSelected = notSelected;
        this.republished = republished;
        this.stillFailing = stillFailing;
    }

    @Override
    public String toString() {
        return String.format("%,d dead letters read: %,d republished, %,d replayed before, %,d not selected,"
                + " %,d still failing %s", deadLetters, republished, alreadyReplayed, notSelected,
                stillFailing.values().stream().mapToLong(Long::longValue).sum(), stillFailing);
    }

    public long deadLetters() {
        return deadLetters;
    }

    public long alreadyReplayed() {
        return alreadyReplayed;
    }

    public long notSelected() {
        return notSelected;
    }

    public long republished() {
        return republished;
    }

    public Map<Reason, Long> stillFailing() {
        return stillFailing;
    }
}
