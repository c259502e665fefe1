package io.harbinger.stream.it;

import io.harbinger.events.EventType;
import io.harbinger.stream.testing.PrometheusRules;
import io.harbinger.stream.toolkit.Ports;
import io.harbinger.stream.toolkit.WorkDirs;
import io.harbinger.stream.toolkit.clients.EventProducer;
import io.harbinger.stream.toolkit.scenario.JobRuns;
import io.harbinger.stream.toolkit.scenario.PipelineScenario;
import io.harbinger.stream.toolkit.services.LocalPrometheus;
import io.harbinger.stream.toolkit.services.LocalPrometheus.Alert;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static io.harbinger.stream.testing.TestEvents.T0;
import static io.harbinger.stream.testing.TestEvents.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The shipped alert rules evaluated by a real Prometheus that scrapes the real job's Prometheus reporter on a
 * MiniCluster (as the PodMonitor scrapes the pods): lag built up on one partition of the raw topic fires
 * {@code HarbingerConsumerLagHigh} with that topic and partition as labels, and stopping the job fires
 * {@code HarbingerJobDown}.
 *
 * <p>The rules are those of k8s/base/prometheusrule.yaml with two changes, so that the test takes seconds, not
 * minutes: every {@code for} is 2 s, and Prometheus scrapes and evaluates every 2 seconds. Thresholds and
 * expressions are unchanged. The job runs with {@code job.name=harbinger-stream}, the name the rules select.
 *
 * <p>Lag: 20,000 events of an ignored type go to partition 1 while a broker quota of 16 KiB/s on the source's
 * consumers and fetches of one record batch hold the source back, so it stays more than 10,000 records behind
 * for about a minute; partition 0 gets a few events and no lag.
 */
class PrometheusAlertsIT {
    private static final String JOB_NAME = "harbinger-stream";
    /** Flink's reporter writes label values with every character outside [a-zA-Z0-9:_] as "_". */
    private static final String JOB_LABEL = "harbinger_stream";
    /** Scrape and evaluation interval: a scrape of the MiniCluster's reporter can take a second on two cores. */
    private static final Duration EVERY = Duration.ofSeconds(2);
    private static final int BACKLOG = 20_000;

    @Test
    void lagOnOnePartitionAndAStoppedJobFireTheirAlerts() throws Exception {
        PipelineScenario scenario = PipelineScenario.create("alerts", 2);
        int reporterPort = Ports.free();
        Configuration cluster = JobRuns.prometheusReporter(reporterPort);
        String clientIdPrefix = scenario.name + "-source";
        throttle(scenario, clientIdPrefix);

        ObjectNode rules = PrometheusRules.ruleFile();
        PrometheusRules.alerts(rules).forEach(alert -> {
            if (alert.has("for")) {
                alert.put("for", "2s");
            }
        });
        Path ruleFile = PrometheusRules.write(rules, WorkDirs.create("harbinger-alert-rules-").resolve("rules.yaml"));

        JobClient job = scenario.start(scenario.config(List.of("job.name=" + JOB_NAME,
                "source.kafka.bounded=false", "validation.ignored-event-types=ELECTION",
                "source.kafka.properties.client.id.prefix=" + clientIdPrefix,
                "source.kafka.properties.max.partition.fetch.bytes=1",
                "source.kafka.properties.fetch.max.bytes=1")), null, cluster);
        boolean jobStopped = false;
        AtomicReference<List<Alert>> seen = new AtomicReference<>(List.of());
        AtomicReference<String> targets = new AtomicReference<>("");
        try (LocalPrometheus prometheus = LocalPrometheus.start(List.of(Ports.HOST + ":" + reporterPort), ruleFile, EVERY);
             EventProducer in = scenario.producer()) {
            for (int i = 0; i < 3; i++) {
                in.send(0, event("p0-" + i, "FR", EventType.ELECTION, 0.2, T0 + i));
            }
            for (int i = 0; i < BACKLOG; i++) {
                in.send(1, event("p1-" + i, "FR", EventType.ELECTION, 0.2, T0 + i));
            }
            in.flush();

            await("HarbingerConsumerLagHigh firing").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                    .ignoreExceptions().until(() -> {
                        seen.set(prometheus.alerts());
                        targets.set(prometheus.targets() + prometheus.query("{__name__=~\".*recordsLag\"}"));
                        return firing(seen.get(), "HarbingerConsumerLagHigh").size() > 0;
                    });
            List<Alert> lag = firing(seen.get(), "HarbingerConsumerLagHigh");
            // the raw topic, e.g. alerts_3_x1y2.raw, as the reporter writes it
            String topicLabel = scenario.rawTopic.replace('.', '_');
            assertThat(lag).singleElement().satisfies(alert -> {
                assertThat(alert.labels()).containsEntry("topic", topicLabel).containsEntry("partition", "1")
                        .containsEntry("job_name", JOB_LABEL).containsEntry("severity", "warning");
                assertThat(alert.annotations().get("summary"))
                        .isEqualTo("Harbinger is more than 10,000 records behind on " + topicLabel + " partition 1");
                assertThat(alert.annotations()).containsEntry("runbook_url", "docs/operations.md#consumer-lag");
            });
            // partition 0 is read and has no lag; the job runs
            await("partition 0 without lag").atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() ->
                    assertThat(prometheus.query("flink_taskmanager_job_task_operator_KafkaSourceReader_topic_partition_recordsLag"
                            + "{job_name=\"" + JOB_LABEL + "\",partition=\"0\"}")).singleElement()
                            .satisfies(s -> assertThat(s.at("/value/1").asText()).isEqualTo("0")));
            assertThat(firing(seen.get(), "HarbingerJobDown")).isEmpty();

            job.cancel().get(30, TimeUnit.SECONDS);
            jobStopped = true;
            await("HarbingerJobDown firing").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                    .ignoreExceptions().until(() -> {
                        seen.set(prometheus.alerts());
                        return !firing(seen.get(), "HarbingerJobDown").isEmpty();
                    });
            assertThat(firing(seen.get(), "HarbingerJobDown")).singleElement()
                    .satisfies(alert -> assertThat(alert.labels()).containsEntry("severity", "critical"));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("alerts seen last: " + seen.get() + "; targets: " + targets.get(), e);
        } finally {
            if (!jobStopped) {
                job.cancel().get(30, TimeUnit.SECONDS);
            }
        }
    }

    /** A consumer byte-rate quota of 16 KiB/s for each source subtask's consumer (client.id prefix-N). */
    private static void throttle(PipelineScenario scenario, String clientIdPrefix) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                scenario.services.kafka.bootstrapServers()))) {
            List<ClientQuotaAlteration> quotas = new ArrayList<>();
            for (int subtask = 0; subtask < 2; subtask++) {
                quotas.add(new ClientQuotaAlteration(
                        new ClientQuotaEntity(Map.of(ClientQuotaEntity.CLIENT_ID, clientIdPrefix + "-" + subtask)),
                        List.of(new ClientQuotaAlteration.Op("consumer_byte_rate", 16_384.0))));
            }
            admin.alterClientQuotas(quotas).all().get(30, TimeUnit.SECONDS);
        }
    }

    private static List<Alert> firing(List<Alert> alerts, String name) {
        return alerts.stream().filter(a -> a.name().equals(name) && a.firing()).toList();
    }
}
