package io.harbinger.stream.tools;

import java.time.Instant;
import java.time.format.DateTimeParseException;

/** What the tools' command lines share: an option's value, and a time given as ISO-8601. */
final class ToolArguments {
    private ToolArguments() {}

    /** The value after an option; {@code usage} ends the message when it is missing. */
    static String value(String[] args, int i, String option, String usage) {
        if (i >= args.length) throw new IllegalArgumentException(option + " needs a value" + usage);
        return args[i];
    }

    static Instant instant(String text, String option) {
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(option + " " + text + ": expected an ISO-8601 UTC time such as"
                    + " 2024-01-01T00:00:00Z");
        }
    }
}
