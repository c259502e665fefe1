package io.harbinger.stream;

import io.harbinger.stream.records.Reason;
import io.harbinger.stream.testing.MsfMetrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * jobs-config/msf-cloudwatch-alarms.yaml, the CloudWatch alarms for Managed Service for Apache Flink: a
 * CloudFormation template whose every alarm reads a metric that exists there, in namespace AWS/KinesisAnalytics
 * with exactly that metric's dimensions. A metric exists when the job registers it on the MSF path (the list
 * MsfMetricsIT checks against the running job graph) or when the AWS documentation lists it as the service's
 * (quoted, with its URL, in {@link MsfMetrics}). Every alert of k8s/base/prometheusrule.yaml has an alarm for
 * each source type or is named, with the reason, as having no data on the service. CloudFormation itself is not
 * run here (no AWS): the template's references and the alarm properties are checked against the
 * AWS::CloudWatch::Alarm resource's documented properties and values.
 */
class MsfCloudWatchAlarmsTest {
    private static final Path TEMPLATE = Path.of("jobs-config/msf-cloudwatch-alarms.yaml");
    private static final Path PROMETHEUS_RULES = Path.of("k8s/base/prometheusrule.yaml");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Set<String> PSEUDO_PARAMETERS =
            Set.of("AWS::NoValue", "AWS::Region", "AWS::AccountId", "AWS::StackName", "AWS::Partition");
    /** AWS::CloudWatch::Alarm's properties (CloudFormation resource reference). */
    private static final Set<String> ALARM_PROPERTIES = Set.of("ActionsEnabled", "AlarmActions", "AlarmDescription",
            "AlarmName", "ComparisonOperator", "DatapointsToAlarm", "Dimensions", "EvaluateLowSampleCountPercentile",
            "EvaluationPeriods", "ExtendedStatistic", "InsufficientDataActions", "MetricName", "Metrics", "Namespace",
            "OKActions", "Period", "Statistic", "Tags", "Threshold", "ThresholdMetricId", "TreatMissingData", "Unit");
    private static final Set<String> COMPARISONS = Set.of("GreaterThanOrEqualToThreshold", "GreaterThanThreshold",
            "LessThanThreshold", "LessThanOrEqualToThreshold");
    private static final Set<String> STATISTICS = Set.of("SampleCount", "Average", "Sum", "Minimum", "Maximum");
    private static final Set<String> MISSING_DATA = Set.of("breaching", "notBreaching", "ignore", "missing");
    /** Metric math functions and operators the expressions may use; all of them work in alarms. */
    private static final Set<String> FUNCTIONS = Set.of("RATE", "DIFF", "IF", "AND", "OR");
    private static final Pattern METRIC_ID = Pattern.compile("[a-z][a-zA-Z0-9_]*");
    private static final Pattern WORD = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern SUB_REFERENCE = Pattern.compile("\\$\\{([^}!]+)}");
    private static final Pattern ALERT = Pattern.compile("(?m)^\\s*- alert: (\\S+)\\s*$");

    private static String text;
    private static JsonNode template;
    private static Map<String, JsonNode> alarms;

    @BeforeAll
    static void read() throws Exception {
        text = Files.readString(TEMPLATE);
        template = YAML.readTree(text);
        alarms = new LinkedHashMap<>();
        template.path("Resources").fields().forEachRemaining(e -> alarms.put(e.getKey(), e.getValue()));
    }

