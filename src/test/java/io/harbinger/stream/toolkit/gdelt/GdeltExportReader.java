package io.harbinger.stream.toolkit.gdelt;

import io.harbinger.events.EventType;
import io.harbinger.events.GeopoliticalEvent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads one GDELT 2.0 Event Database export file (one 15-minute update) into {@link GeopoliticalEvent}s.
 *
 * <p>Every row of an export carries the same DATEADDED, so replaying them as-is would put a whole update
 * on one millisecond. Row i of the n mappable rows gets DATEADDED + floor(i * 15 min / n) instead: a
 * deterministic spread over the update's own 15 minutes that keeps file order as time order.
 *
 * <p>Rows that cannot be mapped are returned as {@link MalformedLine}s, never thrown and never dropped.
 * A row whose geo fields give no ISO country is still an event, with country_code "" (the job
 * dead-letters it on purpose).
 */
public final class GdeltExportReader {

    /** GDELT 2.0 publishes an export every 15 minutes; a file's rows are spread over that window. */
    static final long UPDATE_INTERVAL_MILLIS = Duration.ofMinutes(15).toMillis();

    /** GoldsteinScale runs from -10 (most conflictual) to +10 (most cooperative). */
    static final double GOLDSTEIN_MAX = 10.0;
    static final double GOLDSTEIN_RANGE = 20.0;

    /** DATEADDED is YYYYMMDDHHMMSS in UTC. */
    private static final DateTimeFormatter DATE_ADDED_FORMAT =
            DateTimeFormatter.ofPattern("uuuuMMddHHmmss").withResolverStyle(ResolverStyle.STRICT);

    private static final String COLUMN_SEPARATOR = "\t";
    private static final char BYTE_ORDER_MARK = '\uFEFF';

    /** Geo country columns in order of preference: where the action happened, then the actors' locations. */
    private static final int[] COUNTRY_COLUMNS = {
            GdeltColumns.ACTION_GEO_COUNTRY_CODE,
            GdeltColumns.ACTOR1_GEO_COUNTRY_CODE,
            GdeltColumns.ACTOR2_GEO_COUNTRY_CODE,
    };

    /** Country code sent when no geo field maps to ISO; the job treats it as invalid input. */
    static final String NO_COUNTRY = "";

    private GdeltExportReader() {
    }

