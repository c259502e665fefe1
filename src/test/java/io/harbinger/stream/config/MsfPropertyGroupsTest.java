package io.harbinger.stream.config;

import io.harbinger.stream.config.JobConfig.KinesisRecordPublisher;
import io.harbinger.stream.config.JobConfig.SourceType;

import io.harbinger.stream.toolkit.services.LocalSecretsManager;

import com.amazonaws.services.kinesisanalytics.runtime.KinesisAnalyticsRuntime;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Managed Service for Apache Flink property groups onto the typed config, with the same checks as a file. The
 * shipped properties take the database credentials from Secrets Manager: here from {@link LocalSecretsManager}
 * on 127.0.0.1, through the real SDK client.
 */
class MsfPropertyGroupsTest {
    private static LocalSecretsManager secretsManager;
    private final JobConfigLoader loader = new JobConfigLoader(Map.of());

    @BeforeAll
    static void startLocalSecretsManager() throws Exception {
        secretsManager = LocalSecretsManager.startWithTheShippedMsfSecret();
    }

    @AfterAll
    static void stopLocalSecretsManager() {
        assertThat(secretsManager.refused()).isEmpty();
        secretsManager.close();
    }

    @Test
    void shippedApplicationPropertiesBindThroughTheRuntimeLibrary() throws Exception {
        Map<String, Properties> groups =
                KinesisAnalyticsRuntime.getApplicationProperties("jobs-config/msf-application-properties.json");

        JobConfig config = MsfPropertyGroups.load(loader, groups, "msf.json", List.of());

        assertThat(config.input().type()).isEqualTo(SourceType.KINESIS);
        assertThat(config.input().kinesis().recordPublisher()).isEqualTo(KinesisRecordPublisher.EFO);
        assertThat(config.input().kinesis().efoConsumerName()).contains("harbinger-stream");
        assertThat(config.input().kinesis().streams()).containsExactly("geopolitical-events");
        assertThat(config.anomaly().warmUpWindows()).isEqualTo(96);
        assertThat(config.window().size()).isEqualTo(Duration.ofMinutes(15));
        // MSK IAM on the IAM port, with the service execution role's credentials
        assertThat(config.kafkaSink().bootstrapServers()).endsWith(".amazonaws.com:9098");
        assertThat(config.kafkaSink().authentication()).isEqualTo(
                KafkaAuthentication.iam(Optional.empty(), Optional.empty(), Optional.empty()));
        assertThat(config.kafkaSink().properties()).isEmpty();
        assertThat(config.kafkaSink().clientProperties()).containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "AWS_MSK_IAM");
        assertThat(config.checkpoints().directory()).isEqualTo(MsfPropertyGroups.MANAGED_CHECKPOINTS);
        assertThat(config.jdbcSink().batchSize()).isEqualTo(1000);
        // the database user and password from one Secrets Manager secret, fetched once, never printed
        assertThat(config.jdbcSink().username()).isEqualTo(LocalSecretsManager.SHIPPED_MSF_POSTGRES_USER);
        assertThat(config.jdbcSink().password().reveal()).isEqualTo(LocalSecretsManager.SHIPPED_MSF_POSTGRES_PASSWORD);
        assertThat(config.toString()).doesNotContain(LocalSecretsManager.SHIPPED_MSF_POSTGRES_PASSWORD);
    }

    @Test
    void theShippedPropertiesHoldNoPasswordOnlyAReference() throws Exception {
        Map<String, Properties> groups =
                KinesisAnalyticsRuntime.getApplicationProperties("jobs-config/msf-application-properties.json");
        int before = secretsManager.requests(LocalSecretsManager.SHIPPED_MSF_POSTGRES_SECRET);

        assertThat(groups.get("sinks.jdbc").getProperty("password")).isEqualTo("${secretsmanager:"
                + LocalSecretsManager.SHIPPED_MSF_POSTGRES_SECRET + "#password}");
        MsfPropertyGroups.load(loader, groups, "msf.json", List.of());
        assertThat(secretsManager.requests(LocalSecretsManager.SHIPPED_MSF_POSTGRES_SECRET) - before).isEqualTo(1);
    }

    @Test
    void groupIdIsTheSectionPathAndPropertiesKeepTheirDots() {
        assertThat(MsfPropertyGroups.path("source.kinesis", "polling.interval"))
                .containsExactly("source", "kinesis", "polling", "interval");
        assertThat(MsfPropertyGroups.path("sinks.kafka.properties", "sasl.jaas.config"))
                .containsExactly("sinks", "kafka", "properties", "sasl.jaas.config");
        assertThat(MsfPropertyGroups.path("sinks.kafka", "properties.compression.type"))
                .containsExactly("sinks", "kafka", "properties", "compression.type");
        assertThat(MsfPropertyGroups.path("", "job.name")).containsExactly("job", "name");
    }

    @Test
    void overridesApplyAndProblemsNameTheGroupAndKey() throws Exception {
        Map<String, Properties> groups = new LinkedHashMap<>(
                KinesisAnalyticsRuntime.getApplicationProperties("jobs-config/msf-application-properties.json"));
        groups.get("source.kinesis").remove("efo.consumer-name");
        groups.get("source.kinesis").setProperty("starting-position", "at-timestamp");
        groups.get("window").setProperty("size", "15 minutes");
        groups.put("sourc.kinesis", props("region", "x"));
        groups.get("registry").remove("url");

        assertThatThrownBy(() -> MsfPropertyGroups.load(loader, groups, "msf.json", List.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("Invalid job configuration (msf.json, runtime property groups):")
                .hasMessageContaining("property group source.kinesis, key efo.consumer-name: is required when"
                        + " record-publisher is efo")
                .hasMessageContaining("property group source.kinesis, key starting-timestamp: is required when"
                        + " starting-position is at-timestamp")
                .hasMessageContaining("property group window, key size: expected a duration such as 500ms, 30s,"
                        + " 5m, 2h or 7d, got \"15 minutes\"")
                .hasMessageContaining("property group registry, key url: is required")
                .hasMessageContaining("property group sourc.kinesis: unknown key (sourc)");

        JobConfig overridden = MsfPropertyGroups.load(loader,
                KinesisAnalyticsRuntime.getApplicationProperties("jobs-config/msf-application-properties.json"),
                "msf.json", List.of("source.kinesis.record-publisher=polling", "window.size=5m"));
        assertThat(overridden.input().kinesis().recordPublisher()).isEqualTo(KinesisRecordPublisher.POLLING);
        assertThat(overridden.window().size()).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void theJobsMetricsGoUnderKinesisanalyticsUnlessAGroupSaysOtherwise() throws Exception {
        Map<String, Properties> groups =
                KinesisAnalyticsRuntime.getApplicationProperties("jobs-config/msf-application-properties.json");
        assertThat(MsfPropertyGroups.load(loader, groups, "msf.json", List.of()).metrics())
                .isEqualTo(JobConfig.MetricsSettings.MANAGED_SERVICE);

        groups.put("metrics", props("group", "harbinger"));
        assertThat(MsfPropertyGroups.load(loader, groups, "msf.json", List.of()).metrics())
                .isEqualTo(JobConfig.MetricsSettings.CLUSTER);

        groups.put("metrics", props("group", "prometheus"));
        assertThatThrownBy(() -> MsfPropertyGroups.load(loader, groups, "msf.json", List.of()))
                .hasMessageContaining("property group metrics, key group: must be one of [harbinger,"
                        + " kinesisanalytics], got \"prometheus\"");
    }

    @Test
    void crossKeyRulesHoldForPropertyGroupsToo() throws Exception {
        Map<String, Properties> groups =
                KinesisAnalyticsRuntime.getApplicationProperties("jobs-config/msf-application-properties.json");
        groups.get("sinks.kafka").setProperty("transaction-timeout", "5m");

        assertThatThrownBy(() -> MsfPropertyGroups.load(loader, groups, "msf.json", List.of()))
                .hasMessageContaining("property group sinks.kafka, key transaction-timeout: 5m is shorter than"
                        + " checkpoints.interval + checkpoints.timeout (605s)");
    }

    @Test
    void iamBesideATlsOnlyProtocolIsNamedByGroupAndKey() throws Exception {
        Map<String, Properties> groups = new LinkedHashMap<>(
                KinesisAnalyticsRuntime.getApplicationProperties("jobs-config/msf-application-properties.json"));
        groups.put("sinks.kafka.properties", props("security.protocol", "SSL"));
        groups.get("sinks.kafka").setProperty("iam.role-arn", "harbinger-msk");

        assertThatThrownBy(() -> MsfPropertyGroups.load(loader, groups, "msf.json", List.of()))
                .hasMessageContaining("property group sinks.kafka.properties, key security.protocol: is \"SSL\", but"
                        + " authentication iam needs SASL_SSL")
                .hasMessageContaining("property group sinks.kafka, key iam.role-arn: expected an IAM role ARN");
    }

    private static Properties props(String... kv) {
        Properties p = new Properties();
        for (int i = 0; i < kv.length; i += 2) p.setProperty(kv[i], kv[i + 1]);
        return p;
    }
}