    @Test
    void itIsATemplateOfAlarmsWhoseReferencesAllResolve() {
        // Long-form intrinsic functions only: YAML tags such as !Ref would be read as plain strings here.
        assertThat(text).doesNotContainPattern("(?m)(^|[\\s\\[{,:])!(Ref|Sub|If|Equals|Not|GetAtt|Join|Select|Split)\\b");
        assertThat(template.path("AWSTemplateFormatVersion").asText()).isEqualTo("2010-09-09");
        assertThat(names(template)).isSubsetOf("AWSTemplateFormatVersion", "Description", "Metadata", "Parameters",
                "Conditions", "Resources");
        assertThat(alarms).isNotEmpty();

        Set<String> parameters = names(template.path("Parameters"));
        Set<String> conditions = names(template.path("Conditions"));
        Set<String> used = new TreeSet<>();
        visit(template, node -> {
            if (node.has("Ref")) {
                String ref = node.get("Ref").asText();
                assertThat(parameters.contains(ref) || PSEUDO_PARAMETERS.contains(ref)).as("Ref " + ref).isTrue();
                used.add(ref);
            }
            if (node.has("Fn::Sub")) {
                Matcher m = SUB_REFERENCE.matcher(node.get("Fn::Sub").asText());
                while (m.find()) {
                    assertThat(parameters.contains(m.group(1)) || PSEUDO_PARAMETERS.contains(m.group(1)))
                            .as("${" + m.group(1) + "}").isTrue();
                    used.add(m.group(1));
                }
            }
            if (node.has("Fn::If")) {
                assertThat(conditions).as("Fn::If").contains(node.get("Fn::If").get(0).asText());
            }
        });
        assertThat(used).as("every parameter is used").containsAll(parameters);
        for (JsonNode parameter : template.path("Parameters")) {
            assertThat(parameter.path("Type").asText()).isIn("String", "Number");
            assertThat(parameter.has("Default")).as("defaults for every parameter").isTrue();
        }
        alarms.forEach((id, alarm) -> {
            assertThat(alarm.path("Type").asText()).as(id).isEqualTo("AWS::CloudWatch::Alarm");
            if (alarm.has("Condition")) {
                assertThat(conditions).as(id + " condition").contains(alarm.get("Condition").asText());
            }
        });
    }

    @Test
    void everyAlarmIsWellFormed() {
        Set<String> numberParameters = new HashSet<>();
        template.path("Parameters").fields().forEachRemaining(e -> {
            if (e.getValue().path("Type").asText().equals("Number")) {
                numberParameters.add(e.getKey());
            }
        });
        alarms.forEach((id, alarm) -> {
            JsonNode p = alarm.path("Properties");
            assertThat(names(p)).as(id + " properties").isSubsetOf(ALARM_PROPERTIES);
            assertThat(p.path("AlarmName").path("Fn::Sub").asText()).as(id + " name")
                    .isEqualTo("${ApplicationName}-" + id);
            assertThat(p.path("AlarmDescription").asText()).as(id).matches("(?s)\\[(warning|critical)] .+");
            assertThat(p.path("ComparisonOperator").asText()).as(id).isIn(COMPARISONS);
            assertThat(p.path("TreatMissingData").asText()).as(id).isIn(MISSING_DATA);
            int evaluationPeriods = p.path("EvaluationPeriods").asInt();
            assertThat(evaluationPeriods).as(id).isPositive();
            assertThat(p.path("DatapointsToAlarm").asInt()).as(id).isBetween(1, evaluationPeriods);
            JsonNode threshold = p.path("Threshold");
            assertThat(threshold.isNumber() || numberParameters.contains(threshold.path("Ref").asText()))
                    .as(id + " threshold: a number or a Number parameter").isTrue();
            for (String actions : List.of("AlarmActions", "OKActions")) {
                assertThat(p.path(actions).path("Fn::If").get(0).asText()).as(id + " " + actions)
                        .isEqualTo("HasTopic");
            }
            assertThat(p.has("Metrics")).as(id + ": one metric or metric math, not both")
                    .isNotEqualTo(p.has("MetricName"));
            if (p.has("MetricName")) {
                assertThat(p.path("Statistic").asText()).as(id).isIn(STATISTICS);
                assertPeriod(id, p.path("Period").asInt());
            } else {
                assertMetricMath(id, p.path("Metrics"));
            }
        });
    }

