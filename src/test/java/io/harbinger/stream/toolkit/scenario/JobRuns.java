package io.harbinger.stream.toolkit.scenario;

import io.harbinger.stream.HarbingerPipeline;
import io.harbinger.stream.config.JobConfig;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The real job graph run on a local MiniCluster, as the local platform (parallelism 2) runs it. */
public final class JobRuns {
    private JobRuns() {}

    /** Cluster settings that add Flink's Prometheus reporter on {@code port}, as the cluster in k8s/ has it. */
    public static Configuration prometheusReporter(int port) {
        Configuration cluster = new Configuration();
        cluster.setString("metrics.reporter.prom.factory.class",
                "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
        cluster.setString("metrics.reporter.prom.port", String.valueOf(port));
        return cluster;
    }

    /** Starts the job with extra cluster settings, optionally restoring from a checkpoint or savepoint. */
    public static JobClient start(JobConfig config, Path restoreFrom, Configuration cluster) throws Exception {
        Configuration flink = LocalPlatform.flinkConfiguration(config);
        flink.addAll(cluster);
        if (restoreFrom != null) {
            flink.set(StateRecoveryOptions.SAVEPOINT_PATH, restoreFrom.toUri().toString());
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(flink);
        HarbingerPipeline.build(env, config);
        return env.executeAsync(config.job().name());
    }

    /** Runs a job on bounded input to its end, or fails (and cancels it) when that takes longer than {@code within}. */
    public static void runToEnd(JobConfig config, Duration within) throws Exception {
        JobClient job = start(config, null, new Configuration());
        try {
            job.getJobExecutionResult().get(within.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            job.cancel().get(30, TimeUnit.SECONDS);
            throw new AssertionError("the job did not finish its bounded input within " + within.toSeconds() + " s", e);
        }
    }

    /**
     * Runs a job that must fail, with Flink's restart strategy {@code none} (the job config has no restart key),
     * and returns its failure, which must come within {@code within}; {@code whyItMustFail} names the cause.
     */
    public static Throwable failure(JobConfig config, Duration within, String whyItMustFail) throws Exception {
        Configuration noRestarts = new Configuration();
        noRestarts.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        JobClient job = start(config, null, noRestarts);
        try {
            job.getJobExecutionResult().get(within.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            return e;
        } catch (TimeoutException e) {
            job.cancel().get(30, TimeUnit.SECONDS);
            throw new AssertionError("the job neither failed nor finished within " + within.toSeconds() + " s", e);
        }
        throw new AssertionError("the job finished although " + whyItMustFail);
    }
}
