package io.harbinger.stream;

import io.harbinger.stream.config.JobConfig;
import io.harbinger.stream.config.JobConfigLoader;
import io.harbinger.stream.testing.JobMetrics;
import io.harbinger.stream.testing.Kustomize;
import io.harbinger.stream.testing.OpenApiSchema;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.MapperConfig;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.HeartbeatManagerOptions;
import org.apache.flink.configuration.HighAvailabilityOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.contrib.streaming.state.RocksDBOptions;
import org.apache.flink.kubernetes.configuration.KubernetesConfigOptions;
import org.apache.flink.kubernetes.utils.Constants;
import org.apache.flink.kubernetes.operator.api.FlinkDeployment;
import org.apache.flink.kubernetes.operator.api.spec.FlinkVersion;
import org.apache.flink.kubernetes.operator.api.spec.JobState;
import org.apache.flink.kubernetes.operator.api.spec.KubernetesDeploymentMode;
import org.apache.flink.kubernetes.operator.api.spec.UpgradeMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The manifests in k8s/: they parse, kustomize references resolve, each FlinkDeployment fits the Flink
 * Kubernetes Operator's model and CRD schema, the mounted job config is jobs-config/prod-msk.yaml and agrees
 * with the cluster settings, the PodMonitor scrapes the reporter's port and every alert queries a metric the
 * job really exports (the list MetricsIT checks against a live scrape).
 */
class K8sManifestsTest {
    private static final Path K8S = Path.of("k8s");
    /**
     * The operator's model classes say @JsonIgnoreProperties(ignoreUnknown = true), which would defeat
     * FAIL_ON_UNKNOWN_PROPERTIES; this mapper takes that back for them, so a misspelt field fails. (The fabric8
     * Pod model under podTemplate keeps unknown fields as additionalProperties: the CRD schema check catches
     * those.)
     */
    private static final ObjectMapper STRICT = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .setAnnotationIntrospector(new JacksonAnnotationIntrospector() {
                @Override
                public JsonIgnoreProperties.Value findPropertyIgnoralByName(MapperConfig<?> config, Annotated a) {
                    JsonIgnoreProperties.Value declared = super.findPropertyIgnoralByName(config, a);
                    return a.getRawType().getName().startsWith("org.apache.flink.kubernetes.operator.api.")
                            ? declared.withoutIgnoreUnknown() : declared;
                }
            });
    private static final Pattern METRIC = Pattern.compile("\\b(flink_[A-Za-z0-9_]+)");
    /**
     * The operator options the manifests may set: each is in KubernetesOperatorConfigOptions of
     * flink-kubernetes-operator release-1.10.0 (read in its source; that jar is not served here).
     */
    private static final Set<String> OPERATOR_1_10_OPTIONS = Set.of(
            "kubernetes.operator.periodic.savepoint.interval", "kubernetes.operator.savepoint.history.max.age",
            "kubernetes.operator.savepoint.history.max.count", "kubernetes.operator.savepoint.dispose-on-delete",
            "kubernetes.operator.deployment.rollback.enabled", "kubernetes.operator.deployment.readiness.timeout",
            "kubernetes.operator.job.savepoint-on-deletion");

    @Test
    void everyManifestParsesAndNamesItsKind() throws IOException {
        List<Path> files = yamlFiles();
        assertThat(files).hasSizeGreaterThanOrEqualTo(9);
        for (Path file : files) {
            List<ObjectNode> docs = Kustomize.readAll(file);
            assertThat(docs).as(file.toString()).isNotEmpty();
            for (ObjectNode doc : docs) {
                assertThat(doc.path("apiVersion").asText()).as(file + " apiVersion").isNotBlank();
                assertThat(doc.path("kind").asText()).as(file + " kind").isNotBlank();
            }
        }
    }

