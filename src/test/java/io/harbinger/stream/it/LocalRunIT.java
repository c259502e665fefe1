package io.harbinger.stream.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.harbinger.stream.local.LocalRun;
import io.harbinger.stream.local.RunSummary;
import io.harbinger.stream.toolkit.gdelt.GdeltSamples;
import io.harbinger.stream.testing.HeadlessChromium;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * The README's first command, minus Maven: the local runner on the real 2019 GDELT sample, with its report.html
 * opened in a real headless Chromium; and its Kinesis
 * path ({@code --source kinesis}) on every shipped sample, against the Kafka path on the same data.
 */
class LocalRunIT {
    @Test
    void replaysARealGdeltFileAndWritesAReportReadBackFromTheOutputs(@TempDir Path out) throws Exception {
        RunSummary summary = LocalRun.run(LocalRun.arguments(
                "--input", GdeltSamples.export2019().toString(), "--out", out.toString(), "--partitions", "2"));

        // 2,111 rows; 37 have no geo country at all and are sent with an empty country_code on purpose
        assertThat(summary.eventsRead()).isEqualTo(2_111);
        assertThat(summary.deadLettered()).containsExactly(java.util.Map.entry("INVALID_COUNTRY_CODE", 37L));
        assertThat(summary.valid()).isEqualTo(2_074);
        assertThat(summary.duplicatesDropped()).isZero();
        assertThat(summary.late()).isZero();
        assertThat(summary.windowsEmitted()).isEqualTo(summary.aggregateRows()).isPositive();
        assertThat(summary.anomalies()).isEqualTo(summary.anomalyRows());

        JsonNode json = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        for (String field : List.of("eventsRead", "valid", "deadLettered", "duplicatesDropped", "late",
                "windowsEmitted", "anomalies", "aggregateRows")) {
            assertThat(json.has(field)).as("summary.json has %s", field).isTrue();
        }
        assertThat(json.get("deadLettered").get("INVALID_COUNTRY_CODE").asLong()).isEqualTo(37);
        // The run reconciled itself: every window it emitted, recomputed from the raw topic, agrees.
        JsonNode reconciliation = json.get("reconciliation");
        assertThat(reconciliation.get("mismatches").asInt()).isZero();
        assertThat(reconciliation.get("notComparable").asInt()).isZero();
        assertThat(reconciliation.get("windowsCompared").asLong()).isEqualTo(summary.aggregateRows());

        List<String> aggregates = Files.readAllLines(out.resolve("aggregates.csv"));
        assertThat(aggregates.get(0)).isEqualTo("window_start,window_end,country_code,event_type,count,"
                + "severity_sum,severity_mean,severity_min,severity_max,severity_stddev,revision");
        assertThat(aggregates).hasSize((int) summary.aggregateRows() + 1);
        assertThat(aggregates.get(1)).startsWith("2019-10-24T14:30:00Z,2019-10-24T14:31:00Z,");
        long eventsInWindows = aggregates.stream().skip(1).mapToLong(line -> Long.parseLong(line.split(",")[4])).sum();
        assertThat(eventsInWindows).isEqualTo(2_074);

        List<String> deadLetters = Files.readAllLines(out.resolve("dead-letters.csv"));
        assertThat(deadLetters.get(0)).isEqualTo("reason,source_topic,source_partition,source_offset,message");
        assertThat(deadLetters).hasSize(38);
        assertThat(deadLetters.get(1)).startsWith("INVALID_COUNTRY_CODE,geopolitical-events,");
        assertThat(Files.readAllLines(out.resolve("anomalies.csv"))).hasSize((int) summary.anomalyRows() + 1);

        theReportRendersInARealBrowserWithTheAlertsOfAnomaliesCsv(out);
    }

    /** report.html opened offline in headless Chromium: it renders, every chart has data, its alerts are the CSV's. */
    private static void theReportRendersInARealBrowserWithTheAlertsOfAnomaliesCsv(Path out) throws Exception {
        Path page = out.resolve("report.html");
        String html = Files.readString(page);
        assertThat(html).as("self-contained: nothing to fetch").doesNotContain("<script src", "<link", "url(", "@import")
                .doesNotContainPattern("(src|href)=\"?https?:");

        String dom = HeadlessChromium.in(out.resolve("browser")).dumpDom(page);

        assertThat(dom).as("the inline script ran to its end").contains("data-rendered=\"true\"");
        List<String> charts = matches(dom, "<svg class=\"chart\"[^>]*>.*?</svg>");
        assertThat(charts).as("two charts (count, mean severity) per charted key").isNotEmpty()
                .hasSize(2 * matches(dom, "<div class=\"card\"").size());
        assertThat(charts).as("every chart has data points").allSatisfy(chart ->
                assertThat(matches(chart, "<circle class=\"point[^\"]*\"")).isNotEmpty());

        Set<String> csvAlerts = new TreeSet<>();
        List<String> csv = Files.readAllLines(out.resolve("anomalies.csv"));
        assertThat(csv.get(0)).endsWith(",revision,retracted");
        for (String line : csv.subList(1, csv.size())) {
            String[] f = line.split(",");
            if (!Boolean.parseBoolean(f[12])) {
                csvAlerts.add(f[2] + "|" + f[3] + " " + f[4] + " " + f[0]);
            }
        }
        assertThat(alertsIn(dom, "<tr class=\"alert-row\"[^>]*>")).as("the alerts table").isEqualTo(csvAlerts);
        assertThat(alertsIn(dom, "<circle class=\"alert\"[^>]*>")).as("the alerts marked on the charts")
                .isEqualTo(csvAlerts);
    }