    @Test
    void everyAlarmReadsAMetricTheJobOrTheServiceReallyHasWithItsDimensions() {
        Map<String, String> appliedTo = new LinkedHashMap<>();
        alarms.forEach((id, alarm) -> {
            for (JsonNode metric : metricsOf(alarm.path("Properties"))) {
                String name = metric.path("MetricName").asText();
                appliedTo.put(id + "/" + name, name);
                assertThat(metric.path("Namespace").asText()).as(id + " " + name).isEqualTo(MsfMetrics.NAMESPACE);
                assertThat(MsfMetrics.dimensionsOf(name)).as(id + ": " + name
                        + " is neither registered by the job on the MSF path nor documented as the service's").isPresent();
                List<String> dimensions = new ArrayList<>();
                for (JsonNode d : metric.path("Dimensions")) {
                    String dimension = d.path("Name").asText();
                    dimensions.add(dimension);
                    JsonNode value = d.path("Value");
                    switch (dimension) {
                        case "Application" -> assertThat(value.path("Ref").asText()).as(id).isEqualTo("ApplicationName");
                        case "Id" -> assertThat(value.path("Ref").asText()).as(id).isEqualTo("KinesisStreamName");
                        case "Flow" -> assertThat(value.asText()).as(id).isEqualTo("Input");
                        case "reason" -> assertThat(Reason.valueOf(value.asText())).as(id).isNotEqualTo(Reason.LATE);
                        default -> throw new AssertionError(id + ": dimension " + dimension + " has no rule here");
                    }
                }
                assertThat(dimensions).as(id + " " + name + " dimensions")
                        .containsExactlyInAnyOrderElementsOf(MsfMetrics.dimensionsOf(name).get());
                if (name.equals("millisBehindLatest")) {
                    assertThat(alarm.path("Condition").asText()).as(id).isEqualTo("IsKinesis");
                }
                if (name.equals("records_lag_max")) {
                    assertThat(alarm.path("Condition").asText()).as(id).isEqualTo("IsKafka");
                }
            }
        });
        // The job's metrics the alarms need are there: dead letters, event-time lag, upsert retries.
        assertThat(appliedTo.values()).contains(MsfMetrics.RECORDS_IN.name(), MsfMetrics.RECORDS_VALID.name(),
                MsfMetrics.EVENT_TIME_LAG.name(), MsfMetrics.UPSERT_RETRIES.name(), "fullRestarts", "downtime",
                "numberOfFailedCheckpoints", "millisBehindLatest", "records_lag_max");
    }

    @Test
    void everyPrometheusAlertHasAnAlarmForEachSourceOrAReasonWhyNot() throws Exception {
        Set<String> alerts = new TreeSet<>();
        Matcher m = ALERT.matcher(Files.readString(PROMETHEUS_RULES));
        while (m.find()) {
            alerts.add(m.group(1));
        }
        assertThat(alerts).hasSizeGreaterThan(5);

        Map<String, String> withoutData = new LinkedHashMap<>();
        template.path("Metadata").path("PrometheusAlertsWithoutData").fields()
                .forEachRemaining(e -> withoutData.put(e.getKey(), e.getValue().asText()));
        assertThat(withoutData.keySet()).as("alerts said to have no data").isSubsetOf(alerts);
        withoutData.forEach((alert, why) -> assertThat(why).as(alert).hasSizeGreaterThan(40));

        // Alerts of one source type (e.g. the design's Kafka rule) need an alarm with that source only.
        Map<String, String> oneSource = new LinkedHashMap<>();
        template.path("Metadata").path("PrometheusAlertsOfOneSource").fields()
                .forEachRemaining(e -> oneSource.put(e.getKey(), e.getValue().asText()));
        assertThat(oneSource.keySet()).as("alerts said to be of one source").isSubsetOf(alerts)
                .doesNotContainAnyElementsOf(withoutData.keySet());
        oneSource.forEach((alert, why) -> assertThat(why).as(alert).matches("(?s)(IsKafka|IsKinesis)\\. .{40,}"));

        for (String source : List.of("IsKinesis", "IsKafka")) {
            Set<String> covered = new TreeSet<>();
            alarms.forEach((id, alarm) -> {
                String alert = alarm.path("Metadata").path("PrometheusAlert").asText();
                assertThat(alerts).as(id + " names the alert it stands for").contains(alert);
                if (!alarm.has("Condition") || alarm.get("Condition").asText().equals(source)) {
                    covered.add(alert);
                }
            });
            assertThat(covered).as("with " + source + ", no alarm for an alert said to have no data")
                    .doesNotContainAnyElementsOf(withoutData.keySet());
            Set<String> expected = new TreeSet<>(alerts);
            expected.removeAll(withoutData.keySet());
            oneSource.forEach((alert, why) -> {
                if (!why.startsWith(source + ".")) {
                    expected.remove(alert);
                }
            });
            assertThat(covered).as("alerts with an alarm when " + source).isEqualTo(expected);
        }
    }