    @Test
    void overlaysBuildFromTheBaseAndTheBaseUsesEveryFile() throws IOException {
        for (String dir : List.of("base", "overlays/dev", "overlays/prod")) {
            assertThat(Kustomize.build(K8S.resolve(dir)))
                    .extracting(r -> r.path("kind").asText())
                    .as(dir).containsExactlyInAnyOrder("ConfigMap", "FlinkDeployment", "PodMonitor", "PodDisruptionBudget",
                            "PrometheusRule");
        }
        JsonNode base = Kustomize.YAML.readTree(K8S.resolve("base/kustomization.yaml").toFile());
        Set<String> listed = new HashSet<>();
        base.path("resources").forEach(r -> listed.add(r.asText()));
        try (Stream<Path> files = Files.list(K8S.resolve("base"))) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> !n.equals("kustomization.yaml")))
                    .allSatisfy(n -> assertThat(listed).as("base/kustomization.yaml resources").contains(n));
        }
        assertThat(Kustomize.build(K8S.resolve("overlays/dev"))).allSatisfy(r ->
                assertThat(r.path("metadata").path("namespace").asText()).isEqualTo("harbinger-dev"));
        assertThat(Kustomize.build(K8S.resolve("overlays/prod"))).allSatisfy(r ->
                assertThat(r.path("metadata").path("namespace").asText()).isEqualTo("harbinger"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"base", "overlays/dev", "overlays/prod"})
    void flinkDeploymentFitsTheOperatorsModelAndSchema(String dir) throws IOException {
        ObjectNode manifest = only(Kustomize.build(K8S.resolve(dir)), "FlinkDeployment");
        assertThat(OpenApiSchema.validateResource(flinkDeploymentSchema(), manifest)).as(dir).isEmpty();

        FlinkDeployment deployment = STRICT.treeToValue(manifest, FlinkDeployment.class);
        var spec = deployment.getSpec();
        assertThat(deployment.getApiVersion()).isEqualTo("flink.apache.org/v1beta1");
        assertThat(spec.getFlinkVersion()).isEqualTo(FlinkVersion.v1_20);
        assertThat(spec.getMode()).isEqualTo(KubernetesDeploymentMode.NATIVE);
        assertThat(spec.getJob().getJarURI()).isEqualTo("local:///opt/flink/usrlib/harbinger-stream.jar");
        assertThat(spec.getJob().getEntryClass()).isEqualTo(HarbingerJob.class.getName());
        assertThat(spec.getJob().getUpgradeMode()).isEqualTo(UpgradeMode.SAVEPOINT);
        assertThat(spec.getJob().getState()).isEqualTo(JobState.RUNNING);
        Map<String, String> flink = spec.getFlinkConfiguration();
        assertThat(flink).containsEntry("high-availability.type", "kubernetes")
                .containsEntry("state.backend.type", "rocksdb")
                .containsEntry("execution.checkpointing.incremental", "true")
                .containsEntry("metrics.reporter.prom.factory.class",
                        "org.apache.flink.metrics.prometheus.PrometheusReporterFactory")
                .containsEntry("metrics.reporter.prom.port", "9249")
                .containsKey("restart-strategy.type");
        assertThat(flink.get("high-availability.storageDir")).startsWith("s3://");
        assertThat(flink.get("execution.checkpointing.dir")).startsWith("s3://");
        assertThat(flink.get("state.savepoints.dir")).startsWith("s3://");
        assertThat(flink.get("env.java.opts.taskmanager"))
                .contains("-Dorg.apache.avro.limits.string.maxLength=16777216")
                .contains("-Dorg.apache.avro.limits.bytes.maxLength=16777216");
        // The s3 plugin's version is the cluster's Flink version.
        assertThat(env(manifest)).containsEntry("ENABLE_BUILT_IN_PLUGINS", "flink-s3-fs-hadoop-1.20.0.jar");
        assertThat(spec.getPodTemplate().getSpec().getContainers()).extracting(c -> c.getName())
                .containsExactly("flink-main-container");
    }

    @ParameterizedTest
    @ValueSource(strings = {"overlays/dev", "overlays/prod"})
    void flinkConfigurationUsesFlink120KeysWithValuesThatParse(String dir) throws Exception {
        Map<String, String> cluster = STRICT.treeToValue(only(Kustomize.build(K8S.resolve(dir)), "FlinkDeployment"),
                FlinkDeployment.class).getSpec().getFlinkConfiguration();
        Set<String> known = new HashSet<>();
        for (Class<?> options : List.of(CheckpointingOptions.class, StateBackendOptions.class,
                HighAvailabilityOptions.class, RestartStrategyOptions.class, TaskManagerOptions.class,
                CoreOptions.class, HeartbeatManagerOptions.class, RocksDBOptions.class, KubernetesConfigOptions.class)) {
            for (Field field : options.getFields()) {
                if (Modifier.isStatic(field.getModifiers()) && field.get(null) instanceof ConfigOption<?> option) {
                    known.add(option.key());
                    option.fallbackKeys().forEach(k -> known.add(k.getKey()));
                }
            }
        }
        // Reporter keys are per reporter name; kubernetes.operator.* belong to the operator, s3.* to the S3
        // file system plugin (each checked in its own test below).
        assertThat(cluster.keySet().stream().filter(k -> !k.startsWith("metrics.reporter.prom.")
                && !k.startsWith("kubernetes.operator.") && !k.startsWith("s3.")))
                .allSatisfy(k -> assertThat(known).as(k).contains(k));
        assertThat(cluster.keySet().stream().filter(k -> k.startsWith("kubernetes.operator.")))
                .allSatisfy(k -> assertThat(OPERATOR_1_10_OPTIONS).as(k).contains(k));

        Configuration conf = Configuration.fromMap(cluster);
        assertThat(conf.get(RestartStrategyOptions.RESTART_STRATEGY)).isEqualTo("exponential-delay");
        assertThat(conf.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF))
                .isEqualTo(Duration.ofSeconds(1));
        assertThat(conf.get(HeartbeatManagerOptions.HEARTBEAT_INTERVAL)).isEqualTo(Duration.ofSeconds(1));
        assertThat(conf.get(HeartbeatManagerOptions.HEARTBEAT_TIMEOUT)).as("Flink's default, for GC pauses").isEqualTo(Duration.ofSeconds(50));
        assertThat(conf.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF))
                .isEqualTo(Duration.ofMinutes(5));
        assertThat(conf.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_BACKOFF_MULTIPLIER)).isEqualTo(2.0);
        assertThat(conf.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_RESET_BACKOFF_THRESHOLD))
                .isEqualTo(Duration.ofHours(1));
        assertThat(conf.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_JITTER_FACTOR)).isEqualTo(0.1);
        assertThat(conf.get(CheckpointingOptions.INCREMENTAL_CHECKPOINTS)).isTrue();
        assertThat(conf.get(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION))
                .isEqualTo(ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        assertThat(conf.get(TaskManagerOptions.NUM_TASK_SLOTS)).isPositive();
        assertThat(conf.get(HighAvailabilityOptions.HA_MODE)).isEqualTo("kubernetes");
    }

    @Test
    void schemaAndModelChecksCatchMistakes() throws IOException {
        ObjectNode manifest = only(Kustomize.build(K8S.resolve("base")), "FlinkDeployment");
        ObjectNode typo = manifest.deepCopy();
        ((ObjectNode) typo.with("spec").with("job")).put("upgradeMod", "savepoint");
        ObjectNode badVersion = manifest.deepCopy();
        ((ObjectNode) badVersion.with("spec")).put("flinkVersion", "v1_21");
        ObjectNode badEnv = manifest.deepCopy();
        ((ObjectNode) badEnv.at("/spec/podTemplate/spec/containers/0/env/1/valueFrom/secretKeyRef")).put("nam", "x");

        assertThat(OpenApiSchema.validateResource(flinkDeploymentSchema(), typo)).containsExactly("spec.job.upgradeMod: unknown field");
        assertThat(OpenApiSchema.validateResource(flinkDeploymentSchema(), badVersion)).singleElement()
                .asString().startsWith("spec.flinkVersion: \"v1_21\" is not one of");
        assertThat(OpenApiSchema.validateResource(flinkDeploymentSchema(), badEnv)).containsExactly(
                "spec.podTemplate.spec.containers[0].env[1].valueFrom.secretKeyRef.nam: unknown field");
        assertThatThrownBy(() -> STRICT.treeToValue(typo, FlinkDeployment.class)).hasMessageContaining("upgradeMod");
        assertThatThrownBy(() -> STRICT.treeToValue(badVersion, FlinkDeployment.class)).hasMessageContaining("v1_21");
    }

    @ParameterizedTest
    @ValueSource(strings = {"overlays/dev", "overlays/prod"})
    void mountedJobConfigIsProdMskAndAgreesWithTheCluster(String dir) throws Exception {
        List<ObjectNode> resources = Kustomize.build(K8S.resolve(dir));
        ObjectNode manifest = only(resources, "FlinkDeployment");
        FlinkDeployment deployment = STRICT.treeToValue(manifest, FlinkDeployment.class);
        ObjectNode configMap = only(resources, "ConfigMap");
        String jobYaml = configMap.path("data").path("job.yaml").asText();
        assertThat(jobYaml).isEqualTo(Files.readString(Path.of("jobs-config/prod-msk.yaml")));

        // The job's own argument parser reads the args; --config names the file the ConfigMap mounts.
        HarbingerJob.Arguments args = HarbingerJob.Arguments.parse(deployment.getSpec().getJob().getArgs());
        JsonNode volume = manifest.at("/spec/podTemplate/spec/volumes/0");
        JsonNode mount = manifest.at("/spec/podTemplate/spec/containers/0/volumeMounts/0");
        assertThat(volume.path("configMap").path("name").asText()).isEqualTo(configMap.at("/metadata/name").asText());
        assertThat(mount.path("name").asText()).isEqualTo(volume.path("name").asText());
        assertThat(args.config()).isEqualTo(Path.of(mount.path("mountPath").asText(), "job.yaml"));

        // Every ${VAR} the config needs is set on the container, and credentials come from secrets.
        Map<String, String> env = env(manifest);
        Map<String, String> fakeEnv = new HashMap<>();
        env.keySet().forEach(name -> fakeEnv.put(name, fakeValue(name)));
        JobConfig config = new JobConfigLoader(fakeEnv).parse(jobYaml, dir + " job.yaml", args.overrides());
        for (String secret : List.of("KAFKA_USERNAME", "KAFKA_PASSWORD", "SCHEMA_REGISTRY_URL",
                "SCHEMA_REGISTRY_USERNAME", "SCHEMA_REGISTRY_PASSWORD", "POSTGRES_JDBC_URL", "POSTGRES_USER",
                "POSTGRES_PASSWORD", "KAFKA_BOOTSTRAP_SERVERS")) {
            assertThat(env).as(secret).containsEntry(secret, "secretKeyRef");
        }

        // What the job sets from its config is what the cluster is configured with.
        Map<String, String> cluster = deployment.getSpec().getFlinkConfiguration();
        Configuration job = FlinkSettings.flinkConfiguration(config);
        assertThat(cluster.get("execution.checkpointing.dir")).isEqualTo(job.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY));
        assertThat(cluster.get("state.savepoints.dir")).isEqualTo(job.get(CheckpointingOptions.SAVEPOINT_DIRECTORY));
        assertThat(cluster.get("execution.checkpointing.incremental"))
                .isEqualTo(String.valueOf(job.get(CheckpointingOptions.INCREMENTAL_CHECKPOINTS)));
        assertThat(cluster.get("state.backend.type")).isEqualTo(job.get(StateBackendOptions.STATE_BACKEND));
        // The operator owns parallelism (spec.job.parallelism, the autoscaler); the job config sets none.
        assertThat(deployment.getSpec().getJob().getParallelism()).isPositive();
        assertThat(deployment.getSpec().getJob().getArgs()).noneMatch(arg -> arg.contains("parallelism"));
        assertThat(config.job().name()).isEqualTo("harbinger-stream");
    }

    @Test
    void devAndProdNeverShareTransactionsConsumerGroupOrState() throws Exception {
        List<JobConfig> configs = new ArrayList<>();
        List<Map<String, String>> clusters = new ArrayList<>();
        for (String dir : List.of("overlays/dev", "overlays/prod")) {
            List<ObjectNode> resources = Kustomize.build(K8S.resolve(dir));
            FlinkDeployment deployment = STRICT.treeToValue(only(resources, "FlinkDeployment"), FlinkDeployment.class);
            Map<String, String> fakeEnv = new HashMap<>();
            env(only(resources, "FlinkDeployment")).keySet().forEach(n -> fakeEnv.put(n, fakeValue(n)));
            configs.add(new JobConfigLoader(fakeEnv).parse(only(resources, "ConfigMap").at("/data/job.yaml").asText(),
                    dir, HarbingerJob.Arguments.parse(deployment.getSpec().getJob().getArgs()).overrides()));
            clusters.add(deployment.getSpec().getFlinkConfiguration());
        }
        assertThat(configs.get(0).kafkaSink().transactionalIdPrefix())
                .isNotEqualTo(configs.get(1).kafkaSink().transactionalIdPrefix());
        assertThat(configs.get(0).input().kafka().groupId()).isNotEqualTo(configs.get(1).input().kafka().groupId());
        for (String key : List.of("execution.checkpointing.dir", "state.savepoints.dir", "high-availability.storageDir")) {
            assertThat(clusters.get(0).get(key)).as(key).isNotEqualTo(clusters.get(1).get(key));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"overlays/dev", "overlays/prod"})
    void podsHaveRequestsEqualToLimitsAndRocksDbItsOwnVolume(String dir) throws Exception {
        ObjectNode manifest = only(Kustomize.build(K8S.resolve(dir)), "FlinkDeployment");
        FlinkDeployment deployment = STRICT.treeToValue(manifest, FlinkDeployment.class);
        var spec = deployment.getSpec();
        for (var resource : List.of(spec.getJobManager().getResource(), spec.getTaskManager().getResource())) {
            assertThat(resource.getCpu()).as(dir + " cpu").isPositive();
            assertThat(resource.getMemory()).as(dir + " memory").matches("\\d+m");
        }
        assertThat(spec.getTaskManager().getResource().getEphemeralStorage()).as(dir).isNotBlank();
        Configuration conf = Configuration.fromMap(spec.getFlinkConfiguration());
        for (ConfigOption<Double> factor : List.of(KubernetesConfigOptions.JOB_MANAGER_CPU_LIMIT_FACTOR,
                KubernetesConfigOptions.JOB_MANAGER_MEMORY_LIMIT_FACTOR, KubernetesConfigOptions.TASK_MANAGER_CPU_LIMIT_FACTOR,
                KubernetesConfigOptions.TASK_MANAGER_MEMORY_LIMIT_FACTOR)) {
            assertThat(spec.getFlinkConfiguration()).as(dir).containsKey(factor.key());
            assertThat(conf.get(factor)).as(factor.key()).isEqualTo(1.0);
        }

        // RocksDB's local directory is a volume of the TaskManager pod, with a storage request.
        String localDir = conf.get(RocksDBOptions.LOCAL_DIRECTORIES);
        JsonNode tmPod = manifest.at("/spec/taskManager/podTemplate/spec");
        JsonNode mount = null;
        for (JsonNode m : tmPod.at("/containers/0/volumeMounts")) {
            if (m.path("mountPath").asText().equals(localDir)) {
                mount = m;
            }
        }
        assertThat(tmPod.at("/containers/0/name").asText()).isEqualTo("flink-main-container");
        assertThat(mount).as(dir + ": a TaskManager volume mounted at " + localDir).isNotNull();
        JsonNode volume = null;
        for (JsonNode v : tmPod.path("volumes")) {
            if (v.path("name").asText().equals(mount.path("name").asText())) {
                volume = v;
            }
        }
        assertThat(volume).as(dir + " volume " + mount.path("name").asText()).isNotNull();
        assertThat(volume.at("/ephemeral/volumeClaimTemplate/spec/resources/requests/storage").asText()).matches("\\d+Gi");
    }

    @ParameterizedTest
    @ValueSource(strings = {"overlays/dev", "overlays/prod"})
    void savepointsAreTakenPeriodicallyKeptForAWhileAndDisposedWithTheirResources(String dir) throws Exception {
        Map<String, String> cluster = STRICT.treeToValue(only(Kustomize.build(K8S.resolve(dir)), "FlinkDeployment"),
                FlinkDeployment.class).getSpec().getFlinkConfiguration();
        assertThat(org.apache.flink.util.TimeUtils.parseDuration(cluster.get("kubernetes.operator.periodic.savepoint.interval")))
                .isBetween(Duration.ofHours(1), Duration.ofDays(1));
        assertThat(org.apache.flink.util.TimeUtils.parseDuration(cluster.get("kubernetes.operator.savepoint.history.max.age")))
                .isGreaterThanOrEqualTo(Duration.ofDays(1));
        assertThat(cluster).containsEntry("kubernetes.operator.savepoint.dispose-on-delete", "true");
    }

    @Test
    void s3CredentialsComeFromIrsaTheWebIdentityTokenThenTheNodeRole() throws Exception {
        Map<String, String> cluster = STRICT.treeToValue(only(Kustomize.build(K8S.resolve("overlays/prod")),
                "FlinkDeployment"), FlinkDeployment.class).getSpec().getFlinkConfiguration();
        List<String> providers = List.of(cluster.get("s3.aws.credentials.provider").split(","));
        assertThat(providers).first().isEqualTo("com.amazonaws.auth.WebIdentityTokenCredentialsProvider");

        // Loaded as Flink loads the plugin: its own jar, nothing of the job's classpath.
        Path plugin = Path.of(System.getProperty("flink.plugins.dir", "target/flink-plugins"),
                "s3-fs-hadoop", "flink-s3-fs-hadoop-1.20.0.jar");
        try (java.net.URLClassLoader loader = new java.net.URLClassLoader(new java.net.URL[] {plugin.toUri().toURL()},
                ClassLoader.getPlatformClassLoader())) {
            // The plugin hands s3.* to S3A as fs.s3a.*: this is the S3A key of the provider list.
            assertThat(loader.loadClass("org.apache.hadoop.fs.s3a.Constants").getField("AWS_CREDENTIALS_PROVIDER")
                    .get(null)).isEqualTo("fs.s3a.aws.credentials.provider");
            Class<?> providerType = loader.loadClass("com.amazonaws.auth.AWSCredentialsProvider");
            for (String provider : providers) {
                assertThat(providerType).as(provider).isAssignableFrom(loader.loadClass(provider.trim()));
            }
            // The token provider loads STS by name at run time: the plugin must carry it, unrelocated.
            assertThat(loader.loadClass("com.amazonaws.services.securitytoken.AWSSecurityTokenServiceClient")).isNotNull();
        }
    }

    @Test
    void disruptionBudgetLetsDrainsTakeOneTaskManagerAtATime() throws IOException {
        List<ObjectNode> resources = Kustomize.build(K8S.resolve("overlays/prod"));
        ObjectNode budget = only(resources, "PodDisruptionBudget");
        ObjectNode deployment = only(resources, "FlinkDeployment");
        assertThat(budget.path("apiVersion").asText()).isEqualTo("policy/v1");
        assertThat(budget.at("/spec/maxUnavailable").asInt()).isEqualTo(1);
        assertThat(budget.at("/spec/minAvailable").isMissingNode()).isTrue();
        // The labels Flink's native Kubernetes integration puts on the TaskManager pods of this deployment.
        Map<String, String> selector = Kustomize.YAML.convertValue(budget.at("/spec/selector/matchLabels"), Map.class);
        assertThat(selector).containsExactlyInAnyOrderEntriesOf(Map.of(
                Constants.LABEL_APP_KEY, deployment.at("/metadata/name").asText(),
                Constants.LABEL_COMPONENT_KEY, Constants.LABEL_COMPONENT_TASK_MANAGER,
                Constants.LABEL_TYPE_KEY, Constants.LABEL_TYPE_NATIVE_TYPE));
        assertThat(budget.at("/metadata/namespace").asText()).isEqualTo(deployment.at("/metadata/namespace").asText());
    }

    @Test
    void podMonitorScrapesTheReporterPortOfTheFlinkPods() throws IOException {
        List<ObjectNode> resources = Kustomize.build(K8S.resolve("overlays/prod"));
        ObjectNode monitor = only(resources, "PodMonitor");
        ObjectNode deployment = only(resources, "FlinkDeployment");
        assertThat(monitor.path("apiVersion").asText()).isEqualTo("monitoring.coreos.com/v1");
        assertThat(fieldNames(monitor.path("spec"))).containsExactlyInAnyOrder("selector", "podMetricsEndpoints");

        Map<String, String> podLabels = Kustomize.YAML.convertValue(
                deployment.at("/spec/podTemplate/metadata/labels"), Map.class);
        Map<String, String> selector = Kustomize.YAML.convertValue(monitor.at("/spec/selector/matchLabels"), Map.class);
        assertThat(selector).isNotEmpty();
        assertThat(podLabels).containsAllEntriesOf(selector);

        JsonNode endpoint = monitor.at("/spec/podMetricsEndpoints/0");
        assertThat(endpoint.path("path").asText()).isEqualTo("/metrics");
        JsonNode port = null;
        for (JsonNode p : deployment.at("/spec/podTemplate/spec/containers/0/ports")) {
            if (p.path("name").asText().equals(endpoint.path("port").asText())) {
                port = p;
            }
        }
        assertThat(port).as("container port named " + endpoint.path("port").asText()).isNotNull();
        assertThat(port.path("containerPort").asText())
                .isEqualTo(deployment.at("/spec/flinkConfiguration").path("metrics.reporter.prom.port").asText());
    }

    @Test
    void alertsAreWellFormedAndQueryOnlyMetricsTheJobExports() throws IOException {
        ObjectNode rule = only(Kustomize.build(K8S.resolve("overlays/prod")), "PrometheusRule");
        assertThat(rule.path("apiVersion").asText()).isEqualTo("monitoring.coreos.com/v1");
        Map<String, JsonNode> alerts = new HashMap<>();
        for (JsonNode group : rule.at("/spec/groups")) {
            assertThat(group.path("name").asText()).isNotBlank();
            for (JsonNode r : group.path("rules")) {
                assertThat(fieldNames(r)).as(r.toString()).isSubsetOf("alert", "expr", "for", "labels", "annotations")
                        .contains("alert", "expr", "labels", "annotations");
                String name = r.path("alert").asText();
                assertThat(name).matches("[A-Z][A-Za-z0-9]+");
                assertThat(alerts.put(name, r)).as("duplicate alert " + name).isNull();
                String expr = r.path("expr").asText();
                assertThat(balanced(expr)).as(name + " brackets").isTrue();
                if (r.has("for")) {
                    assertThat(r.path("for").asText()).matches("\\d+[smh]");
                }
                assertThat(r.at("/labels/severity").asText()).isIn("warning", "critical");
                assertThat(r.at("/annotations/summary").asText()).isNotBlank();
                Matcher m = METRIC.matcher(expr);
                int found = 0;
                while (m.find()) {
                    found++;
                    assertThat(JobMetrics.isExported(m.group(1))).as(name + " queries " + m.group(1)).isTrue();
                }
                assertThat(found).as(name + " names a metric").isPositive();
                // Alerts select this job's series by the job_name label: job.name of the config as Flink's
                // reporter writes label values (characters outside [a-zA-Z0-9:_] as "_"; PrometheusAlertsIT).
                assertThat(expr).contains("job_name=\"harbinger_stream\"").doesNotContain("job_name=\"harbinger-stream\"");
            }
        }
        assertThat(alerts).containsKeys("HarbingerConsumerLagHigh", "KafkaConsumerLagHigh",
                "HarbingerConsumerLagCritical", "HarbingerJobDown", "HarbingerNoLagData", "HarbingerProducerErrors",
                "HarbingerProducerErrorsCritical", "HarbingerCheckpointFailures", "HarbingerSlowCheckpoints",
                "HarbingerBackpressure", "HarbingerJobRestarting", "HarbingerLateEventRate", "HarbingerDeadLetterRate",
                "HarbingerLatePartialsDropped");
        // Per partition, at the runbook's thresholds and the design's rule by name.
        assertLag(alerts.get("HarbingerConsumerLagHigh"), "> 10000", "warning");
        assertLag(alerts.get("KafkaConsumerLagHigh"), "> 50000", "warning");
        assertLag(alerts.get("HarbingerConsumerLagCritical"), "> 100000", "critical");
        assertThat(alerts.get("HarbingerJobDown").path("expr").asText()).startsWith("absent(")
                .contains(JobMetrics.RUNNING_TIME.name());
        assertThat(alerts.get("HarbingerNoLagData").path("expr").asText()).startsWith("absent(")
                .contains(JobMetrics.RECORDS_LAG.name());
        // Producer errors as a share of the records sent, never on one error.
        for (String producer : List.of("HarbingerProducerErrors", "HarbingerProducerErrorsCritical")) {
            assertThat(alerts.get(producer).path("expr").asText().replaceAll("\\s+", " ")).as(producer)
                    .contains(JobMetrics.PRODUCER_ERRORS.name() + "{job_name=\"harbinger_stream\"}[5m])) / sum")
                    .contains(JobMetrics.PRODUCER_SENDS.name());
        }
        assertThat(alerts.get("HarbingerProducerErrors").path("expr").asText().trim()).endsWith("> 0.001");
        assertThat(alerts.get("HarbingerProducerErrorsCritical").path("expr").asText().trim()).endsWith("> 0.01");
        assertThat(alerts.get("HarbingerDeadLetterRate").path("expr").asText())
                .contains(JobMetrics.DEAD_LETTERED.name()).contains(JobMetrics.RECORDS_IN.name());
    }

    private static void assertLag(JsonNode alert, String threshold, String severity) {
        assertThat(alert.path("expr").asText()).contains(JobMetrics.RECORDS_LAG.name())
                .contains("by (namespace, job_name, topic, partition)").endsWith(threshold);
        assertThat(alert.path("for").asText()).isEqualTo("5m");
        assertThat(alert.at("/labels/severity").asText()).isEqualTo(severity);
    }

    private static JsonNode flinkDeploymentSchema() throws IOException {
        try (InputStream in = FlinkDeployment.class.getResourceAsStream(
                "/META-INF/fabric8/flinkdeployments.flink.apache.org-v1.yml")) {
            assertThat(in).as("CRD in flink-kubernetes-operator-api").isNotNull();
            JsonNode crd = Kustomize.YAML.readTree(in);
            for (JsonNode version : crd.at("/spec/versions")) {
                if (version.path("name").asText().equals("v1beta1")) {
                    return version.at("/schema/openAPIV3Schema");
                }
            }
            throw new AssertionError("the CRD has no v1beta1 version");
        }
    }

    /** Container env: the literal value, or "secretKeyRef" for values from secrets. */
    private static Map<String, String> env(ObjectNode deployment) {
        Map<String, String> env = new HashMap<>();
        for (JsonNode e : deployment.at("/spec/podTemplate/spec/containers/0/env")) {
            String value = e.has("value") ? e.path("value").asText()
                    : e.at("/valueFrom/secretKeyRef/name").isTextual() && e.at("/valueFrom/secretKeyRef/key").isTextual()
                            ? "secretKeyRef" : "?";
            env.put(e.path("name").asText(), value);
        }
        return env;
    }

    private static String fakeValue(String name) {
        return switch (name) {
            case "KAFKA_BOOTSTRAP_SERVERS" -> "b-1.msk.example:9096";
            case "SCHEMA_REGISTRY_URL" -> "https://registry.example";
            case "POSTGRES_JDBC_URL" -> "jdbc:postgresql://db.example:5432/harbinger";
            default -> "value-of-" + name;
        };
    }

    private static ObjectNode only(List<ObjectNode> resources, String kind) {
        List<ObjectNode> matching = resources.stream().filter(r -> r.path("kind").asText().equals(kind)).toList();
        assertThat(matching).as(kind).hasSize(1);
        return matching.get(0);
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static boolean balanced(String expr) {
        int depth = 0;
        for (char c : expr.toCharArray()) {
            depth += c == '(' || c == '{' || c == '[' ? 1 : c == ')' || c == '}' || c == ']' ? -1 : 0;
            if (depth < 0) {
                return false;
            }
        }
        return depth == 0;
    }

    private static List<Path> yamlFiles() throws IOException {
        try (Stream<Path> files = Files.walk(K8S)) {
            return files.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().toList();
        }
    }
}
