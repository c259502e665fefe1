package io.harbinger.stream.testing;

import java.util.List;

/**
 * The metrics this job exports through Flink's Prometheus reporter, by their Prometheus names. One list for
 * the scrape test (MetricsIT finds each one), the alert rules in k8s/ (every metric an alert names is here)
 * and docs/metrics.md (documents exactly these), so none of them can drift from what the job really exports.
 */
public final class JobMetrics {
    /** Labels Flink's reporter puts on every operator metric (a subset that queries and alerts use). */
    public static final List<String> OPERATOR = List.of("job_name", "task_name", "operator_name", "subtask_index");
    public static final List<String> JOB = List.of("job_name", "job_id");
    /** Labels of a task's metrics (Flink's task scope). */
    public static final List<String> TASK = List.of("job_name", "task_name", "subtask_index");

    /**
     * @param name                Prometheus name
     * @param type                Prometheus type in the scrape (Flink exports counters as gauges)
     * @param labels              labels the series always carry
     * @param nonZeroInMetricsIT  whether MetricsIT's input makes it non-zero
     */
    public record Metric(String name, String type, List<String> labels, boolean nonZeroInMetricsIT) {}

    private static final String OP = "flink_taskmanager_job_task_operator_";
    private static final String H = OP + "harbinger_";
    /** The decode-and-validate stage runs in the Kafka source's deserializer, whose group Flink names so. */
    private static final String D = OP + "deserializer_harbinger_";

    public static final Metric RECORDS_IN = op(D + "recordsIn", true);
    public static final Metric RECORDS_VALID = op(D + "recordsValid", true);
    public static final Metric DEAD_LETTERED = new Metric(D + "reason_recordsDeadLettered", "gauge",
            with(OPERATOR, "reason"), true);
    public static final Metric REGISTRY_REQUESTS = op(D + "registryRequests", true);
    public static final Metric REGISTRY_CACHE_HITS = op(D + "registryCacheHits", true);
    public static final Metric DUPLICATES_DROPPED = op(H + "duplicatesDropped", true);
    public static final Metric EVENT_TIME_LAG = op(H + "eventTimeLagMs", true);
    public static final Metric LATE_EVENTS = op(H + "lateEvents", true);
    public static final Metric IGNORED_EVENTS = op(H + "ignoredEvents", true);
    public static final Metric WINDOWS_EMITTED = op(H + "windowsEmitted", true);
    /** Flink's window operator's own counter; zero unless the pre-aggregation's lateness rule is broken. */
    public static final Metric LATE_PARTIALS_DROPPED = op(OP + "numLateRecordsDropped", false);
    public static final Metric ANOMALIES = op(H + "anomalies", true);

    // Kafka source (connector metrics)
    public static final Metric CONSUMER_LAG_MAX = op(OP + "KafkaSourceReader_KafkaConsumer_records_lag_max", true);
    /**
     * The job's own per-partition lag gauge (LagReportingKafkaSource), next to the connector's offsets. MetricsIT's
     * small burst is read within milliseconds, faster than a scrape sees; PrometheusAlertsIT holds a partition
     * more than 10,000 records behind and sees it.
     */
    public static final Metric RECORDS_LAG = new Metric(OP + "KafkaSourceReader_topic_partition_recordsLag",
            "gauge", with(OPERATOR, "topic", "partition"), false);
    public static final Metric PENDING_RECORDS = op(OP + "pendingRecords", false);
    public static final Metric CURRENT_OFFSET = new Metric(OP + "KafkaSourceReader_topic_partition_currentOffset",
            "gauge", with(OPERATOR, "topic", "partition"), true);
    public static final Metric COMMITTED_OFFSET = new Metric(OP + "KafkaSourceReader_topic_partition_committedOffset",
            "gauge", with(OPERATOR, "topic", "partition"), true);
    public static final Metric OFFSET_COMMITS_FAILED = op(OP + "KafkaSourceReader_commitsFailed", false);

    // Sinks: Kafka writers count sends and send errors; the PostgreSQL upsert writers count rows and retries.
    public static final Metric UPSERTED_ROWS = op(H + "upsertedRows", true);
    public static final Metric UPSERT_RETRIES = op(H + "upsertRetries", false);
    public static final Metric RECORDS_SENT = op(OP + "numRecordsSend", true);
    public static final Metric SINK_ERRORS = op(OP + "numRecordsSendErrors", false);
    public static final Metric PRODUCER_ERRORS = op(OP + "KafkaProducer_record_error_total", false);
    public static final Metric PRODUCER_SENDS = op(OP + "KafkaProducer_record_send_total", true);
    public static final Metric SOURCE_WATERMARK_LAG = op(OP + "watermarkLag", true);
    public static final Metric OPERATOR_RECORDS_IN = op(OP + "numRecordsIn", true);

    // Job-level, from the JobManager
    public static final Metric COMPLETED_CHECKPOINTS = job("flink_jobmanager_job_numberOfCompletedCheckpoints", true);
    public static final Metric FAILED_CHECKPOINTS = job("flink_jobmanager_job_numberOfFailedCheckpoints", false);
    public static final Metric RESTARTS = job("flink_jobmanager_job_numRestarts", false);
    public static final Metric RUNNING_TIME = job("flink_jobmanager_job_runningTime", true);
    public static final Metric LAST_CHECKPOINT_DURATION = job("flink_jobmanager_job_lastCheckpointDuration", true);
    /** Flink's task metric: ms per second the task waited for its downstream; zero unless something is slow. */
    public static final Metric BACKPRESSURED_TIME =
            new Metric("flink_taskmanager_job_task_backPressuredTimeMsPerSecond", "gauge", TASK, false);

    public static final List<Metric> ALL = List.of(RECORDS_IN, RECORDS_VALID, DEAD_LETTERED, REGISTRY_REQUESTS,
            REGISTRY_CACHE_HITS, DUPLICATES_DROPPED, EVENT_TIME_LAG, LATE_EVENTS, IGNORED_EVENTS, WINDOWS_EMITTED, LATE_PARTIALS_DROPPED, ANOMALIES,
            CONSUMER_LAG_MAX, RECORDS_LAG, PENDING_RECORDS, CURRENT_OFFSET, COMMITTED_OFFSET, OFFSET_COMMITS_FAILED,
            UPSERTED_ROWS, UPSERT_RETRIES, RECORDS_SENT, SINK_ERRORS, PRODUCER_ERRORS, PRODUCER_SENDS, SOURCE_WATERMARK_LAG, OPERATOR_RECORDS_IN, COMPLETED_CHECKPOINTS, FAILED_CHECKPOINTS, RESTARTS,
            RUNNING_TIME, LAST_CHECKPOINT_DURATION, BACKPRESSURED_TIME);

    private JobMetrics() {}

    public static boolean isExported(String prometheusName) {
        return ALL.stream().anyMatch(m -> m.name().equals(prometheusName));
    }

    private static Metric op(String name, boolean nonZero) {
        return new Metric(name, "gauge", OPERATOR, nonZero);
    }

    private static Metric job(String name, boolean nonZero) {
        return new Metric(name, "gauge", JOB, nonZero);
    }

    private static List<String> with(List<String> base, String... more) {
        return java.util.stream.Stream.concat(base.stream(), java.util.stream.Stream.of(more)).toList();
    }
}
