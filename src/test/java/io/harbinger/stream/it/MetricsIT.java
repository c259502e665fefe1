package io.harbinger.stream.it;

import io.harbinger.events.EventType;
import io.harbinger.events.GeopoliticalEvent;
import io.harbinger.stream.registry.AvroWireEncoder;
import io.harbinger.stream.testing.JobMetrics;
import io.harbinger.stream.toolkit.Ports;
import io.harbinger.stream.toolkit.clients.EventProducer;
import io.harbinger.stream.toolkit.clients.PrometheusScrape;
import io.harbinger.stream.toolkit.scenario.JobRuns;
import io.harbinger.stream.toolkit.scenario.PipelineScenario;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

import static io.harbinger.stream.testing.TestEvents.T0;
import static io.harbinger.stream.testing.TestEvents.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Runs the real job on a MiniCluster with Flink's Prometheus reporter, as the cluster in k8s/ does, scrapes
 * its HTTP endpoint and finds every metric of {@link JobMetrics} under its Prometheus name, with a non-zero
 * value wherever the input makes it non-zero. The alert rules in k8s/ are checked against the same list.
 */
class MetricsIT {
    private static final long S = 1_000;
    private static final long MINUTE = 60 * S;

    @Test
    void theJobsMetricsReachPrometheusUnderTheirDocumentedNames() throws Exception {
        PipelineScenario scenario = PipelineScenario.create("metrics", 2);
        int port = Ports.free();
        Configuration cluster = JobRuns.prometheusReporter(port);
        String url = "http://127.0.0.1:" + port + "/metrics";

        // One record per poll, so the consumer really lags behind the burst below and reports it.
        JobClient job = scenario.start(scenario.config(List.of("source.kafka.bounded=false",
                "source.kafka.properties.max.poll.records=1", "validation.ignored-event-types=ELECTION")), null, cluster);
        AtomicReference<PrometheusScrape> last = new AtomicReference<>();
        // Highest value of each metric over all scrapes: windowed ones (records-lag-max) fall back to NaN.
        Map<String, Double> peak = new ConcurrentHashMap<>();
        try (EventProducer in = scenario.producer()) {
            // Six quiet windows and a spike for UA/CONFLICT: warm-up 5, so the spike is an anomaly.
            int id = 0;
            for (int window = 0; window < 6; window++) {
                for (int i = 0; i < 2; i++) {
                    in.send(0, event("a" + id++, "UA", EventType.CONFLICT, 0.5, T0 + window * MINUTE + i * S));
                }
            }
            for (int i = 0; i < 12; i++) {
                in.send(0, event("a" + id++, "UA", EventType.CONFLICT, 0.5, T0 + 6 * MINUTE + i * S));
            }
            in.send(0, event("a0", "UA", EventType.CONFLICT, 0.5, T0));                      // duplicate
            in.sendRaw(0, null, "hello".getBytes(StandardCharsets.UTF_8));                    // NOT_WIRE_FORMAT
            in.send(0, event("bad1", "US", EventType.PROTEST, 1.5, T0 + 7 * MINUTE));        // INVALID_SEVERITY
            in.send(0, event("bad2", "", EventType.PROTEST, 0.5, T0 + 7 * MINUTE));          // INVALID_COUNTRY_CODE
            in.send(0, event("vote1", "FR", EventType.ELECTION, 0.2, T0 + 7 * MINUTE));      // valid, ignored
            AvroWireEncoder<GeopoliticalEvent> unknownId =
                    AvroWireEncoder.specific(GeopoliticalEvent.getClassSchema(), 9_999);
            for (int i = 0; i < 2; i++) {   // UNKNOWN_SCHEMA_ID: the second is answered from the registry cache
                in.sendRaw(0, null, unknownId.encode(event("bad" + (3 + i), "US", EventType.PROTEST, 0.5, T0)));
            }
            in.send(0, event("u1", "US", EventType.PROTEST, 0.3, T0 + 8 * MINUTE));          // fires windows 0..6
            in.flush();
            awaitScrape(url, last, peak, s -> s.sum(JobMetrics.ANOMALIES.name()) >= 1);

            in.send(0, event("late1", "UA", EventType.CONFLICT, 0.5, T0 + 5 * MINUTE));     // past the lateness
            in.flush();
            awaitScrape(url, last, peak, s -> s.sum(JobMetrics.LATE_EVENTS.name()) >= 1
                    && JobMetrics.ALL.stream().allMatch(m -> !s.named(m.name()).isEmpty()
                            && (!m.nonZeroInMetricsIT() || peak.getOrDefault(m.name(), 0.0) > 0)));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            dump(last.get());
            throw e;
        } finally {
            dump(last.get());
            job.cancel().get();
        }

        PrometheusScrape scrape = last.get();
        for (JobMetrics.Metric metric : JobMetrics.ALL) {
            assertThat(scrape.named(metric.name())).as(metric.name()).isNotEmpty();
            assertThat(scrape.named(metric.name())).as(metric.name() + " labels")
                    .allSatisfy(s -> assertThat(s.labels()).containsKeys(metric.labels().toArray(String[]::new)));
            assertThat(scrape.types.get(metric.name())).as(metric.name() + " type").isEqualTo(metric.type());
            if (metric.nonZeroInMetricsIT()) {
                assertThat(peak.get(metric.name())).as(metric.name()).isGreaterThan(0);
            }
        }
        // One lag series per partition of the raw topic, labelled as the reporter writes label values.
        assertThat(scrape.named(JobMetrics.RECORDS_LAG.name()))
                .extracting(s -> s.labels().get("topic"), s -> s.labels().get("partition"))
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple(scenario.rawTopic.replace('.', '_'), "0"),
                        org.assertj.core.groups.Tuple.tuple(scenario.rawTopic.replace('.', '_'), "1"));
        // Exact values where the input fixes them: 32 records read, 27 valid, 5 rejected by reason.
        assertThat(scrape.sum(JobMetrics.RECORDS_IN.name())).isEqualTo(33);
        assertThat(scrape.sum(JobMetrics.RECORDS_VALID.name())).isEqualTo(28);
        assertThat(scrape.named(JobMetrics.DEAD_LETTERED.name()))
                .filteredOn(s -> s.value() > 0)
                .extracting(s -> s.labels().get("reason"), PrometheusScrape.Sample::value)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("NOT_WIRE_FORMAT", 1.0),
                        org.assertj.core.groups.Tuple.tuple("INVALID_SEVERITY", 1.0),
                        org.assertj.core.groups.Tuple.tuple("INVALID_COUNTRY_CODE", 1.0),
                        org.assertj.core.groups.Tuple.tuple("UNKNOWN_SCHEMA_ID", 2.0));
        // Schema v2 once and the unknown id once; the repeated unknown id comes from the negative cache.
        assertThat(scrape.sum(JobMetrics.REGISTRY_REQUESTS.name())).isEqualTo(2);
        assertThat(scrape.sum(JobMetrics.REGISTRY_CACHE_HITS.name())).isEqualTo(1);
        assertThat(scrape.sum(JobMetrics.DUPLICATES_DROPPED.name())).isEqualTo(1);
        assertThat(scrape.sum(JobMetrics.LATE_EVENTS.name())).isEqualTo(1);
        assertThat(scrape.sum(JobMetrics.IGNORED_EVENTS.name())).isEqualTo(1);
        assertThat(scrape.sum(JobMetrics.WINDOWS_EMITTED.name())).isEqualTo(7);
        assertThat(scrape.sum(JobMetrics.ANOMALIES.name())).isEqualTo(1);
        // The event times are from 2024: the watermark lags the wall clock by more than a day.
        assertThat(scrape.max(JobMetrics.EVENT_TIME_LAG.name())).isGreaterThan(Duration.ofDays(1).toMillis());
        assertThat(scrape.sum(JobMetrics.SINK_ERRORS.name())).isZero();
        assertThat(scrape.sum(JobMetrics.PRODUCER_ERRORS.name())).isZero();
        assertThat(scrape.sum(JobMetrics.RESTARTS.name())).isZero();
    }

    private static void awaitScrape(String url, AtomicReference<PrometheusScrape> last, Map<String, Double> peak,
                                    Predicate<PrometheusScrape> condition) {
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() -> {
            PrometheusScrape s = PrometheusScrape.of(url);
            last.set(s);
            for (JobMetrics.Metric m : JobMetrics.ALL) {
                double max = s.max(m.name());
                if (!Double.isNaN(max)) {
                    peak.merge(m.name(), max, Math::max);
                }
            }
            return condition.test(s);
        });
    }

    private static void dump(PrometheusScrape scrape) throws Exception {
        if (scrape != null) {
            Files.createDirectories(Path.of("target"));
            Files.writeString(Path.of("target", "metrics-it-scrape.txt"), scrape.text);
        }
    }
}
