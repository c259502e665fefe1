package io.harbinger.stream.toolkit.services;

import io.harbinger.stream.toolkit.ManagedProcess;
import io.harbinger.stream.toolkit.Ports;
import io.harbinger.stream.toolkit.WorkDirs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A real Prometheus server (Debian package {@code prometheus}, installed by {@link DebianPackages} when
 * missing) on 127.0.0.1 and a free port, with its own data folder under {@link WorkDirs}: it scrapes the given
 * targets and evaluates the given rule file, both every {@code interval}. Stopped by its PID in
 * {@link #close()} or, failing that, a shutdown hook (it is a {@link ManagedProcess}).
 */
public final class LocalPrometheus implements AutoCloseable {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** An active alert as {@code /api/v1/alerts} reports it; state is {@code pending} or {@code firing}. */
    public record Alert(Map<String, String> labels, Map<String, String> annotations, String state) {
        public String name() {
            return labels.get("alertname");
        }

        public boolean firing() {
            return "firing".equals(state);
        }
    }

    private final ManagedProcess process;
    private final String url;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private LocalPrometheus(ManagedProcess process, String url) {
        this.process = process;
        this.url = url;
    }

    /**
     * Starts Prometheus scraping {@code targets} (host:port, path /metrics) and evaluating {@code ruleFile}.
     *
     * @param interval scrape and rule evaluation interval (a second is the shortest Prometheus takes well)
     */
    public static LocalPrometheus start(List<String> targets, Path ruleFile, Duration interval) throws Exception {
        Path binary = DebianPackages.ensure("prometheus", "/usr/bin/prometheus");
        Path dir = WorkDirs.create("harbinger-prometheus-");
        Files.copy(ruleFile, dir.resolve("rules.yaml"));
        String every = interval.toMillis() + "ms";
        StringBuilder config = new StringBuilder()
                .append("global:\n")
                .append("  scrape_interval: ").append(every).append('\n')
                .append("  scrape_timeout: ").append(every).append('\n')
                .append("  evaluation_interval: ").append(every).append('\n')
                .append("rule_files: [rules.yaml]\n")
                .append("scrape_configs:\n")
                .append("  - job_name: flink\n")
                .append("    static_configs:\n")
                .append("      - targets: [");
        for (int i = 0; i < targets.size(); i++) {
            config.append(i == 0 ? "" : ", ").append('\'').append(targets.get(i)).append('\'');
        }
        config.append("]\n");
        Files.writeString(dir.resolve("prometheus.yml"), config.toString());

        int port = Ports.free();
        String url = "http://" + Ports.HOST + ":" + port;
        List<String> command = new ArrayList<>(List.of(binary.toString(),
                "--config.file=" + dir.resolve("prometheus.yml"),
                "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=" + Ports.HOST + ":" + port));
        ManagedProcess process = ManagedProcess.builder("prometheus", command).workDir(dir).start();
        LocalPrometheus prometheus = new LocalPrometheus(process, url);
        process.awaitReady(READY_TIMEOUT, () -> prometheus.get("/-/ready").statusCode() == 200);
        return prometheus;
    }

    public String url() {
        return url;
    }

    /** The alerts that are pending or firing now. */
    public List<Alert> alerts() throws IOException, InterruptedException {
        JsonNode body = json("/api/v1/alerts");
        List<Alert> alerts = new ArrayList<>();
        for (JsonNode a : body.at("/data/alerts")) {
            alerts.add(new Alert(JSON.convertValue(a.path("labels"), Map.class),
                    JSON.convertValue(a.path("annotations"), Map.class), a.path("state").asText()));
        }
        return alerts;
    }

    /** Each scrape target's URL, health and last error, for failure messages. */
    public String targets() throws IOException, InterruptedException {
        StringBuilder out = new StringBuilder();
        for (JsonNode t : json("/api/v1/targets").at("/data/activeTargets")) {
            out.append(t.path("scrapeUrl").asText()).append(' ').append(t.path("health").asText()).append(' ')
                    .append(t.path("lastScrapeDuration").asText()).append("s ").append(t.path("lastError").asText())
                    .append('\n');
        }
        return out.toString();
    }

    /** The result of an instant PromQL query (the {@code data.result} array). */
    public JsonNode query(String promql) throws IOException, InterruptedException {
        return json("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)).at("/data/result");
    }

    private JsonNode json(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = get(path);
        if (response.statusCode() != 200) {
            throw new IOException("GET " + url + path + " answered " + response.statusCode() + ": " + response.body());
        }
        return JSON.readTree(response.body());
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() {
        process.stop();
    }
}
