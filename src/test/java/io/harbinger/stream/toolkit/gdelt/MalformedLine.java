package io.harbinger.stream.toolkit.gdelt;

import java.nio.file.Path;

/**
 * A line of a GDELT export that could not be mapped to an event.
 *
 * @param file       the export file
 * @param lineNumber 1-based line number in that file
 * @param reason     why the line was rejected
 * @param text       the raw line, without its line terminator
 */
public record MalformedLine(Path file, int lineNumber, String reason, String text) {
}
