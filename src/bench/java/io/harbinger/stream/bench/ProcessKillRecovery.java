package io.harbinger.stream.bench;

import io.harbinger.stream.toolkit.cluster.FlinkCluster;
import io.harbinger.stream.toolkit.cluster.S3Proxy;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Phase 5, recovery from a killed TaskManager process: the shaded job jar on the project's multi-process
 * standalone cluster (a JobManager and two one-slot TaskManager JVMs, checkpoints on S3 through s3proxy),
 * {@code kill -9} of one TaskManager, a replacement TaskManager started at once (what Kubernetes does for a
 * dead pod), and the seconds until a {@code read_committed} consumer sees the first aggregate it had not seen
 * before. The cluster runs with the production settings that decide recovery (see {@link #PRODUCTION}).
 */
final class ProcessKillRecovery {
    /**
     * What decides how fast a killed TaskManager is noticed and the job restarted, as production runs it:
     * heartbeats and the restart strategy as k8s/base/flinkdeployment.yaml sets them. The test harness's own faster values are overridden on purpose.
     */
    static final Map<String, String> PRODUCTION = productionSettings();

    private final FlinkCluster flink;
    private final S3Proxy s3;
    private final String bucket;

    private ProcessKillRecovery(FlinkCluster flink, S3Proxy s3, String bucket) {
        this.flink = flink;
        this.s3 = s3;
        this.bucket = bucket;
    }

    private static Map<String, String> productionSettings() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("heartbeat.interval", "1000");
        s.put("heartbeat.timeout", "50000");
        s.put("restart-strategy.type", "exponential-delay");
        s.put("restart-strategy.exponential-delay.initial-backoff", "1 s");
        s.put("restart-strategy.exponential-delay.max-backoff", "5 min");
        s.put("restart-strategy.exponential-delay.backoff-multiplier", "2.0");
        s.put("restart-strategy.exponential-delay.reset-backoff-threshold", "1 h");
        s.put("restart-strategy.exponential-delay.jitter-factor", "0.1");
        // Production's TaskManager JVM options: with them set, the harness runs the TaskManagers with the JVM's
        // defaults (G1, C2) as production does, not its fast-start flags, which made catching up after the
        // restore slower than production's.
        s.put("env.java.opts.taskmanager", "-Dorg.apache.avro.limits.string.maxLength=16777216"
                + " -Dorg.apache.avro.limits.bytes.maxLength=16777216");
        return s;
    }

    /**
     * @param taskManagers      one-slot TaskManagers the job runs on (its parallelism)
     * @param spareTaskManagers TaskManagers beyond those, idle until a failover places tasks on them: what
     *                          {@code slotmanager.redundant-taskmanager-num} keeps in production's native
     *                          Kubernetes mode (a standalone cluster has no such setting, so they are started here)
     * @param slotManagedMemory a production slot's managed memory: each one-slot TaskManager gets it, and half a
     *                          production TaskManager's process memory
     */
    static ProcessKillRecovery start(Path work, int taskManagers, int spareTaskManagers, String slotProcessMemory,
                                     String slotManagedMemory, List<String> flinkOverrides) {
        String bucket = "bench";
        S3Proxy s3 = S3Proxy.start(work.resolve("s3"), bucket);
        Map<String, String> extra = new LinkedHashMap<>(PRODUCTION);
        extra.put("taskmanager.memory.process.size", slotProcessMemory);
        extra.put("taskmanager.memory.managed.size", slotManagedMemory);
        // One slot per TaskManager: the cluster runs the job across all of them unless told otherwise.
        extra.put("parallelism.default", String.valueOf(taskManagers));
        for (String kv : flinkOverrides) {
            extra.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
        }
        try {
            FlinkCluster flink = FlinkCluster.start(work.resolve("flink"), taskManagers + spareTaskManagers, s3.endpoint(),
                    "s3://" + bucket + "/cluster", extra);
            return new ProcessKillRecovery(flink, s3, bucket);
        } catch (RuntimeException e) {
            s3.close();
            throw e;
        }
    }

    String checkpointDir(String run) {
        return "s3://" + bucket + "/" + run + "/checkpoints";
    }

    /** Uploads the job jar and runs it with {@code --config file --set ...}; returns the job id. */
    String submit(Path jobJar, Path config, List<String> overrides) {
        String jarId = flink.uploadJar(jobJar);
        List<String> args = new ArrayList<>(List.of("--config", config.toString()));
        for (String o : overrides) {
            args.add("--set");
            args.add(o);
        }
        return flink.runJar(jarId, args, null);
    }

    void awaitFirstCheckpoint(String job, Duration timeout) {
        awaitCheckpointsBeyond(job, 0, timeout);
    }

    /** Until every task runs and more than {@code completed} checkpoints have completed. */
    void awaitCheckpointsBeyond(String job, long completed, Duration timeout) {
        flink.await("job running with more than " + completed + " completed checkpoints", timeout,
                c -> c.allTasksRunning(job) && c.completedCheckpoints(job) > completed);
    }

    long completedCheckpoints(String job) {
        return flink.completedCheckpoints(job);
    }

    /**
     * Kills one TaskManager with tasks of the job, starts a replacement, and waits for the first new committed
     * output, as {@code firstOutputAfter} (wall-clock millis of the first aggregate not seen before, after the
     * given time, or -1) reports it.
     */
    Map<String, Object> killAndMeasure(String job, java.util.function.LongUnaryOperator firstOutputAfter,
                                       Duration timeout) throws InterruptedException {
        String victim = busyTaskManager();
        long completedBefore = flink.completedCheckpoints(job);
        long killedAt = System.currentTimeMillis();
        flink.killTaskManager(victim);
        flink.startTaskManager();
        long restarting = -1;
        long running = -1;
        long checkpointed = -1;
        long output = -1;
        long deadline = killedAt + timeout.toMillis();
        while (System.currentTimeMillis() < deadline && output < 0) {
            long now = System.currentTimeMillis();
            try {
                if (restarting < 0 && !"RUNNING".equals(flink.jobState(job))) restarting = now;
                if (restarting > 0 && running < 0 && flink.allTasksRunning(job)) running = now;
                if (running > 0 && checkpointed < 0 && flink.completedCheckpoints(job) > completedBefore) {
                    checkpointed = now;
                }
            } catch (RuntimeException e) {
                // REST busy during the failover: ask again
            }
            // Only output after the failover was seen counts: the survivor can still commit a checkpoint that
            // completed before the kill, which is not recovered output.
            output = restarting > 0 ? firstOutputAfter.applyAsLong(restarting) : -1;
            Thread.sleep(100);
        }
        // the REST view of checkpoints lags the commit that made the output visible by up to a refresh
        for (int i = 0; i < 50 && output > 0 && checkpointed < 0; i++) {
            try {
                if (flink.completedCheckpoints(job) > completedBefore) checkpointed = System.currentTimeMillis();
            } catch (RuntimeException e) {
                // ask again
            }
            Thread.sleep(100);
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("recovery_seconds", seconds(killedAt, output));
        r.put("recovery_job_restarting_seconds", seconds(killedAt, restarting));
        r.put("recovery_tasks_running_seconds", seconds(killedAt, running));
        r.put("recovery_first_checkpoint_seconds", seconds(killedAt, checkpointed));
        r.put("recovery_killed_taskmanager", victim);
        r.put("recovery_restored_checkpoint", restored(job));
        r.put("recovery_cluster_settings", PRODUCTION);
        r.put("recovery_killed_at_ms", killedAt);
        return r;
    }

    /** A TaskManager with tasks of the job: with spares, the first one started may be idle. */
    private String busyTaskManager() {
        List<String> busy = new ArrayList<>();
        for (JsonNode tm : flink.get("/taskmanagers").path("taskmanagers")) {
            if (tm.path("freeSlots").asInt() < tm.path("slotsNumber").asInt()) busy.add(tm.path("id").asText());
        }
        return flink.taskManagerIds().stream().filter(busy::contains).findFirst()
                .orElseThrow(() -> new IllegalStateException("no TaskManager runs tasks of the job: " + busy));
    }

    private String restored(String job) {
        try {
            JsonNode latest = flink.checkpoints(job).path("latest").path("restored");
            return latest.isMissingNode() ? "none" : "chk-" + latest.path("id").asText();
        } catch (RuntimeException e) {
            return "unknown";
        }
    }

    private static double seconds(long from, long to) {
        return to < 0 ? -1 : Math.round((to - from) / 100.0) / 10.0;
    }

    /**
     * Restricts every thread of the first TaskManager to one CPU, as a KPU's one vCPU (threads it starts later
     * inherit the mask), and returns its process id.
     */
    long pinTaskManager(int cpu) throws java.io.IOException, InterruptedException {
        long pid = flink.taskManagerPid(flink.taskManagerIds().get(0));
        Process taskset = new ProcessBuilder("taskset", "-a", "-p", "-c", String.valueOf(cpu), String.valueOf(pid))
                .redirectErrorStream(true).start();
        String out = new String(taskset.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (taskset.waitFor() != 0) {
            throw new IllegalStateException("taskset could not pin TaskManager " + pid + " to CPU " + cpu + ": " + out);
        }
        return pid;
    }

    /**
     * Records the job's source vertex has emitted so far (valid and bad events; duplicates are dropped after it),
     * as the REST API reports it.
     */
    long sourceRecordsOut(String job) {
        JsonNode vertices = flink.get("/jobs/" + job).path("vertices");
        return vertices.get(0).path("metrics").path("write-records").asLong();
    }

    void cancel(String job) {
        try {
            flink.cancel(job);
        } catch (RuntimeException e) {
            // the cluster stops next anyway
        }
    }

    void close() {
        flink.close();
        s3.close();
    }
}