    /** "CC|TYPE METRIC windowStart" of each element the pattern matches, from its data attributes. */
    private static Set<String> alertsIn(String dom, String element) {
        Set<String> alerts = new TreeSet<>();
        for (String e : matches(dom, element)) {
            alerts.add(attribute(e, "data-key") + " " + attribute(e, "data-metric") + " " + attribute(e, "data-start"));
        }
        return alerts;
    }

    private static String attribute(String element, String name) {
        Matcher m = Pattern.compile(name + "=\"([^\"]*)\"").matcher(element);
        assertThat(m.find()).as("%s in %s", name, element).isTrue();
        return m.group(1);
    }

    private static List<String> matches(String text, String regex) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile(regex, Pattern.DOTALL).matcher(text);
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }

    @Test
    void theKinesisRunReadsEveryRecordStopsWithADrainAndGivesTheKafkaRunsOutputs(@TempDir Path tmp) throws Exception {
        Path kinesisOut = tmp.resolve("kinesis");
        Path kafkaOut = tmp.resolve("kafka");
        RunSummary kinesis = LocalRun.run(LocalRun.arguments("--source", "kinesis", "--out", kinesisOut.toString()));
        RunSummary kafka = LocalRun.run(LocalRun.arguments("--out", kafkaOut.toString()));

        // every shipped sample (2018 and 2019): 4,525 rows, 94 without a geo country
        assertThat(kinesis.eventsRead()).isEqualTo(4_525);
        assertThat(kinesis.valid()).isEqualTo(4_431);
        assertThat(kinesis.deadLettered()).containsExactly(Map.entry("INVALID_COUNTRY_CODE", 94L));
        assertThat(kinesis.duplicatesDropped()).isZero();
        assertThat(kinesis.late()).isZero();
        long eventsInWindows = Files.readAllLines(kinesisOut.resolve("aggregates.csv")).stream().skip(1)
                .mapToLong(line -> Long.parseLong(line.split(",")[4])).sum();
        assertThat(eventsInWindows).isEqualTo(4_431); // the drain fired the last open windows too

        // The same job graph after the source: the same totals and the same windows, row for row.
        // (the two rendered top-10 lists print means and scores, compared through aggregates.csv below)
        assertThat(kinesis).usingRecursiveComparison().ignoringFields("topAnomalies", "busiestKeys").isEqualTo(kafka);
        Map<String, double[]> kinesisWindows = windows(kinesisOut.resolve("aggregates.csv"));
        Map<String, double[]> kafkaWindows = windows(kafkaOut.resolve("aggregates.csv"));
        assertThat(kinesisWindows.keySet()).isEqualTo(kafkaWindows.keySet());
        kafkaWindows.forEach((window, expected) -> assertThat(kinesisWindows.get(window)).as(window)
                // another arrival order sums the severities in another order: the last printed digit may differ
                .containsExactly(expected, within(1e-5)));
        assertThat(Files.readAllLines(kinesisOut.resolve("anomalies.csv")))
                .hasSameSizeAs(Files.readAllLines(kafkaOut.resolve("anomalies.csv")));

        // Dead letters name stream and shard; the replay spread the records over the three shards.
        List<String> deadLetters = Files.readAllLines(kinesisOut.resolve("dead-letters.csv"));
        assertThat(deadLetters).hasSize(95);
        assertThat(deadLetters.stream().skip(1).map(line -> line.split(",")))
                .allSatisfy(f -> assertThat(f[0] + "," + f[1]).isEqualTo("INVALID_COUNTRY_CODE,geopolitical-events"))
                .extracting(f -> f[2]).allMatch(shard -> shard.startsWith("shardId-"))
                .containsOnly("shardId-000000000000", "shardId-000000000001", "shardId-000000000002");
    }

    /** aggregates.csv by window_start,window_end,country_code,event_type,revision: its numeric columns. */
    private static Map<String, double[]> windows(Path csv) throws Exception {
        Map<String, double[]> windows = new TreeMap<>();
        for (String line : Files.readAllLines(csv).subList(1, Files.readAllLines(csv).size())) {
            String[] f = line.split(",");
            double[] values = new double[6];
            for (int i = 0; i < 6; i++) {
                values[i] = Double.parseDouble(f[4 + i]);
            }
            assertThat(windows.put(String.join(",", f[0], f[1], f[2], f[3], f[10]), values)).as(line).isNull();
        }
        return windows;
    }

    @Test
    void badArgumentsAreNamed() {
        assertThatThrownBy(() -> LocalRun.arguments("--input"))
                .hasMessageContaining("--input needs at least one file");
        assertThatThrownBy(() -> LocalRun.arguments("--partitions", "many"))
                .hasMessageContaining("--partitions must be a whole number, got \"many\"");
        assertThatThrownBy(() -> LocalRun.arguments("--source", "pulsar"))
                .hasMessageContaining("--source must be kafka or kinesis, got \"pulsar\"");
        assertThatThrownBy(() -> LocalRun.run(LocalRun.arguments("--input", "no/such/file.CSV")))
                .hasMessageContaining("--input no/such/file.CSV: no such readable file");
    }
}
