package io.harbinger.stream;

import io.harbinger.stream.testing.JobMetrics;
import io.harbinger.stream.testing.MsfMetrics;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/metrics.md documents exactly the metrics that MetricsIT finds in a live scrape (JobMetrics), and, for
 * Managed Service for Apache Flink, exactly the CloudWatch names and dimensions that MsfMetricsIT checks and the
 * service metrics the alarms use (MsfMetrics).
 */
class MetricsDocumentationTest {
    private static final Pattern TABLE_ROW_NAME = Pattern.compile("(?m)^\\| `(flink_[A-Za-z0-9_]+)` \\| ([^|]+) \\|");
    /** A row of a CloudWatch table: metric, dimensions, then the rest of the row. */
    private static final Pattern CLOUDWATCH_ROW =
            Pattern.compile("(?m)^\\| `([A-Za-z_]+)` \\| ((?:`[A-Za-z]+`(?:, )?)+) \\| (.+) \\|$");
    private static final Pattern CODE = Pattern.compile("`([^`]+)`");

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

    @Test
    void theManagedServiceTablesListTheCloudWatchNamesDimensionsAndOperatorsTheTestsCheck() throws Exception {
        String doc = Files.readString(Path.of("docs/metrics.md"));
        String job = section(doc, "### The job's own metrics in CloudWatch");
        String service = section(doc, "### The service's metrics the alarms use");

        List<String> jobRows = new ArrayList<>();
        Matcher m = CLOUDWATCH_ROW.matcher(job);
        while (m.find()) {
            jobRows.add(m.group(1));
            MsfMetrics.JobMetric metric = MsfMetrics.job(m.group(1)).orElseThrow(
                    () -> new AssertionError("docs/metrics.md lists " + m.group(1) + ", which MsfMetrics does not"));
            assertThat(codes(m.group(2))).as(metric.name() + " dimensions").isEqualTo(metric.allDimensions());
            String[] rest = m.group(3).split(" \\| ");
            assertThat(List.of(rest[0].split("; "))).as(metric.name() + " operators")
                    .isEqualTo(metric.operators());
            assertThat(codes(rest[1])).as(metric.name() + " Prometheus name").containsExactly(metric.prometheus());
        }
        assertThat(jobRows).isEqualTo(MsfMetrics.JOB.stream().map(MsfMetrics.JobMetric::name).toList());

        List<String> serviceRows = new ArrayList<>();
        Matcher s = CLOUDWATCH_ROW.matcher(service);
        while (s.find()) {
            serviceRows.add(s.group(1));
            assertThat(codes(s.group(2))).as(s.group(1) + " dimensions")
                    .isEqualTo(MsfMetrics.service(s.group(1)).orElseThrow().dimensions());
        }
        assertThat(serviceRows).isEqualTo(MsfMetrics.SERVICE.stream().map(MsfMetrics.ServiceMetric::name).toList());
    }

    private static String section(String doc, String heading) {
        int start = doc.indexOf(heading);
        assertThat(start).as(heading).isNotNegative();
        int end = doc.indexOf("\n#", start + heading.length());
        return end < 0 ? doc.substring(start) : doc.substring(start, end);
    }

    private static List<String> codes(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = CODE.matcher(text);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }
}
