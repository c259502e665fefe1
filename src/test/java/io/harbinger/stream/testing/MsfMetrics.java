package io.harbinger.stream.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What CloudWatch holds for this job on Amazon Managed Service for Apache Flink (namespace
 * {@code AWS/KinesisAnalytics}), by CloudWatch metric name and dimensions: the job's own metrics, which the job
 * registers under the {@code kinesisanalytics} group there (MsfMetricsIT finds each one in the real job graph on
 * the MSF path, in the operators named here), and the service's own metrics that the alarms in
 * jobs-config/msf-cloudwatch-alarms.yaml use, quoted from the AWS documentation. docs/metrics.md lists the
 * same names (MetricsDocumentationTest), and every alarm names one of them (MsfCloudWatchAlarmsTest). No test
 * here talks to the service: what it does with a registered metric is taken from its documentation.
 */
public final class MsfMetrics {
    public static final String NAMESPACE = "AWS/KinesisAnalytics";
    /** The dimension the service puts on every metric: the application's name. */
    public static final String APPLICATION = "Application";

    /**
     * A metric the job registers itself.
     *
     * @param name        CloudWatch metric name (the Flink metric's name)
     * @param dimensions  dimensions besides {@link #APPLICATION}: the key-value groups below {@code kinesisanalytics}
     * @param operators   the operators that register it on the MSF path (its Operator dimension at
     *                    MetricsLevel OPERATOR and above)
     * @param prometheus  the same metric's name on a cluster
     */
    public record JobMetric(String name, List<String> dimensions, List<String> operators, String prometheus) {
        public List<String> allDimensions() {
            List<String> all = new ArrayList<>();
            all.add(APPLICATION);
            all.addAll(dimensions);
            return all;
        }
    }

    /**
     * A metric the service publishes by itself.
     *
     * @param dimensions its dimensions at the Application level (what MetricsLevel APPLICATION publishes)
     * @param source     where that is documented
     */
    public record ServiceMetric(String name, List<String> dimensions, String source) {}

    static final String SPLIT = "Split off dead letters";

    public static final JobMetric RECORDS_IN = job("recordsIn", List.of(), List.of(SPLIT), JobMetrics.RECORDS_IN);
    public static final JobMetric RECORDS_VALID =
            job("recordsValid", List.of(), List.of(SPLIT), JobMetrics.RECORDS_VALID);
    public static final JobMetric DEAD_LETTERED =
            job("recordsDeadLettered", List.of("reason"), List.of(SPLIT), JobMetrics.DEAD_LETTERED);
    public static final JobMetric DUPLICATES_DROPPED = job("duplicatesDropped", List.of(),
            List.of("Drop duplicate event_ids"), JobMetrics.DUPLICATES_DROPPED);
    public static final JobMetric EVENT_TIME_LAG = job("eventTimeLagMs", List.of(),
            List.of("Drop duplicate event_ids"), JobMetrics.EVENT_TIME_LAG);
    public static final JobMetric LATE_EVENTS =
            job("lateEvents", List.of(), List.of("Mark late events"), JobMetrics.LATE_EVENTS);
    public static final JobMetric IGNORED_EVENTS =
            job("ignoredEvents", List.of(), List.of("Ignore event types"), JobMetrics.IGNORED_EVENTS);
    public static final JobMetric WINDOWS_EMITTED = job("windowsEmitted", List.of(),
            List.of("Severity per (country, type) window"), JobMetrics.WINDOWS_EMITTED);
    public static final JobMetric ANOMALIES =
            job("anomalies", List.of(), List.of("Score against baseline"), JobMetrics.ANOMALIES);
    static final List<String> UPSERT_WRITERS =
            List.of("Aggregates table (upsert): Writer", "Anomalies table (upsert): Writer");
    public static final JobMetric UPSERTED_ROWS =
            job("upsertedRows", List.of(), UPSERT_WRITERS, JobMetrics.UPSERTED_ROWS);
    public static final JobMetric UPSERT_RETRIES =
            job("upsertRetries", List.of(), UPSERT_WRITERS, JobMetrics.UPSERT_RETRIES);

    public static final List<JobMetric> JOB = List.of(RECORDS_IN, RECORDS_VALID, DEAD_LETTERED, DUPLICATES_DROPPED,
            EVENT_TIME_LAG, LATE_EVENTS, IGNORED_EVENTS, WINDOWS_EMITTED, ANOMALIES, UPSERTED_ROWS, UPSERT_RETRIES);

