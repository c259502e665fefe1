package io.harbinger.stream.toolkit.gdelt;

import io.harbinger.events.GeopoliticalEvent;

import java.util.List;

/**
 * The result of reading one GDELT export file: every line ends up in exactly one of the two lists.
 *
 * @param events    the mapped rows, in file order
 * @param malformed the lines that could not be mapped, in file order
 */
public record GdeltExport(List<GeopoliticalEvent> events, List<MalformedLine> malformed) {

    public GdeltExport {
        events = List.copyOf(events);
        malformed = List.copyOf(malformed);
    }
}
