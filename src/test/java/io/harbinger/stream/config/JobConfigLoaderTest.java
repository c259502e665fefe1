package io.harbinger.stream.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JobConfigLoaderTest {
    private static final Map<String, String> LOCAL_ENV = Map.of(
            "KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092",
            "SCHEMA_REGISTRY_URL", "http://127.0.0.1:8081",
            "POSTGRES_JDBC_URL", "jdbc:postgresql://127.0.0.1:5432/postgres",
            "POSTGRES_USER", "postgres",
            "POSTGRES_PASSWORD", "s3cret",
            "CHECKPOINT_DIR", "file:///tmp/checkpoints");

    private static final String MINIMAL = """
            job: {name: test}
            source:
              kafka: {bootstrap-servers: "k:9092", topics: [raw], group-id: g}
            """ + JobConfigLoaderTest.ALL_BUT_JOB_AND_SOURCE;

    /** The required sections after job and source, for tests of one source (e.g. KinesisSourceConfigTest). */
    static final String ALL_BUT_JOB_AND_SOURCE = """
            registry: {url: "http://r:8081"}
            window: {size: 5m}
            sinks:
              kafka:
                bootstrap-servers: "k:9092"
                aggregates-topic: agg
                anomalies-topic: anom
                dead-letter-topic: dlq
                late-events-topic: late
                transactional-id-prefix: tx
              jdbc: {url: "jdbc:postgresql://db/x", username: u}
            checkpoints: {directory: "file:///tmp/cp"}
            """;

    private final JobConfigLoader loader = new JobConfigLoader(LOCAL_ENV);

    @Test
    void shippedLocalConfigLoadsWithItsEnvironment() {
        JobConfig config = loader.load(Path.of("jobs-config/local.yaml"), List.of());

        assertThat(config.input().kafka().bootstrapServers()).isEqualTo("127.0.0.1:9092");
        assertThat(config.input().kafka().bounded()).isTrue();
        assertThat(config.window().size()).isEqualTo(Duration.ofMinutes(1));
        assertThat(config.jdbcSink().password().reveal()).isEqualTo("s3cret");
        assertThat(config.validation().earliestEventTime()).isEqualTo(Instant.parse("2015-02-18T00:00:00Z"));
    }

    @Test
    void shippedProductionConfigLoads() {
        Map<String, String> env = new HashMap<>(LOCAL_ENV);
        env.put("KAFKA_USERNAME", "harbinger");
        env.put("KAFKA_PASSWORD", "pw\"with$quote");
        env.put("SCHEMA_REGISTRY_USERNAME", "reg");
        env.put("SCHEMA_REGISTRY_PASSWORD", "regpw");

        JobConfig config = new JobConfigLoader(env).load(Path.of("jobs-config/prod-msk.yaml"), List.of());

        assertThat(config.input().kafka().topicPattern()).contains("([a-z0-9-]+\\.)?geopolitical-events");
        assertThat(config.input().kafka().properties()).containsEntry("security.protocol", "SASL_SSL");
        assertThat(config.input().kafka().properties().get("sasl.jaas.config"))
                .contains("username=\"harbinger\"").contains("pw\"with$quote");
        assertThat(config.checkpoints().directory()).startsWith("s3://");
        // the benchmark's production settings (BenchOptions.PRODUCTION_SETTINGS) are these
        assertThat(config.checkpoints().interval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.checkpoints().minPause()).isEqualTo(Duration.ofSeconds(1));
        assertThat(config.rocksdb().bloomFilter()).contains(true);
    }

    @Test
    void defaultsApplyToAMinimalConfig() {
        JobConfig config = loader.parse(MINIMAL, "minimal.yaml", List.of());

        assertThat(config.dedup().ttl()).isEqualTo(Duration.ofHours(24));
        assertThat(config.input().kafka().startingOffsets())
                .isEqualTo(JobConfig.StartingOffsets.COMMITTED_OR_EARLIEST);
        assertThat(config.kafkaSink().transactionTimeout()).isEqualTo(Duration.ofMinutes(15));
        assertThat(config.validation().maxValueBytes()).isEqualTo(1024 * 1024);
    }

    @Test
    void parallelismInTheJobConfigIsRefusedBecauseThePlatformOwnsIt() {
        assertThatThrownBy(() -> loader.parse(MINIMAL, "minimal.yaml", List.of("job.parallelism=4")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("minimal.yaml")
                .hasMessageContaining("job.parallelism: is no longer read: the platform owns parallelism")
                .hasMessageContaining("flink run -p");
    }

    @Test
    void setOverridesWinOverTheFile() {
        JobConfig config = loader.parse(MINIMAL, "minimal.yaml",
                List.of("window.size=10m", "anomaly.z-threshold=4.5", "source.kafka.topics=a,b"));

        assertThat(config.window().size()).isEqualTo(Duration.ofMinutes(10));
        assertThat(config.anomaly().zThreshold()).isEqualTo(4.5);
        assertThat(config.input().kafka().topics()).containsExactly("a", "b");
    }

    @Test
    void everyProblemIsReportedWithFileAndKey() {
        String broken = MINIMAL
                .replace("window: {size: 5m}", "window: {size: five, allowed-latenes: 1m}")
                .replace("registry: {url: \"http://r:8081\"}", "registry: {url: \"r:8081\", cache-size: lots}")
                .replace("group-id: g", "group-id: \"\"");

        assertThatThrownBy(() -> loader.parse(broken, "jobs-config/broken.yaml", List.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("jobs-config/broken.yaml")
                .satisfies(e -> assertThat(((ConfigException) e).problems()).containsExactlyInAnyOrder(
                        "window.size: expected a duration such as 500ms, 30s, 5m, 2h or 7d, got \"five\"",
                        "window.allowed-latenes: unknown key",
                        "registry.cache-size: expected a number, got \"lots\"",
                        "registry.url: expected an http:// or https:// URL, got \"r:8081\"",
                        "source.kafka.group-id: must not be empty"));
    }

    @Test
    void preAggregationBoundDefaultsAndIsChecked() {
        assertThat(loader.parse(MINIMAL, "minimal.yaml", List.of()).window().preAggregationMaxKeys()).isEqualTo(10_000);
        assertThat(loader.parse(MINIMAL, "minimal.yaml", List.of("window.pre-aggregation.max-keys=0"))
                .window().preAggregationMaxKeys()).isZero();

        assertThatThrownBy(() -> loader.parse(MINIMAL, "minimal.yaml", List.of("window.pre-aggregation.max-keys=-1")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("minimal.yaml")
                .satisfies(e -> assertThat(((ConfigException) e).problems()).containsExactly(
                        "window.pre-aggregation.max-keys: must be a whole number >= 0, got -1"));
    }

    @Test
    void missingRequiredKeysAreNamed() {
        assertThatThrownBy(() -> loader.parse("job: {name: x}\n", "empty.yaml", List.of()))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems()).contains(
                        "source.kafka.bootstrap-servers: is required",
                        "registry.url: is required",
                        "window.size: is required",
                        "sinks.kafka.transactional-id-prefix: is required",
                        "checkpoints.directory: is required"));
    }

    @Test
    void unsetEnvironmentVariableIsNamedWithItsKey() {
        String yaml = MINIMAL.replace("username: u", "username: u, password: \"${DB_PASSWORD}\"");

        assertThatThrownBy(() -> loader.parse(yaml, "f.yaml", List.of()))
                .hasMessageContaining("sinks.jdbc.password: environment variable DB_PASSWORD is not set");
        JobConfig withDefault = loader.parse(yaml.replace("${DB_PASSWORD}", "${DB_PASSWORD:-fallback}"),
                "f.yaml", List.of());
        assertThat(withDefault.jdbcSink().password().reveal()).isEqualTo("fallback");
    }

    @Test
    void fileReferencesReadSecretsFromFilesLikeMountedKubernetesSecrets(@TempDir Path dir) throws Exception {
        Path password = Files.writeString(dir.resolve("db-password"), "s3cr3t-from-file\n");
        Path jaas = Files.writeString(dir.resolve("kafka-password"), "kafka-pw");
        String yaml = MINIMAL.replace("username: u", "username: u, password: \"${file:" + password + "}\"")
                .replace("group-id: g}", "group-id: g, properties: {sasl.jaas.config: 'ScramLoginModule required"
                        + " username=\"${KAFKA_USER:-app}\" password=\"${file:" + jaas + "}\";'}}");

        JobConfig config = loader.parse(yaml, "f.yaml", List.of());

        // the trailing line break of the file is not part of the secret
        assertThat(config.jdbcSink().password().reveal()).isEqualTo("s3cr3t-from-file");
        assertThat(config.input().kafka().properties().get("sasl.jaas.config"))
                .isEqualTo("ScramLoginModule required username=\"app\" password=\"kafka-pw\";");
        // neither secret prints with the config
        assertThat(config.toString()).doesNotContain("s3cr3t-from-file").doesNotContain("kafka-pw")
                .contains("sasl.jaas.config=******");
    }

    @Test
    void aMissingSecretFileIsNamedWithItsKeyAndNothingOfAnyContent(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("no-such-secret");
        Path notUtf8 = Files.write(dir.resolve("binary"), new byte[] {(byte) 0xff, (byte) 0xfe});
        String yaml = MINIMAL.replace("username: u", "username: u, password: \"${file:" + missing + "}\"")
                .replace("url: \"http://r:8081\"", "url: \"http://r:8081\", username: r, password: \"${file:"
                        + notUtf8 + "}\"");

        assertThatThrownBy(() -> loader.parse(yaml, "f.yaml", List.of()))
                .hasMessageContaining("sinks.jdbc.password: file " + missing + " (from ${file:" + missing
                        + "}) does not exist")
                .hasMessageContaining("registry.password: file " + notUtf8 + " (from ${file:" + notUtf8
                        + "}) is not UTF-8 text");
    }

    @Test
    void secretsNeverPrintInTheConfig() {
        String yaml = MINIMAL.replace("username: u", "username: u, password: hunter2");

        JobConfig config = loader.parse(yaml, "f.yaml", List.of());

        assertThat(config.toString()).doesNotContain("hunter2").contains("******");
    }

    @Test
    void withoutAuthenticationTheClientsGetThePropertiesAsTheyAre() {
        JobConfig config = loader.parse(MINIMAL, "m.yaml", List.of("source.kafka.properties.security.protocol=SSL"));

        assertThat(config.input().kafka().authentication()).isEqualTo(KafkaAuthentication.none());
        assertThat(config.input().kafka().clientProperties()).containsExactly(Map.entry("security.protocol", "SSL"));
        assertThat(config.kafkaSink().authentication().method()).isEqualTo(KafkaAuthentication.Method.NONE);
        assertThat(config.kafkaSink().clientProperties()).isEmpty();
    }

    @Test
    void iamAuthenticationSetsTheFourMskIamPropertiesForSourceAndSinks() {
        String yaml = MINIMAL.replace("group-id: g}", "group-id: g, authentication: iam,"
                        + " properties: {ssl.truststore.location: /etc/msk.p12, security.protocol: sasl_ssl}}")
                .replace("transactional-id-prefix: tx", "transactional-id-prefix: tx\n    authentication: IAM\n"
                        + "    iam: {role-arn: \"arn:aws:iam::123456789012:role/harbinger-msk\", sts-region: eu-west-1}");

        JobConfig config = loader.parse(yaml, "m.yaml", List.of());

        assertThat(config.input().kafka().authentication().method()).isEqualTo(KafkaAuthentication.Method.IAM);
        assertThat(config.input().kafka().clientProperties()).containsOnly(
                Map.entry("ssl.truststore.location", "/etc/msk.p12"),
                Map.entry("security.protocol", "SASL_SSL"),
                Map.entry("sasl.mechanism", "AWS_MSK_IAM"),
                Map.entry("sasl.jaas.config", "software.amazon.msk.auth.iam.IAMLoginModule required;"),
                Map.entry("sasl.client.callback.handler.class",
                        "software.amazon.msk.auth.iam.IAMClientCallbackHandler"));
        // what the file said stays as it was: only the clients get the IAM properties
        assertThat(config.input().kafka().properties()).doesNotContainKey("sasl.mechanism");
        assertThat(config.kafkaSink().authentication().roleArn()).contains("arn:aws:iam::123456789012:role/harbinger-msk");
        assertThat(config.kafkaSink().clientProperties()).containsEntry("sasl.jaas.config",
                "software.amazon.msk.auth.iam.IAMLoginModule required"
                        + " awsRoleArn=\"arn:aws:iam::123456789012:role/harbinger-msk\" awsStsRegion=\"eu-west-1\";")
                .containsEntry("sasl.mechanism", "AWS_MSK_IAM");
        assertThat(config.kafkaSink().toString()).contains("authentication=iam[role-arn=arn:aws:iam::123456789012:role/"
                + "harbinger-msk, sts-region=eu-west-1]");
        // a profile (e.g. for the dead-letter replay from an operator's machine), set like any key
        JobConfig profile = loader.parse(MINIMAL, "m.yaml", List.of("sinks.kafka.authentication=iam",
                "sinks.kafka.iam.profile-name=msk-ops"));
        assertThat(profile.kafkaSink().clientProperties().get("sasl.jaas.config"))
                .isEqualTo("software.amazon.msk.auth.iam.IAMLoginModule required awsProfileName=\"msk-ops\";");
    }

    @Test
    void iamBesideAnotherProtocolMechanismOrScramLoginIsReportedWithEveryKeyAtOnce() {
        String yaml = MINIMAL.replace("group-id: g}", "group-id: g, authentication: iam, properties: {"
                        + "security.protocol: PLAINTEXT, sasl.mechanism: SCRAM-SHA-512, sasl.jaas.config: 'org.apache.kafka"
                        + ".common.security.scram.ScramLoginModule required username=\"u\" password=\"Scr4mSecret\";'}}")
                .replace("transactional-id-prefix: tx", "transactional-id-prefix: tx\n    authentication: iam\n"
                        + "    properties: {security.protocol: SASL_PLAINTEXT, sasl.login.callback.handler.class: x.Y,"
                        + " sasl.client.callback.handler.class: x.Z}");

        assertThatThrownBy(() -> loader.parse(yaml, "jobs-config/msk.yaml", List.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("jobs-config/msk.yaml")
                .satisfies(e -> assertThat(((ConfigException) e).problems()).containsExactlyInAnyOrder(
                        "source.kafka.properties.security.protocol: is \"PLAINTEXT\", but authentication iam needs"
                                + " SASL_SSL (MSK's IAM listeners speak TLS only); remove it",
                        "source.kafka.properties.sasl.mechanism: is \"SCRAM-SHA-512\", but authentication iam uses"
                                + " AWS_MSK_IAM; remove it",
                        "source.kafka.properties.sasl.jaas.config: is set by authentication iam (from the iam keys);"
                                + " remove it",
                        "sinks.kafka.properties.security.protocol: is \"SASL_PLAINTEXT\", but authentication iam needs"
                                + " SASL_SSL (MSK's IAM listeners speak TLS only); remove it",
                        "sinks.kafka.properties.sasl.login.callback.handler.class: configures another SASL mechanism,"
                                + " but authentication iam uses AWS_MSK_IAM; remove it",
                        "sinks.kafka.properties.sasl.client.callback.handler.class: is set by authentication iam"
                                + " (from the iam keys); remove it"))
                // the SCRAM password is named by its key only
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("Scr4mSecret"));
    }

    @Test
    void iamKeysAreTypedAndOnlyUsedWithIam() {
        assertThatThrownBy(() -> loader.parse(MINIMAL, "f.yaml", List.of(
                "source.kafka.authentication=kerberos",
                "sinks.kafka.iam.profile-name=ops")))
                .satisfies(e -> assertThat(((ConfigException) e).problems()).containsExactlyInAnyOrder(
                        "source.kafka.authentication: must be one of [none, iam], got \"kerberos\"",
                        "sinks.kafka.iam: not used when authentication is none; remove it"));
        assertThatThrownBy(() -> loader.parse(MINIMAL, "f.yaml", List.of(
                "source.kafka.authentication=iam",
                "source.kafka.iam.role-arn=harbinger-msk",
                "source.kafka.iam.rolearn=x",
                "sinks.kafka.authentication=iam",
                "sinks.kafka.iam.sts-region=Europe",
                "sinks.kafka.iam.profile-name=ops\" awsRoleArn=\"x")))
                .satisfies(e -> assertThat(((ConfigException) e).problems()).containsExactlyInAnyOrder(
                        "source.kafka.iam.role-arn: expected an IAM role ARN such as"
                                + " arn:aws:iam::123456789012:role/harbinger-msk, got \"harbinger-msk\"",
                        "source.kafka.iam.rolearn: unknown key",
                        "sinks.kafka.iam.sts-region: expected an AWS region such as eu-west-1, got \"Europe\"",
                        "sinks.kafka.iam.sts-region: is only used with role-arn (the STS endpoint that assumes the role)",
                        "sinks.kafka.iam.profile-name: expected a profile name of letters, digits and _.@+-, got"
                                + " \"ops\" awsRoleArn=\"x\""));
        assertThatThrownBy(() -> loader.parse(MINIMAL, "f.yaml", List.of("sinks.kafka.authentication=iam",
                "sinks.kafka.iam.role-arn=arn:aws:iam::123456789012:role/a", "sinks.kafka.iam.profile-name=ops")))
                .hasMessageContaining("sinks.kafka.iam.profile-name: give at most one of role-arn and profile-name");
    }

    @Test
    void transactionTimeoutMustCoverCheckpointsAndStayUnderTheBrokerMaximum() {
        assertThatThrownBy(() -> loader.parse(MINIMAL, "f.yaml",
                List.of("checkpoints.interval=1m", "checkpoints.timeout=20m")))
                .hasMessageContaining("sinks.kafka.transaction-timeout: 15m is shorter than checkpoints.interval"
                        + " + checkpoints.timeout (21m)");
        assertThatThrownBy(() -> loader.parse(MINIMAL, "f.yaml", List.of("sinks.kafka.transaction-timeout=20m")))
                .hasMessageContaining("sinks.kafka.transaction-timeout: 20m exceeds"
                        + " sinks.kafka.broker-max-transaction-timeout (15m)");
    }

    @Test
    void upsertRetryBackoffHasDefaultsAndMustNotExceedItsMaximum() {
        JobConfig defaults = loader.parse(MINIMAL, "f.yaml", List.of());
        assertThat(defaults.jdbcSink().retryBackoff()).isEqualTo(Duration.ofMillis(500));
        assertThat(defaults.jdbcSink().maxRetryBackoff()).isEqualTo(Duration.ofSeconds(30));

        assertThatThrownBy(() -> loader.parse(MINIMAL, "f.yaml",
                List.of("sinks.jdbc.retry-backoff=1m", "sinks.jdbc.max-retry-backoff=10s")))
                .hasMessageContaining("Invalid job configuration (f.yaml)")
                .hasMessageContaining("sinks.jdbc.retry-backoff: 1m exceeds sinks.jdbc.max-retry-backoff (10s)");
    }

    @Test
    void outputTopicsMustBeDistinctAndNotRead() {
        assertThatThrownBy(() -> loader.parse(MINIMAL, "f.yaml",
                List.of("sinks.kafka.late-events-topic=dlq", "sinks.kafka.aggregates-topic=raw")))
                .hasMessageContaining("sinks.kafka.late-events-topic: \"dlq\" is already used by another output topic")
                .hasMessageContaining("sinks.kafka.aggregates-topic: \"raw\" is also an input topic");
    }

    @Test
    void topicsAndPatternAreExclusive() {
        assertThatThrownBy(() -> loader.parse(MINIMAL, "f.yaml", List.of("source.kafka.topic-pattern=raw.*")))
                .hasMessageContaining("source.kafka.topics: give exactly one of topics");
    }

    @Test
    void yamlSyntaxErrorsNameTheLine() {
        assertThatThrownBy(() -> loader.parse("job:\n  name: [unclosed\n", "bad.yaml", List.of()))
                .hasMessageContaining("bad.yaml").hasMessageContaining("not valid YAML at line");
    }

    @Test
    void missingFileIsNamed(@org.junit.jupiter.api.io.TempDir Path dir) {
        Path file = dir.resolve("nope.yaml");
        assertThat(Files.exists(file)).isFalse();
        assertThatThrownBy(() -> loader.load(file, List.of()))
                .hasMessageContaining(file.toString()).hasMessageContaining("file not found");
    }

    @Test
    void ignoredEventTypesAreTypedFromAListOrASetOverrideAndEmptyByDefault() {
        assertThat(loader.parse(MINIMAL, "m.yaml", List.of()).validation().ignoredEventTypes()).isEmpty();
        assertThat(loader.parse(MINIMAL + "validation: {ignored-event-types: [OTHER, natural-disaster]}\n",
                "m.yaml", List.of()).validation().ignoredEventTypes())
                .containsExactlyInAnyOrder(io.harbinger.events.EventType.OTHER,
                        io.harbinger.events.EventType.NATURAL_DISASTER);
        assertThat(loader.parse(MINIMAL, "m.yaml", List.of("validation.ignored-event-types=OTHER,ELECTION"))
                .validation().ignoredEventTypes())
                .containsExactlyInAnyOrder(io.harbinger.events.EventType.OTHER, io.harbinger.events.EventType.ELECTION);
    }

    @Test
    void metricsGroupIsHarbingerInAFileUnlessSetAndANameOutsideTheTwoIsRejected() {
        assertThat(loader.parse(MINIMAL, "m.yaml", List.of()).metrics())
                .isEqualTo(JobConfig.MetricsSettings.CLUSTER);
        assertThat(loader.parse(MINIMAL + "metrics: {group: kinesisanalytics}\n", "m.yaml", List.of()).metrics()
                .group()).isEqualTo(JobConfig.MetricsGroup.KINESISANALYTICS);
        assertThat(loader.parse(MINIMAL, "m.yaml", List.of("metrics.group=KinesisAnalytics")).metrics()
                .group()).isEqualTo(JobConfig.MetricsGroup.KINESISANALYTICS);

        assertThatThrownBy(() -> loader.parse(MINIMAL + "metrics: {group: cloudwatch, level: operator}\n", "m.yaml",
                List.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("m.yaml")
                .hasMessageContaining("metrics.group: must be one of [harbinger, kinesisanalytics], got \"cloudwatch\"")
                .hasMessageContaining("metrics.level: unknown key");
    }

    @Test
    void unknownIgnoredEventTypesAreRejectedNamingTheKey() {
        assertThatThrownBy(() -> loader.parse(MINIMAL, "m.yaml",
                List.of("validation.ignored-event-types=OTHER,RIOT")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("validation.ignored-event-types: unknown event type \"RIOT\"; must be among"
                        + " [PROTEST, CONFLICT, SANCTION, ELECTION, NATURAL_DISASTER, OTHER]");
        assertThatThrownBy(() -> loader.parse(MINIMAL + "validation: {ignored-event-types: {a: 1}}\n", "m.yaml",
                List.of())).hasMessageContaining("validation.ignored-event-types: expected a list, got a mapping");
    }

    @Test
    void rocksDbSettingsAreTypedAndAbsentUnlessGiven() {
        JobConfig.RocksDbSettings none = loader.parse(MINIMAL, "m.yaml", List.of()).rocksdb();
        assertThat(none.bloomFilter()).isEmpty();
        assertThat(none.writeBufferSize()).isEmpty();
        assertThat(none.nativeMetrics()).isFalse();

        JobConfig.RocksDbSettings tuned = loader.parse(MINIMAL + """
                state:
                  rocksdb:
                    predefined-options: flash-ssd-optimized
                    bloom-filter: true
                    bloom-filter-bits-per-key: 12
                    write-buffer-size: 96mb
                    write-buffer-count: 3
                    write-buffer-ratio: 0.6
                    compaction-style: level
                    compression: lz4
                    background-threads: 2
                    memory-per-slot: 512mb
                """, "m.yaml", List.of()).rocksdb();
        assertThat(tuned.predefinedOptions()).contains(JobConfig.PredefinedOptions.FLASH_SSD_OPTIMIZED);
        assertThat(tuned.bloomFilter()).contains(true);
        assertThat(tuned.bloomFilterBitsPerKey()).contains(12.0);
        assertThat(tuned.writeBufferSize()).contains(org.apache.flink.configuration.MemorySize.parse("96mb"));
        assertThat(tuned.writeBufferCount()).contains(3);
        assertThat(tuned.writeBufferRatio()).contains(0.6);
        assertThat(tuned.compression()).contains(JobConfig.Compression.LZ4);
        assertThat(tuned.memoryPerSlot()).contains(org.apache.flink.configuration.MemorySize.parse("512mb"));
    }

    @Test
    void badRocksDbSettingsAreNamedWithFileAndKey() {
        assertThatThrownBy(() -> loader.parse(MINIMAL + """
                state:
                  rocksdb:
                    bloom-filter: yes please
                    write-buffer-size: lots
                    write-buffer-count: 1
                    write-buffer-ratio: 2
                    compaction-style: tiered
                    memory-per-slot: 64kb
                    block-size: 4kb
                """, "tuned.yaml", List.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("tuned.yaml")
                .satisfies(e -> assertThat(((ConfigException) e).problems()).containsExactlyInAnyOrder(
                        "state.rocksdb.bloom-filter: expected true or false, got \"yes please\"",
                        "state.rocksdb.write-buffer-size: expected a size such as 512kb, 64mb or 1gb, got \"lots\"",
                        "state.rocksdb.write-buffer-count: must be a whole number >= 2, got 1",
                        "state.rocksdb.write-buffer-ratio: must be a number in [0.05, 0.95], got 2.0",
                        "state.rocksdb.compaction-style: must be one of [level, universal, fifo], got \"tiered\"",
                        "state.rocksdb.memory-per-slot: must be at least 1 mb, got 64 kb",
                        "state.rocksdb.block-size: unknown key"));
    }

    @Test
    void durationsAreTheDocumentedNotationNotAllThatFlinkReads() {
        JobConfig config = loader.parse(MINIMAL, "m.yaml", List.of("window.size=5min", "dedup.ttl=2d",
                "checkpoints.interval=5 s", "window.allowed-lateness=0s", "sinks.jdbc.batch-interval=250ms"));
        assertThat(config.window().size()).isEqualTo(Duration.ofMinutes(5));
        assertThat(config.dedup().ttl()).isEqualTo(Duration.ofDays(2));
        assertThat(config.checkpoints().interval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.window().allowedLateness()).isZero();
        assertThat(config.jdbcSink().batchInterval()).isEqualTo(Duration.ofMillis(250));

        // Flink's TimeUtils reads 15 (as milliseconds), 500µs, 2 hours and 1M (a minute); the job refuses them, as
        // it refuses 1h30m and a value beyond a long of milliseconds.
        assertThatThrownBy(() -> loader.parse(MINIMAL, "m.yaml", List.of("window.size=15", "dedup.ttl=500\u00b5s",
                "checkpoints.interval=1h30m", "checkpoints.timeout=2 hours", "event-time.idleness=1M",
                "anomaly.baseline-ttl=99999999999999999999d")))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems()).containsExactly(
                        "dedup.ttl: expected a duration such as 500ms, 30s, 5m, 2h or 7d, got \"500\u00b5s\"",
                        "event-time.idleness: expected a duration such as 500ms, 30s, 5m, 2h or 7d, got \"1M\"",
                        "window.size: expected a duration such as 500ms, 30s, 5m, 2h or 7d, got \"15\"",
                        "anomaly.baseline-ttl: expected a duration such as 500ms, 30s, 5m, 2h or 7d,"
                                + " got \"99999999999999999999d\"",
                        "checkpoints.interval: expected a duration such as 500ms, 30s, 5m, 2h or 7d, got \"1h30m\"",
                        "checkpoints.timeout: expected a duration such as 500ms, 30s, 5m, 2h or 7d,"
                                + " got \"2 hours\""));
    }
}
