package io.harbinger.stream.toolkit.cluster;

import io.harbinger.stream.toolkit.ManagedProcess;
import io.harbinger.stream.toolkit.Ports;
import io.harbinger.stream.toolkit.TcpProxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A standalone Flink 1.20.0 session cluster as separate JVMs on 127.0.0.1, the way a distribution runs it but
 * from the Maven classpath: one JobManager ({@code StandaloneSessionClusterEntrypoint}) and any number of
 * TaskManagers ({@code TaskManagerRunner}), each with its own conf dir and {@code config.yaml}, logs appended
 * under the work dir, and {@code flink-s3-fs-hadoop} loaded from a {@code plugins/} dir. RocksDB with
 * incremental checkpoints to S3, exponential-delay restarts. Jobs are submitted, watched and stopped through
 * the REST API.
 *
 * <p>High availability is optional: with {@link #zooKeeperHa} settings (a {@link ZooKeeperServer}) the JobManager
 * publishes its leadership, job graphs and checkpoint pointers in ZooKeeper, so {@link #killJobManager()} and
 * {@link #restartJobManager()} (same REST port) are a failover: the new JobManager recovers the running job from
 * the HA store and its latest checkpoint. Without them a killed JobManager comes back with no jobs; see
 * docs/fault-tolerance.md.
 *
 * <p>Network paths inside the cluster can go through a {@link TcpProxy} ({@link NetworkPath}), so that a test can cut
 * or slow them while every process keeps running: each process binds its real port and advertises the proxy's,
 * as a host behind NAT does ({@code jobmanager.rpc.bind-port} / {@code jobmanager.rpc.port},
 * {@code taskmanager.data.bind-port} / {@code taskmanager.data.port}).
 */
public final class FlinkCluster implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FlinkCluster.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String OPENS = String.join(" ",
            "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.net=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/java.time=ALL-UNNAMED",
            "--add-opens=java.base/java.text=ALL-UNNAMED", "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED");

    private final Path workDir;
    private final String classpath;
    private final Path pluginsDir;
    private final Map<String, String> settings;
    private final int restPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final Map<String, ManagedProcess> taskManagers = new LinkedHashMap<>();
    private final Set<NetworkPath> proxied;
    private final Map<String, TcpProxy> dataProxies = new LinkedHashMap<>();
    private TcpProxy jobManagerProxy;
    private ManagedProcess jobManager;
    private List<String> tmJvmParams;
    private int tmCounter;

    /** The cluster's network paths that can run through a proxy. */
    public enum NetworkPath {
        /** TaskManagers (and clients) to the JobManager's RPC port: registration, heartbeats, deployments. */
        JOBMANAGER_RPC,
        /** TaskManager to TaskManager: the shuffle (netty) connections to each TaskManager's data port. */
        TASKMANAGER_DATA
    }

    private FlinkCluster(Path workDir, String classpath, Path pluginsDir, Map<String, String> settings, int restPort,
                         Set<NetworkPath> proxied) {
        this.proxied = proxied;
        this.workDir = workDir;
        this.classpath = classpath;
        this.pluginsDir = pluginsDir;
        this.settings = settings;
        this.restPort = restPort;
    }

    /** The shaded job jar that {@code mvn package} builds ({@code -Djob.jar} names another). */
    public static Path jobJar() {
        return Path.of(System.getProperty("job.jar", "target/harbinger-stream-0.1.0-SNAPSHOT.jar"));
    }

    /**
     * Starts a JobManager and {@code taskManagers} TaskManagers of one slot each and waits until all are
     * registered.
     *
     * @param s3Endpoint the S3 endpoint for checkpoints ({@code http://127.0.0.1:PORT}, path-style)
     * @param checkpointUri {@code s3://bucket/prefix}; checkpoints and savepoints go below it
     * @param extra further Flink settings, they win over the defaults
     */
    public static FlinkCluster start(Path workDir, int taskManagers, String s3Endpoint, String checkpointUri,
                                     Map<String, String> extra) {
        return start(workDir, taskManagers, s3Endpoint, checkpointUri, extra, Set.of());
    }

    /** As {@link #start(Path, int, String, String, Map)}, with the given paths through proxies. */
    public static FlinkCluster start(Path workDir, int taskManagers, String s3Endpoint, String checkpointUri,
                                     Map<String, String> extra, Set<NetworkPath> proxied) {
        String cp = ManagedProcess.classpathFromBuild("flink.cluster.classpath.file", "target/flink-cluster.classpath",
                "flink-runtime", "fault-campaign-classpaths");
        Path plugins = Paths.get(System.getProperty("flink.plugins.dir", "target/flink-plugins")).toAbsolutePath();
        if (!Files.isRegularFile(plugins.resolve("s3-fs-hadoop/flink-s3-fs-hadoop-1.20.0.jar"))) {
            throw new IllegalStateException("flink-s3-fs-hadoop plugin missing under " + plugins
                    + ": run `mvn generate-test-resources`");
        }
        int[] ports = Ports.free(2);
        Map<String, String> s = new LinkedHashMap<>();
        s.put("jobmanager.rpc.address", Ports.HOST);
        s.put("jobmanager.rpc.port", String.valueOf(ports[0]));
        s.put("jobmanager.bind-host", Ports.HOST);
        s.put("rest.address", Ports.HOST);
        s.put("rest.bind-address", Ports.HOST);
        s.put("rest.port", String.valueOf(ports[1]));
        s.put("taskmanager.bind-host", Ports.HOST);
        s.put("taskmanager.host", Ports.HOST);
        s.put("taskmanager.numberOfTaskSlots", "1");
        s.put("jobmanager.memory.process.size", "768m");
        // RocksDB's floor from configuration.md, 256 MB per slot: below it the slot's write buffer manager flushes
        // tiny memtables at almost every write and stalls writes under load; 1152m keeps 128m of task heap
        s.put("taskmanager.memory.process.size", "1152m");
        s.put("taskmanager.memory.managed.size", "256m");
        s.put("parallelism.default", "2");
        s.put("state.backend.type", "rocksdb");
        s.put("execution.checkpointing.incremental", "true");
        s.put("execution.checkpointing.dir", checkpointUri + "/checkpoints");
        s.put("execution.checkpointing.savepoint-dir", checkpointUri + "/savepoints");
        s.put("s3.endpoint", s3Endpoint);
        s.put("s3.path.style.access", "true");
        s.put("s3.access-key", S3Proxy.ACCESS_KEY);
        s.put("s3.secret-key", S3Proxy.SECRET_KEY);
        // fail fast on an unreachable endpoint instead of S3A's minutes of retries; the checkpoint timeout decides
        s.put("s3.connection.establish.timeout", "2000");
        s.put("s3.connection.timeout", "5000");
        s.put("s3.attempts.maximum", "2");
        s.put("s3.retry.limit", "2");
        s.put("restart-strategy.type", "exponential-delay");
        s.put("restart-strategy.exponential-delay.initial-backoff", "500ms");
        s.put("restart-strategy.exponential-delay.max-backoff", "5s");
        s.put("restart-strategy.exponential-delay.backoff-multiplier", "2.0");
        s.put("restart-strategy.exponential-delay.reset-backoff-threshold", "30s");
        s.put("restart-strategy.exponential-delay.attempts-before-reset-backoff", "1000");
        s.put("heartbeat.interval", "1000");
        s.put("heartbeat.timeout", "6000");
        s.put("cluster.registration.error-delay", "1000");
        s.put("web.refresh-interval", "500");
        s.put("rest.flamegraph.enabled", "false");
        s.putAll(extra);
        FlinkCluster cluster = new FlinkCluster(workDir.toAbsolutePath(), cp, plugins, s, ports[1],
                proxied.isEmpty() ? EnumSet.noneOf(NetworkPath.class) : EnumSet.copyOf(proxied));
        long t0 = System.nanoTime();
        try {
            if (proxied.contains(NetworkPath.JOBMANAGER_RPC)) {
                int bind = Ports.free(1)[0];
                cluster.jobManagerProxy = new TcpProxy("jobmanager-rpc", bind);
                s.put("jobmanager.rpc.bind-port", String.valueOf(bind));
                s.put("jobmanager.rpc.port", String.valueOf(cluster.jobManagerProxy.port()));
                // with ZooKeeper HA the JobManager announces this port instead of jobmanager.rpc.port
                s.put("high-availability.jobmanager.port", String.valueOf(cluster.jobManagerProxy.port()));
            }
            cluster.startJobManager();
            for (int i = 0; i < taskManagers; i++) {
                cluster.startTaskManager();
            }
            cluster.awaitTaskManagers(taskManagers, Duration.ofSeconds(90));
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        LOG.info("Flink cluster up at {} with {} TaskManagers in {} ms", cluster.restUrl(), taskManagers,
                (System.nanoTime() - t0) / 1_000_000);
        return cluster;
    }

    /**
     * Settings for ZooKeeper high availability: leader election and retrieval, job graphs and the completed
     * checkpoint store in ZooKeeper under {@code /flink/<clusterId>}, their blobs under {@code storageDir}.
     * The short ZooKeeper session lets a killed JobManager's leader latch expire within 5 s.
     */
    public static Map<String, String> zooKeeperHa(String quorum, String storageDir, String clusterId) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("high-availability.type", "zookeeper");
        s.put("high-availability.zookeeper.quorum", quorum);
        s.put("high-availability.storageDir", storageDir);
        s.put("high-availability.cluster-id", clusterId);
        s.put("high-availability.zookeeper.client.session-timeout", "5000");
        s.put("high-availability.zookeeper.client.connection-timeout", "5000");
        s.put("high-availability.zookeeper.client.retry-wait", "500");
        s.put("high-availability.zookeeper.client.max-retry-attempts", "5");
        return s;
    }

    public String restUrl() {
        return "http://127.0.0.1:" + restPort;
    }

    public Path workDir() {
        return workDir;
    }

    public synchronized List<String> taskManagerIds() {
        return new ArrayList<>(taskManagers.keySet());
    }

    /** The proxy in front of the JobManager's RPC port; only with {@link NetworkPath#JOBMANAGER_RPC}. */
    public TcpProxy jobManagerProxy() {
        if (jobManagerProxy == null) {
            throw new IllegalStateException("started without a proxy on " + NetworkPath.JOBMANAGER_RPC);
        }
        return jobManagerProxy;
    }

    /**
     * The proxy in front of a TaskManager's data port, which its peers connect to for the shuffle; only with
     * {@link NetworkPath#TASKMANAGER_DATA}.
     */
    public synchronized TcpProxy dataProxy(String taskManagerId) {
        TcpProxy p = dataProxies.get(taskManagerId);
        if (p == null) {
            throw new IllegalStateException("no data proxy for " + taskManagerId + " (proxied paths " + proxied
                    + ", TaskManagers " + taskManagers.keySet() + ")");
        }
        return p;
    }

    // ---------------------------------------------------------------- processes

    private void startJobManager() {
        Path dir = writeConf("jobmanager", Map.of());
        List<String> cmd = java("768m", dir, "jobmanager");
        cmd.addAll(List.of("org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
                "--configDir", dir.resolve("conf").toString()));
        jobManager = ManagedProcess.builder("jobmanager", cmd).workDir(dir).output(dir.resolve("jobmanager.out"))
                .log(dir.resolve("jobmanager.log")).env(env()).stopTimeout(Duration.ofSeconds(10)).start();
    }

    /**
     * kill -9 of the JobManager: no shutdown code runs, its ZooKeeper session (and with it its leadership) ends
     * only when the session times out.
     */
    public synchronized void killJobManager() {
        if (jobManager == null || !jobManager.isAlive()) {
            throw new IllegalStateException("no running JobManager");
        }
        LOG.info("kill -9 JobManager (pid {})", jobManager.pid());
        jobManager.kill();
    }

    /**
     * Starts a new JobManager with the same configuration, so the same REST and RPC ports; with HA it becomes
     * leader once the killed one's session expired and recovers the jobs from the HA store.
     */
    public synchronized void restartJobManager() {
        if (jobManager != null && jobManager.isAlive()) {
            throw new IllegalStateException("the JobManager (pid " + jobManager.pid() + ") still runs");
        }
        startJobManager();
    }

    /** Starts one more TaskManager with a new resource id and returns that id (it registers asynchronously). */
    public synchronized String startTaskManager() {
        String id = "tm-" + (++tmCounter);
        Map<String, String> own = new LinkedHashMap<>();
        own.put("taskmanager.resource-id", id);
        if (proxied.contains(NetworkPath.TASKMANAGER_DATA)) {
            int bind = Ports.free(1)[0];
            TcpProxy proxy = new TcpProxy(id + "-data", bind);
            dataProxies.put(id, proxy);
            own.put("taskmanager.data.bind-port", String.valueOf(bind));
            own.put("taskmanager.data.port", String.valueOf(proxy.port()));
        }
        Path dir = writeConf(id, own);
        if (tmJvmParams == null) {
            tmJvmParams = resourceParams(dir.resolve("conf"));
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(ManagedProcess.javaBinary());
        cmd.addAll(Arrays.asList(tmJvmParams.get(0).trim().split("\\s+")));
        String productionOpts = settings.get("env.java.opts.taskmanager");
        if (productionOpts != null) {
            // As taskmanager.sh does: the JVM runs with these options and its own defaults (G1, the C2 JIT),
            // not with the harness's fast-start flags; for measurements where the TaskManager's speed counts.
            cmd.addAll(Arrays.asList(productionOpts.trim().split("\\s+")));
        }
        cmd.addAll(common(dir, id, productionOpts == null));
        cmd.add("org.apache.flink.runtime.taskexecutor.TaskManagerRunner");
        cmd.add("--configDir");
        cmd.add(dir.resolve("conf").toString());
        cmd.addAll(Arrays.asList(tmJvmParams.get(1).trim().split("\\s+")));
        taskManagers.put(id, ManagedProcess.builder(id, cmd).workDir(dir).output(dir.resolve(id + ".out"))
                .log(dir.resolve(id + ".log")).env(env()).stopTimeout(Duration.ofSeconds(5)).start());
        return id;
    }

    /** The operating system's process id of a running TaskManager. */
    public synchronized long taskManagerPid(String id) {
        ManagedProcess p = taskManagers.get(id);
        if (p == null) {
            throw new IllegalArgumentException("no running TaskManager " + id + " (running: " + taskManagers.keySet() + ")");
        }
        return p.pid();
    }

    /** kill -9 of a TaskManager: no shutdown code runs, the JobManager learns of it from heartbeats and RPC. */
    public synchronized void killTaskManager(String id) {
        ManagedProcess p = taskManagers.remove(id);
        if (p == null) {
            throw new IllegalArgumentException("no running TaskManager " + id + " (running: " + taskManagers.keySet() + ")");
        }
        LOG.info("kill -9 TaskManager {} (pid {})", id, p.pid());
        p.kill();
        TcpProxy data = dataProxies.remove(id);
        if (data != null) {
            data.close();
        }
    }

    private Path writeConf(String name, Map<String, String> own) {
        Path dir = workDir.resolve(name);
        try {
            Files.createDirectories(dir.resolve("conf"));
            Files.createDirectories(dir.resolve("tmp"));
            Map<String, String> all = new LinkedHashMap<>(settings);
            all.put("io.tmp.dirs", dir.resolve("tmp").toString());
            all.put("web.upload.dir", dir.resolve("upload").toString());
            all.putAll(own);
            StringBuilder yaml = new StringBuilder();
            all.forEach((k, v) -> yaml.append(k).append(": ").append(quote(v)).append('\n'));
            Files.writeString(dir.resolve("conf/config.yaml"), yaml);
            Files.writeString(dir.resolve("conf/log4j2.properties"), String.join("\n",
                    "rootLogger.level = INFO", "rootLogger.appenderRef.file.ref = file",
                    "appender.file.type = File", "appender.file.name = file", "appender.file.append = true",
                    "appender.file.fileName = ${sys:log.file}", "appender.file.layout.type = PatternLayout",
                    "appender.file.layout.pattern = %d{HH:mm:ss,SSS} %-5p %-40c{1.} [%t] %m%n",
                    "logger.kafka.name = org.apache.kafka", "logger.kafka.level = WARN",
                    "logger.hadoop.name = org.apache.hadoop", "logger.hadoop.level = WARN",
                    "logger.s3.name = org.apache.flink.fs.s3base.shaded", "logger.s3.level = WARN", ""));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write Flink config into " + dir, e);
        }
        return dir;
    }

    private static String quote(String v) {
        return v.matches("[A-Za-z0-9_./:\\-]+") && !v.contains(": ") ? v : "'" + v.replace("'", "''") + "'";
    }

    private List<String> java(String heap, Path dir, String name) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ManagedProcess.javaBinary());
        cmd.add("-Xmx" + heap);
        cmd.add("-Xms" + heap);
        cmd.addAll(common(dir, name, true));
        return cmd;
    }

    /** @param fastStart serial GC and C1 only: the JVMs start faster, which tests want and measurements not */
    private List<String> common(Path dir, String name, boolean fastStart) {
        List<String> cmd = new ArrayList<>(Arrays.asList(OPENS.split(" ")));
        if (fastStart) {
            cmd.addAll(List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        }
        cmd.addAll(List.of("-Dlog.file=" + dir.resolve(name + ".log"),
                "-Dlog4j.configurationFile=" + dir.resolve("conf/log4j2.properties").toUri(),
                "-cp", classpath));
        return cmd;
    }

    private Map<String, String> env() {
        return Map.of("FLINK_PLUGINS_DIR", pluginsDir.toString());
    }

    /** What {@code taskmanager.sh} gets from BashJavaUtils: JVM memory flags and the derived -D settings. */
    private List<String> resourceParams(Path confDir) {
        List<String> cmd = new ArrayList<>(List.of(ManagedProcess.javaBinary(), "-Xmx128m", "-XX:TieredStopAtLevel=1",
                "-cp", classpath, "org.apache.flink.runtime.util.bash.BashJavaUtils", "GET_TM_RESOURCE_PARAMS",
                "--configDir", confDir.toString()));
        Path output = confDir.resolveSibling("bash-java-utils.out");
        ManagedProcess.builder("BashJavaUtils", cmd).workDir(confDir.getParent()).output(output)
                .run(Duration.ofMinutes(2));
        try {
            List<String> result = Files.readAllLines(output, StandardCharsets.UTF_8).stream()
                    .filter(l -> l.startsWith("BASH_JAVA_UTILS_EXEC_RESULT:"))
                    .map(l -> l.substring("BASH_JAVA_UTILS_EXEC_RESULT:".length())).toList();
            if (result.size() < 2) {
                throw new IllegalStateException("BashJavaUtils printed no resource parameters:\n"
                        + ManagedProcess.tail(output, 40));
            }
            return result.subList(result.size() - 2, result.size());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---------------------------------------------------------------- REST

    public JsonNode get(String path) {
        return call(HttpRequest.newBuilder(URI.create(restUrl() + path)).GET());
    }

    public JsonNode post(String path, Object body) {
        try {
            return call(HttpRequest.newBuilder(URI.create(restUrl() + path))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private JsonNode call(HttpRequest.Builder request) {
        try {
            HttpResponse<String> r = http.send(request.timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() >= 300) {
                throw new IllegalStateException(r.request().method() + " " + r.uri() + " -> " + r.statusCode()
                        + ": " + r.body());
            }
            return JSON.readTree(r.body().isEmpty() ? "{}" : r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(request.build().uri() + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Uploads a job jar ({@code POST /jars/upload}) and returns its jar id. */
    public String uploadJar(Path jar) {
        String boundary = "----harbinger" + System.nanoTime();
        try {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\""
                    + jar.getFileName() + "\"\r\nContent-Type: application/x-java-archive\r\n\r\n")
                    .getBytes(StandardCharsets.UTF_8));
            body.write(Files.readAllBytes(jar));
            body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
            JsonNode r = call(HttpRequest.newBuilder(URI.create(restUrl() + "/jars/upload"))
                    .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())));
            String file = r.path("filename").asText();
            return file.substring(file.lastIndexOf('/') + 1);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot upload " + jar, e);
        }
    }

    /**
     * Runs an uploaded jar's main class ({@code POST /jars/{id}/run}) as {@code flink run} does without
     * {@code -p}: at the cluster's parallelism.default (the REST API on its own would pick 1), and returns the
     * job id.
     */
    public String runJar(String jarId, List<String> programArgs, String savepointPath) {
        return runJar(jarId, programArgs, savepointPath, Integer.valueOf(settings.get("parallelism.default")));
    }

    /** As {@code flink run -p PARALLELISM}: the submission's parallelism, which the job must keep. */
    public String runJar(String jarId, List<String> programArgs, String savepointPath, Integer parallelism) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("programArgsList", programArgs);
        if (savepointPath != null) {
            body.put("savepointPath", savepointPath);
        }
        if (parallelism != null) {
            body.put("parallelism", parallelism);
        }
        return post("/jars/" + jarId + "/run", body).path("jobid").asText();
    }

    /** {@code RUNNING}, {@code RESTARTING}, ... as the JobManager reports it. */
    public String jobState(String jobId) {
        return get("/jobs/" + jobId).path("state").asText();
    }

    /** True when the job runs and every task of every vertex is RUNNING (not only scheduled). */
    public boolean allTasksRunning(String jobId) {
        JsonNode job = get("/jobs/" + jobId);
        if (!"RUNNING".equals(job.path("state").asText())) {
            return false;
        }
        for (JsonNode v : job.path("vertices")) {
            if (v.path("tasks").path("RUNNING").asInt() != v.path("parallelism").asInt()) {
                return false;
            }
        }
        return true;
    }

    public JsonNode checkpoints(String jobId) {
        return get("/jobs/" + jobId + "/checkpoints");
    }

    public long completedCheckpoints(String jobId) {
        return checkpoints(jobId).path("counts").path("completed").asLong();
    }

    /** Waits until the condition holds, polling the REST API every 200 ms. */
    public void await(String what, Duration timeout, Predicate<FlinkCluster> condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        RuntimeException last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (condition.test(this)) {
                    return;
                }
            } catch (RuntimeException e) {
                last = e; // REST not answering during a restart
            }
            ManagedProcess.sleep(200);
        }
        throw new IllegalStateException("Flink cluster: " + what + " not reached within " + timeout.toSeconds()
                + " s (logs under " + workDir + ")", last);
    }

    public void awaitTaskManagers(int n, Duration timeout) {
        await(n + " TaskManagers registered", timeout, c -> {
            if (!jobManager.isAlive()) {
                throw new IllegalStateException("JobManager exited:\n" + jobManager.logTail());
            }
            return c.get("/overview").path("taskmanagers").asInt() == n;
        });
    }

    /** Stop-with-savepoint ({@code POST /jobs/{id}/stop}); returns the savepoint's location. */
    public String stopWithSavepoint(String jobId, Duration timeout) {
        String trigger = post("/jobs/" + jobId + "/stop", Map.of("drain", false)).path("request-id").asText();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode r = get("/jobs/" + jobId + "/savepoints/" + trigger);
            if ("COMPLETED".equals(r.path("status").path("id").asText())) {
                JsonNode op = r.path("operation");
                if (op.has("failure-cause")) {
                    throw new IllegalStateException("stop-with-savepoint of " + jobId + " failed: " + op.path("failure-cause"));
                }
                return op.path("location").asText();
            }
            ManagedProcess.sleep(200);
        }
        throw new IllegalStateException("stop-with-savepoint of " + jobId + " did not finish in " + timeout.toSeconds() + " s");
    }

    public void cancel(String jobId) {
        call(HttpRequest.newBuilder(URI.create(restUrl() + "/jobs/" + jobId + "?mode=cancel"))
                .method("PATCH", HttpRequest.BodyPublishers.noBody()));
    }

    @Override
    public synchronized void close() {
        for (ManagedProcess tm : taskManagers.values()) {
            tm.stop();
        }
        taskManagers.clear();
        dataProxies.values().forEach(TcpProxy::close);
        dataProxies.clear();
        if (jobManager != null) {
            jobManager.stop();
        }
        if (jobManagerProxy != null) {
            jobManagerProxy.close();
        }
    }
}