    private static void assertMetricMath(String id, JsonNode metrics) {
        Set<String> ids = new HashSet<>();
        Set<String> metricIds = new HashSet<>();
        List<String> expressions = new ArrayList<>();
        int returned = 0;
        for (JsonNode q : metrics) {
            String qid = q.path("Id").asText();
            assertThat(qid).as(id + " id").matches(METRIC_ID);
            assertThat(ids.add(qid)).as(id + ": id " + qid + " twice").isTrue();
            assertThat(q.has("Expression")).as(id + "/" + qid + ": an expression or a metric")
                    .isNotEqualTo(q.has("MetricStat"));
            if (q.path("ReturnData").asBoolean(false)) {
                returned++;
                assertThat(q.has("Expression")).as(id + ": the alarm compares an expression").isTrue();
            }
            if (q.has("Expression")) {
                expressions.add(q.get("Expression").asText());
            } else {
                metricIds.add(qid);
                JsonNode stat = q.path("MetricStat");
                assertThat(stat.path("Stat").asText()).as(id + "/" + qid).isIn(STATISTICS);
                assertPeriod(id + "/" + qid, stat.path("Period").asInt());
            }
        }
        assertThat(returned).as(id + ": exactly one result").isEqualTo(1);
        Set<String> referenced = new HashSet<>();
        for (String expression : expressions) {
            Matcher words = WORD.matcher(expression);
            while (words.find()) {
                String word = words.group();
                if (FUNCTIONS.contains(word)) {
                    continue;
                }
                assertThat(metricIds).as(id + ": " + expression + " refers to " + word).contains(word);
                referenced.add(word);
            }
        }
        assertThat(referenced).as(id + ": every metric is used").isEqualTo(metricIds);
    }

    private static void assertPeriod(String id, int period) {
        assertThat(period == 10 || period == 30 || (period >= 60 && period % 60 == 0)).as(id + " period " + period)
                .isTrue();
    }

    /** The metrics an alarm reads: its own, or those of its metric math. */
    private static List<JsonNode> metricsOf(JsonNode properties) {
        List<JsonNode> out = new ArrayList<>();
        if (properties.has("MetricName")) {
            out.add(properties);
        }
        for (JsonNode q : properties.path("Metrics")) {
            if (q.has("MetricStat")) {
                out.add(q.path("MetricStat").path("Metric"));
            }
        }
        return out;
    }

    private static Set<String> names(JsonNode node) {
        Set<String> out = new TreeSet<>();
        node.fieldNames().forEachRemaining(out::add);
        return out;
    }

    private static void visit(JsonNode node, Consumer<JsonNode> visitor) {
        if (node.isObject()) {
            visitor.accept(node);
        }
        for (JsonNode child : node) {
            visit(child, visitor);
        }
    }
}
