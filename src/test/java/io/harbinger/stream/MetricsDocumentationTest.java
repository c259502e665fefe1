package io.harbinger.stream;

import io.harbinger.stream.testing.JobMetrics;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** docs/metrics.md documents exactly the metrics that MetricsIT finds in a live scrape (JobMetrics). */
class MetricsDocumentationTest {
    private static final Pattern TABLE_ROW_NAME = Pattern.compile("(?m)^\\| `(flink_[A-Za-z0-9_]+)` \\| ([^|]+) \\|");

    @Test
    void theMetricsPageListsEveryExportedMetricAndNoOther() throws Exception {
        String doc = Files.readString(Path.of("docs/metrics.md"));
        Set<String> documented = new TreeSet<>();
        Matcher m = TABLE_ROW_NAME.matcher(doc);
        while (m.find()) {
            assertThat(documented.add(m.group(1))).as("documented twice: " + m.group(1)).isTrue();
            assertThat(m.group(2).trim()).as(m.group(1) + " type").startsWith("gauge");
        }
        Set<String> exported = new TreeSet<>();
        JobMetrics.ALL.forEach(metric -> exported.add(metric.name()));
        assertThat(documented).isEqualTo(exported);
    }
}