    /**
     * Reads and maps one export file.
     *
     * @throws IOException only if the file itself cannot be read; bad rows end up in {@link GdeltExport#malformed()}
     */
    public static GdeltExport read(Path file) throws IOException {
        // Decoding via String replaces invalid UTF-8 instead of throwing, so one bad byte costs at most one row.
        String content = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        if (!content.isEmpty() && content.charAt(0) == BYTE_ORDER_MARK) {
            content = content.substring(1);
        }

        List<Row> rows = new ArrayList<>();
        List<MalformedLine> malformed = new ArrayList<>();
        // lines() splits on \n, \r\n and \r and yields no empty line after a final terminator.
        List<String> lines = content.lines().toList();
        for (int index = 0; index < lines.size(); index++) {
            String line = lines.get(index);
            int lineNumber = index + 1;
            try {
                rows.add(Row.parse(line));
            } catch (BadRowException e) {
                malformed.add(new MalformedLine(file, lineNumber, e.getMessage(), line));
            }
        }

        List<GeopoliticalEvent> events = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            events.add(rows.get(i).toEvent(spreadOffsetMillis(i, rows.size())));
        }
        return new GdeltExport(events, malformed);
    }

    /** floor(index * 15 min / count): 0 for the first row, always below 15 minutes, non-decreasing in index. */
    static long spreadOffsetMillis(int index, int count) {
        return (long) index * UPDATE_INTERVAL_MILLIS / count;
    }

    /** (10 - GoldsteinScale) / 20 clamped to [0, 1]: -10 (war) is 1, +10 (cooperation) is 0. */
    static double severity(double goldsteinScale) {
        double severity = (GOLDSTEIN_MAX - goldsteinScale) / GOLDSTEIN_RANGE;
        return Math.max(0.0, Math.min(1.0, severity));
    }

    /** The first geo country column, in preference order, whose FIPS code has an ISO equivalent. */
    static String isoCountryCode(String[] cols) {
        for (int column : COUNTRY_COLUMNS) {
            var iso = FipsToIso.toIso(cols[column]);
            if (iso.isPresent()) {
                return iso.get();
            }
        }
        return NO_COUNTRY;
    }

    /** One row validated and mapped, waiting only for its position-dependent timestamp. */
    private record Row(String eventId, long dateAddedMillis, String countryCode, EventType eventType,
                       double goldsteinScale, Integer numMentions, String sourceUrl) {

        static Row parse(String line) throws BadRowException {
            String[] cols = line.split(COLUMN_SEPARATOR, -1);
            if (cols.length != GdeltColumns.COUNT) {
                throw new BadRowException("expected " + GdeltColumns.COUNT + " tab-separated columns but found " + cols.length);
            }
            String eventId = cols[GdeltColumns.GLOBAL_EVENT_ID].trim();
            parseLong("GLOBALEVENTID", eventId); // ids are numeric; anything else means a shifted or corrupt row
            double goldstein = parseDouble("GoldsteinScale", cols[GdeltColumns.GOLDSTEIN_SCALE]);
            String mentions = cols[GdeltColumns.NUM_MENTIONS].trim();
            Integer numMentions = mentions.isEmpty() ? null : parseInt("NumMentions", mentions);
            String url = cols[GdeltColumns.SOURCE_URL].trim();
            return new Row(
                    eventId,
                    parseDateAdded(cols[GdeltColumns.DATE_ADDED]),
                    isoCountryCode(cols),
                    CameoEventTypes.fromCodes(cols[GdeltColumns.EVENT_ROOT_CODE], cols[GdeltColumns.EVENT_BASE_CODE]),
                    goldstein,
                    numMentions,
                    url.isEmpty() ? null : url);
        }

        GeopoliticalEvent toEvent(long offsetMillis) {
            return GeopoliticalEvent.newBuilder()
                    .setEventId(eventId)
                    .setTimestamp(dateAddedMillis + offsetMillis)
                    .setCountryCode(countryCode)
                    .setEventType(eventType)
                    .setSeverity(severity(goldsteinScale))
                    .setSourceUrl(sourceUrl)
                    .setNumMentions(numMentions)
                    .setGoldsteinScale(goldsteinScale)
                    .build();
        }
    }

    private static long parseDateAdded(String value) throws BadRowException {
        try {
            return LocalDateTime.parse(value.trim(), DATE_ADDED_FORMAT).toInstant(ZoneOffset.UTC).toEpochMilli();
        } catch (DateTimeParseException e) {
            throw new BadRowException("DATEADDED is not YYYYMMDDHHMMSS: '" + value + "'");
        }
    }

    private static long parseLong(String column, String value) throws BadRowException {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new BadRowException(column + " is not an integer: '" + value + "'");
        }
    }

    private static int parseInt(String column, String value) throws BadRowException {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new BadRowException(column + " is not an integer: '" + value + "'");
        }
    }

    private static double parseDouble(String column, String value) throws BadRowException {
        double parsed;
        try {
            parsed = Double.parseDouble(value.trim());
        } catch (NumberFormatException e) {
            throw new BadRowException(column + " is not a number: '" + value + "'");
        }
        if (!Double.isFinite(parsed)) {
            throw new BadRowException(column + " is not a finite number: '" + value + "'");
        }
        return parsed;
    }

    /** A row that cannot be mapped; the message becomes {@link MalformedLine#reason()}. */
    private static final class BadRowException extends Exception {
        BadRowException(String reason) {
            super(reason, null, false, false);
        }
    }
}
