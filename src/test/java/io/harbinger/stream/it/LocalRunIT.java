package io.harbinger.stream.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.harbinger.stream.local.LocalRun;
import io.harbinger.stream.local.RunSummary;
import io.harbinger.stream.local.gdelt.GdeltSamples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The README's first command, minus Maven: the local runner on the real 2019 GDELT sample. */
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
    }

    @Test
    void badArgumentsAreNamed() {
        assertThatThrownBy(() -> LocalRun.arguments("--input"))
                .hasMessageContaining("--input needs at least one file");
        assertThatThrownBy(() -> LocalRun.arguments("--partitions", "many"))
                .hasMessageContaining("--partitions must be a whole number, got \"many\"");
        assertThatThrownBy(() -> LocalRun.run(LocalRun.arguments("--input", "no/such/file.CSV")))
                .hasMessageContaining("--input no/such/file.CSV: no such readable file");
    }
}
