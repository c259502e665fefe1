package io.harbinger.stream.toolkit.gdelt;

import io.harbinger.events.EventType;
import io.harbinger.events.GeopoliticalEvent;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class GdeltExportReaderTest {

    private static final int ROWS_2018 = 2414;
    private static final int ROWS_2019 = 2111;
    private static final Instant DATE_ADDED_2018 = Instant.parse("2018-01-01T00:00:00Z");
    private static final Instant DATE_ADDED_2019 = Instant.parse("2019-10-24T14:30:00Z");
    private static final long FIFTEEN_MINUTES_MILLIS = 15 * 60 * 1000;

    /**
     * Rows mapped to country_code "": exactly the 94 rows (57 in 2018, 37 in 2019) whose three geo country
     * fields are all empty, as the shared README measured. The only FIPS codes in the files without an ISO
     * equivalent are OS (oceans, 9 fields) and YI (former Serbia and Montenegro, once); each of those rows also
     * has an Actor1/Actor2 geo code that maps, so no row loses its country to the FIPS table.
     */
    private static final int EMPTY_COUNTRY_2018 = 57;
    private static final int EMPTY_COUNTRY_2019 = 37;

    private static final double SEVERITY_TOLERANCE = 1e-9;

    private static GdeltExport export2018;
    private static GdeltExport export2019;

    @BeforeAll
    static void readSamples() throws IOException {
        export2018 = GdeltExportReader.read(GdeltSamples.export2018());
        export2019 = GdeltExportReader.read(GdeltSamples.export2019());
    }

    @Test
    void readsEveryRowOfTheRealFiles() {
        assertThat(export2018.events()).hasSize(ROWS_2018);
        assertThat(export2019.events()).hasSize(ROWS_2019);
        assertThat(export2018.malformed()).isEmpty();
        assertThat(export2019.malformed()).isEmpty();
    }

    @Test
    void eventIdsAreUniqueAcrossBothFiles() {
        List<String> ids = Stream.concat(export2018.events().stream(), export2019.events().stream())
                .map(GeopoliticalEvent::getEventId)
                .toList();
        assertThat(ids).hasSize(ROWS_2018 + ROWS_2019).doesNotHaveDuplicates();
    }

    @Test
    void timestampsAreSpreadOverTheFilesFifteenMinutes() {
        assertSpread(export2018.events(), DATE_ADDED_2018);
        assertSpread(export2019.events(), DATE_ADDED_2019);
    }

    private static void assertSpread(List<GeopoliticalEvent> events, Instant dateAdded) {
        long start = dateAdded.toEpochMilli();
        assertThat(events.get(0).getTimestamp()).isEqualTo(start);
        long previous = Long.MIN_VALUE;
        for (GeopoliticalEvent event : events) {
            assertThat(event.getTimestamp()).isBetween(start, start + FIFTEEN_MINUTES_MILLIS - 1)
                    .isGreaterThanOrEqualTo(previous);
            previous = event.getTimestamp();
        }
    }

    @Test
    void rowsWithoutAnyGeoCountryGetAnEmptyCountryCode() {
        assertThat(export2018.events()).filteredOn(e -> e.getCountryCode().isEmpty()).hasSize(EMPTY_COUNTRY_2018);
        assertThat(export2019.events()).filteredOn(e -> e.getCountryCode().isEmpty()).hasSize(EMPTY_COUNTRY_2019);
        assertThat(Stream.concat(export2018.events().stream(), export2019.events().stream()))
                .map(GeopoliticalEvent::getCountryCode)
                .allSatisfy(code -> assertThat(code).matches("([A-Z]{2})?"));
    }

    // Expected values below were read off the raw lines: row index (0-based line), GLOBALEVENTID, EventBaseCode /
    // EventRootCode, GoldsteinScale, NumMentions, Actor1Geo / Actor2Geo / ActionGeo country, SOURCEURL.
    // Timestamp offsets are floor(index * 900000 / rows); severity is (10 - Goldstein) / 20.

    @Test
    void firstRowOf2018() {
        // 043/04, 2.8, 18, geo -/US/MX
        assertEvent(export2018.events().get(0), "719024875", DATE_ADDED_2018, "MX", EventType.OTHER,
                0.36, 2.8, 18, "http://www.TucsonNewsNow.com/story/37167033/dog-missing-for-a-year-turns-up-4-states-away");
    }

    @Test
    void sanctionRowWithRussianActionGeo() {
        // row 7: 163/16, -8.0, 2, geo RS/KN/RS (FIPS RS is Russia); 7 * 900000 / 2414 = 2609.8
        assertEvent(export2018.events().get(7), "719024882", Instant.parse("2018-01-01T00:00:02.609Z"), "RU",
                EventType.SANCTION, 0.9, -8.0, 2,
                "https://www.channelnewsasia.com/news/world/after-trump-criticism--china-denies-selling-oil-illicitly-to-north-korea-9819368");
    }

    @Test
    void conflictRowInTheUnitedKingdom() {
        // row 39: 190/19, -10.0, 20, geo -/UK/UK; 39 * 900000 / 2414 = 14540.2
        assertEvent(export2018.events().get(39), "719024914", Instant.parse("2018-01-01T00:00:14.540Z"), "GB",
                EventType.CONFLICT, 1.0, -10.0, 20,
                "https://www.ipswichadvertiser.com.au/news/dramatic-footage-shows-final-moments-before-fatal-/3301287/");
    }

    @Test
    void oceanActionGeoFallsBackToActor1Geo() {
        // row 295: 087/08, 10.0, 10, geo AS/-/OS (OS has no ISO code, so Actor1Geo AS = Australia); 295 * 900000 / 2414 = 109983.4
        assertEvent(export2018.events().get(295), "719025170", Instant.parse("2018-01-01T00:01:49.983Z"), "AU",
                EventType.OTHER, 0.0, 10.0, 10, "http://www.sail-world.com/news/200716/VOR-Leg-4---MEL-to-HKG");
    }

    @Test
    void protestRowWithoutAnyGeo() {
        // row 891: 141/14, -6.5, 10, geo -/-/-; 891 * 900000 / 2414 = 332187.2
        assertEvent(export2018.events().get(891), "719025766", Instant.parse("2018-01-01T00:05:32.187Z"), "",
                EventType.PROTEST, 0.825, -6.5, 10, "https://blueprint.ng/kwara-central-produces-best-quranic-reciter/");
    }

    @Test
    void firstRowOf2019() {
        // 139/13, -7.0, 3, geo -/CA/CA
        assertEvent(export2019.events().get(0), "881990832", DATE_ADDED_2019, "CA", EventType.OTHER, 0.85, -7.0, 3,
                "https://www.timescolonist.com/entertainment/jeremy-dutcher-brings-ancestors-songs-to-life-1.23985964");
    }

    @Test
    void assaultRowInAustralia() {
        // row 44: 182/18, -10.0, 10, geo -/AS/AS (FIPS AS is Australia); 44 * 900000 / 2111 = 18758.9
        assertEvent(export2019.events().get(44), "881990876", Instant.parse("2019-10-24T14:30:18.758Z"), "AU",
                EventType.CONFLICT, 1.0, -10.0, 10,
                "https://www.dailymail.co.uk/news/article-7609435/Teenager-accused-stabbing-ginger-cat-20-times-hurling-dead-body-balcony.html");
    }

    @Test
    void actionGeoWinsOverActor1Geo() {
        // row 447: 144/14, -7.5, 4, geo SN/-/CH (Actor1 Singapore, action in China); 447 * 900000 / 2111 = 190573.2
        assertEvent(export2019.events().get(447), "881991279", Instant.parse("2019-10-24T14:33:10.573Z"), "CN",
                EventType.PROTEST, 0.875, -7.5, 4,
                "https://www.straitstimes.com/asia/se-asia/chinese-ship-heads-away-from-vietnam-after-disputed-surveys-in-south-china-sea");
    }

    @Test
    void sanctionRowInSpain() {
        // row 736: 163/16, -8.0, 2, geo FR/VE/SP (FIPS SP is Spain); 736 * 900000 / 2111 = 313784.9
        assertEvent(export2019.events().get(736), "881991568", Instant.parse("2019-10-24T14:35:13.784Z"), "ES",
                EventType.SANCTION, 0.9, -8.0, 2, "http://watchingamerica.com/WA/tag/sanctions/");
    }

    @Test
    void oceanActionGeoFallsBackToActor1GeoRussia() {
        // row 1527: 043/04, 2.8, 3, geo RS/RS/OS; 1527 * 900000 / 2111 = 651018.5
        assertEvent(export2019.events().get(1527), "881992359", Instant.parse("2019-10-24T14:40:51.018Z"), "RU",
                EventType.OTHER, 0.36, 2.8, 3, "https://allafrica.com/stories/201910240618.html");
    }

    private static void assertEvent(GeopoliticalEvent event, String id, Instant timestamp, String country,
                                    EventType type, double severity, double goldstein, int mentions, String url) {
        assertThat(event.getEventId()).isEqualTo(id);
        assertThat(Instant.ofEpochMilli(event.getTimestamp())).isEqualTo(timestamp);
        assertThat(event.getCountryCode()).isEqualTo(country);
        assertThat(event.getEventType()).isEqualTo(type);
        assertThat(event.getSeverity()).isCloseTo(severity, within(SEVERITY_TOLERANCE));
        assertThat(event.getGoldsteinScale()).isEqualTo(goldstein);
        assertThat(event.getNumMentions()).isEqualTo(mentions);
        assertThat(event.getSourceUrl()).isEqualTo(url);
    }

    @Test
    void malformedLinesAreReportedAndGoodRowsStillMapped(@TempDir Path dir) throws IOException {
        List<String> real = Files.readAllLines(GdeltSamples.export2018(), StandardCharsets.UTF_8);
        String good1 = real.get(0);
        String good2 = real.get(7);
        String shortLine = "719024875\t20171231\t201712";
        String badMentions = withColumn(real.get(1), GdeltColumns.NUM_MENTIONS, "many");
        String badGoldstein = withColumn(real.get(2), GdeltColumns.GOLDSTEIN_SCALE, "-8,0");
        String badDateAdded = withColumn(real.get(3), GdeltColumns.DATE_ADDED, "20181301000000");
        String badId = withColumn(real.get(4), GdeltColumns.GLOBAL_EVENT_ID, "x719024879");
        Path file = dir.resolve("bad.export.CSV");
        // CRLF on purpose, with a trailing line terminator.
        Files.writeString(file, String.join("\r\n",
                good1, shortLine, badMentions, good2, badGoldstein, badDateAdded, "", badId) + "\r\n");

        GdeltExport export = GdeltExportReader.read(file);

        assertThat(export.events()).extracting(GeopoliticalEvent::getEventId).containsExactly("719024875", "719024882");
        // Two mappable rows: the second is spread to the middle of the 15 minutes.
        assertThat(export.events()).extracting(GeopoliticalEvent::getTimestamp)
                .containsExactly(DATE_ADDED_2018.toEpochMilli(), DATE_ADDED_2018.toEpochMilli() + FIFTEEN_MINUTES_MILLIS / 2);
        assertThat(export.malformed()).extracting(MalformedLine::lineNumber).containsExactly(2, 3, 5, 6, 7, 8);
        assertThat(export.malformed()).allSatisfy(m -> assertThat(m.file()).isEqualTo(file));
        assertThat(export.malformed().get(0).reason()).contains("61").contains("3");
        assertThat(export.malformed().get(0).text()).isEqualTo(shortLine);
        assertThat(export.malformed().get(1).reason()).contains("NumMentions").contains("many");
        assertThat(export.malformed().get(1).text()).isEqualTo(badMentions);
        assertThat(export.malformed().get(2).reason()).contains("GoldsteinScale");
        assertThat(export.malformed().get(3).reason()).contains("DATEADDED");
        assertThat(export.malformed().get(4).text()).isEmpty();
        assertThat(export.malformed().get(5).reason()).contains("GLOBALEVENTID");
    }

    @Test
    void crlfAndLfFilesMapIdentically(@TempDir Path dir) throws IOException {
        List<String> lines = Files.readAllLines(GdeltSamples.export2019(), StandardCharsets.UTF_8).subList(0, 50);
        Path lf = Files.writeString(dir.resolve("lf.CSV"), String.join("\n", lines));
        Path crlf = Files.writeString(dir.resolve("crlf.CSV"), String.join("\r\n", lines) + "\r\n");

        GdeltExport fromLf = GdeltExportReader.read(lf);
        GdeltExport fromCrlf = GdeltExportReader.read(crlf);

        assertThat(fromCrlf.malformed()).isEmpty();
        assertThat(fromCrlf.events()).hasSize(lines.size()).isEqualTo(fromLf.events());
        // The last column (SOURCEURL) must not keep a stray '\r'.
        assertThat(fromCrlf.events()).allSatisfy(e -> assertThat(e.getSourceUrl()).doesNotContain("\r"));
    }

    @Test
    void emptyOptionalColumnsBecomeNull(@TempDir Path dir) throws IOException {
        String line = Files.readAllLines(GdeltSamples.export2018(), StandardCharsets.UTF_8).get(0);
        line = withColumn(withColumn(line, GdeltColumns.NUM_MENTIONS, ""), GdeltColumns.SOURCE_URL, "");
        GdeltExport export = GdeltExportReader.read(Files.writeString(dir.resolve("one.CSV"), line + "\n"));

        assertThat(export.malformed()).isEmpty();
        assertThat(export.events()).singleElement().satisfies(e -> {
            assertThat(e.getNumMentions()).isNull();
            assertThat(e.getSourceUrl()).isNull();
        });
    }

    @Test
    void emptyFileGivesNothing(@TempDir Path dir) throws IOException {
        GdeltExport export = GdeltExportReader.read(Files.writeString(dir.resolve("empty.CSV"), ""));
        assertThat(export.events()).isEmpty();
        assertThat(export.malformed()).isEmpty();
    }

    @Test
    void severityIsClampedToTheUnitInterval() {
        assertThat(GdeltExportReader.severity(-10.0)).isEqualTo(1.0);
        assertThat(GdeltExportReader.severity(10.0)).isEqualTo(0.0);
        assertThat(GdeltExportReader.severity(0.0)).isEqualTo(0.5);
        assertThat(GdeltExportReader.severity(-12.0)).isEqualTo(1.0);
        assertThat(GdeltExportReader.severity(11.0)).isEqualTo(0.0);
    }

    @Test
    void cameoCodesMapToEventTypes() {
        assertThat(CameoEventTypes.fromCodes("14", "141")).isEqualTo(EventType.PROTEST);
        assertThat(CameoEventTypes.fromCodes("18", "182")).isEqualTo(EventType.CONFLICT);
        assertThat(CameoEventTypes.fromCodes("19", "190")).isEqualTo(EventType.CONFLICT);
        assertThat(CameoEventTypes.fromCodes("20", "203")).isEqualTo(EventType.CONFLICT);
        assertThat(CameoEventTypes.fromCodes("16", "160")).isEqualTo(EventType.SANCTION);
        assertThat(CameoEventTypes.fromCodes("16", "163")).isEqualTo(EventType.SANCTION);
        assertThat(CameoEventTypes.fromCodes("04", "043")).isEqualTo(EventType.OTHER);
        assertThat(CameoEventTypes.fromCodes("17", "172")).isEqualTo(EventType.OTHER);
    }

    private static String withColumn(String line, int column, String value) {
        List<String> cols = new ArrayList<>(List.of(line.split("\t", -1)));
        cols.set(column, value);
        return String.join("\t", cols);
    }
}