    /**
     * Job metrics of a cluster that are not exported on the service: the registry client's counts live in the
     * source's deserializer, one per Kinesis shard, below the connector's own groups.
     */
    public static final List<String> CLUSTER_ONLY =
            List.of(JobMetrics.REGISTRY_REQUESTS.name(), JobMetrics.REGISTRY_CACHE_HITS.name());

    /*
     * The service's metrics, from "Metrics and dimensions in Managed Service for Apache Flink",
     * https://docs.aws.amazon.com/managed-flink/latest/java/metrics-dimensions.html (Level column; "Application"
     * is the dimension the service puts on every metric). Quoted there, for FLINK-1_x runtimes:
     *   downtime | Milliseconds | For jobs currently in a failing/recovering situation, the time elapsed during
     *       this outage. | Application
     *   uptime | Milliseconds | The time that the job has been running without interruption. | Application
     *   fullRestarts | Count | The total number of times this job has fully restarted since it was submitted.
     *       | Application   (removed with the Flink 2.2 runtime, where numRestarts replaces it)
     *   numberOfFailedCheckpoints | Count | The number of times checkpointing has failed. | Application
 *   lastCheckpointDuration | Milliseconds | The time it took to complete the last checkpoint | Application
     *   numLateRecordsDropped | Count | The number of records this operator or task has dropped due to arriving
     *       late. | Application, Operator, Task, Parallelism
     *   millisBehindLatest | Milliseconds | The number of milliseconds the consumer is behind the head of the
     *       stream, indicating how far behind current time the consumer is. | Application (for Stream),
     *       Parallelism (for ShardId)
     *   records_lag_max | Count | The maximum lag in terms of number of records for any partition in this
     *       window | Application, Operator, Task, Parallelism
     * The names of millisBehindLatest's Application-level dimensions (Id = the stream, Flow = Input) are those of
     * AWS's own sample dashboard, https://github.com/aws-samples/kda-metrics-dashboard
     * (kda-cw-dashboard-cfn-template.yaml: "millisBehindLatest","Id","<stream>","Application","<app>","Flow","Input").
     */
    static final String METRICS_DIMENSIONS = "https://docs.aws.amazon.com/managed-flink/latest/java/metrics-dimensions.html";
    static final String KDA_DASHBOARD = "https://github.com/aws-samples/kda-metrics-dashboard";

    public static final List<ServiceMetric> SERVICE = List.of(
            new ServiceMetric("downtime", List.of(APPLICATION), METRICS_DIMENSIONS),
            new ServiceMetric("uptime", List.of(APPLICATION), METRICS_DIMENSIONS),
            new ServiceMetric("fullRestarts", List.of(APPLICATION), METRICS_DIMENSIONS),
            new ServiceMetric("numberOfFailedCheckpoints", List.of(APPLICATION), METRICS_DIMENSIONS),
            new ServiceMetric("lastCheckpointDuration", List.of(APPLICATION), METRICS_DIMENSIONS),
            new ServiceMetric("numLateRecordsDropped", List.of(APPLICATION), METRICS_DIMENSIONS),
            new ServiceMetric("millisBehindLatest", List.of(APPLICATION, "Id", "Flow"),
                    METRICS_DIMENSIONS + " " + KDA_DASHBOARD),
            new ServiceMetric("records_lag_max", List.of(APPLICATION), METRICS_DIMENSIONS));

    private MsfMetrics() {}

    public static Optional<JobMetric> job(String name) {
        return JOB.stream().filter(m -> m.name().equals(name)).findFirst();
    }

    public static Optional<ServiceMetric> service(String name) {
        return SERVICE.stream().filter(m -> m.name().equals(name)).findFirst();
    }

    /** The dimensions a metric of either kind has at the Application level, or empty if neither list has it. */
    public static Optional<List<String>> dimensionsOf(String name) {
        Optional<JobMetric> job = job(name);
        if (job.isPresent()) {
            return Optional.of(job.get().allDimensions());
        }
        return service(name).map(ServiceMetric::dimensions);
    }

    private static JobMetric job(String name, List<String> dimensions, List<String> operators,
                                 JobMetrics.Metric prometheus) {
        return new JobMetric(name, dimensions, operators, prometheus.name());
    }
}
