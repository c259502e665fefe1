package io.harbinger.stream.local;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.harbinger.curated.AnomalyAlert;
import io.harbinger.curated.SeverityAggregate;
import io.harbinger.stream.anomaly.AnomalyScorer;
import io.harbinger.stream.anomaly.Baseline;
import io.harbinger.stream.config.JobConfig;
import io.harbinger.stream.config.JobConfig.AnomalySettings;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code report.html}: one self-contained page (inline data, inline script drawing inline SVG, nothing fetched)
 * with, for the busiest keys and every key with an alert, the window counts and mean severity over time, the
 * baseline band (mean ± threshold × stddev, where |z| stays below the threshold) and the alerts marked.
 *
 * <p>It is drawn from the run's own aggregates.csv and anomalies.csv, so what it shows is what those hold. The
 * band is the scorer's baseline replayed over the key's windows (silent ones included, as the detector scores
 * them); at an alert's window it is the alert's own evidence.
 */
final class HtmlReport {
    static final String FILE = "report.html";
    /** Keys charted for their volume, besides every key with an alert. */
    static final int BUSIEST = 6;

    private HtmlReport() {}

    /** Writes report.html next to the CSV files in {@code out} and returns its path. */
    static Path write(Path out, JobConfig config) throws IOException {
        List<SeverityAggregate> windows = readAggregates(out.resolve("aggregates.csv"));
        List<AnomalyAlert> alerts = readAlerts(out.resolve("anomalies.csv"));
        long size = config.window().size().toMillis();
        long lastEnd = windows.stream().mapToLong(SeverityAggregate::getWindowEnd).max().orElse(0);

        Map<String, List<SeverityAggregate>> byKey = new TreeMap<>();
        Map<String, Long> events = new TreeMap<>();
        for (SeverityAggregate w : windows) {
            String key = key(w.getCountryCode(), w.getEventType());
            byKey.computeIfAbsent(key, k -> new ArrayList<>()).add(w);
            events.merge(key, w.getCount(), Long::sum);
        }
        Map<String, List<AnomalyAlert>> alertsByKey = new TreeMap<>();
        for (AnomalyAlert a : alerts) {
            alertsByKey.computeIfAbsent(key(a.getCountryCode(), a.getEventType()), k -> new ArrayList<>()).add(a);
        }
        Set<String> busiest = new LinkedHashSet<>();
        events.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .limit(BUSIEST).forEach(e -> busiest.add(e.getKey()));
        Set<String> charted = new LinkedHashSet<>(busiest);
        charted.addAll(alertsByKey.keySet());

        List<Map<String, Object>> charts = new ArrayList<>();
        for (String key : charted) {
            List<AnomalyAlert> keyAlerts = alertsByKey.getOrDefault(key, List.of());
            Map<String, Object> chart = new LinkedHashMap<>();
            chart.put("key", key);
            chart.put("events", events.getOrDefault(key, 0L));
            chart.put("busiest", busiest.contains(key));
            chart.put("points", series(key, byKey.getOrDefault(key, List.of()), keyAlerts, config.anomaly(), size,
                    lastEnd));
            List<Map<String, Object>> marks = new ArrayList<>();
            for (AnomalyAlert a : keyAlerts) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("start", a.getWindowStart());
                m.put("metric", a.getMetric().name());
                m.put("observed", a.getObserved());
                m.put("z", a.getZScore());
                m.put("revision", a.getRevision());
                m.put("retracted", a.getRetracted());
                marks.add(m);
            }
            chart.put("alerts", marks);
            charts.add(chart);
        }

        Map<String, Object> data = new LinkedHashMap<>();
        data.put("windowMillis", size);
        data.put("threshold", config.anomaly().zThreshold());
        data.put("silenceScored", config.anomaly().scoreSilence());
        data.put("windows", windows.size());
        data.put("alerts", alerts.size());
        data.put("charts", charts);
        // "</" would end the script element early
        String json = new ObjectMapper().writeValueAsString(data).replace("</", "<\\/");
        Path file = out.resolve(FILE);
        Files.writeString(file, TEMPLATE.replace("/*DATA*/", json), StandardCharsets.UTF_8);
        return file;
    }

    /**
     * The key's windows in time order, each with its band: the windows with events, the silent ones the
     * detector scored in between and after the last (until the key is forgotten or the input ends), and every
     * alert's window.
     */
    private static List<Map<String, Object>> series(String key, List<SeverityAggregate> windows,
                                                    List<AnomalyAlert> alerts, AnomalySettings settings, long size,
                                                    long inputEnd) {
        AnomalyScorer scorer = new AnomalyScorer(settings);
        TreeMap<Long, Map<String, Object>> points = new TreeMap<>();
        windows.sort(Comparator.comparingLong(SeverityAggregate::getWindowStart));
        Baseline baseline = null;
        long lastEventEnd = 0;
        for (SeverityAggregate w : windows) {
            baseline = passSilence(key, baseline, lastEventEnd, w.getWindowStart(), settings, size, scorer, points);
            points.put(w.getWindowStart(), point(w, baseline, settings));
            baseline = scorer.scoreAndLearn(baseline, w, AnomalyScorer.newAlertList());
            lastEventEnd = w.getWindowEnd();
        }
        // the last window of the input fires only when the input ends, which passes no silent window
        passSilence(key, baseline, lastEventEnd, inputEnd - size, settings, size, scorer, points);
        for (AnomalyAlert a : alerts) {
            Map<String, Object> p = points.computeIfAbsent(a.getWindowStart(), start -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("start", start);
                m.put("count", a.getMetric().name().equals("EVENT_COUNT") ? a.getObserved() : null);
                m.put("severity", a.getMetric().name().equals("MEAN_SEVERITY") ? a.getObserved() : null);
                return m;
            });
            double half = a.getThreshold() * a.getBaselineStddev();
            String band = a.getMetric().name().equals("EVENT_COUNT") ? "countBand" : "severityBand";
            p.put(band, List.of(a.getBaselineMean() - half, a.getBaselineMean(), a.getBaselineMean() + half));
        }
        return new ArrayList<>(points.values());
    }

    private static Baseline passSilence(String key, Baseline baseline, long lastEventEnd, long untilEnd,
                                        AnomalySettings settings, long size, AnomalyScorer scorer,
                                        TreeMap<Long, Map<String, Object>> points) {
        if (baseline == null || !settings.scoreSilence()) {
            return baseline;
        }
        for (long end = baseline.lastWindowEnd + size; end <= untilEnd && warm(baseline, settings); end += size) {
            if (end - lastEventEnd > settings.silenceForgetAfter().toMillis()) {
                return null; // forgotten: the key starts cold when it comes back
            }
            SeverityAggregate silent = AnomalyScorer.silentWindow(key, end - size, end);
            points.put(silent.getWindowStart(), point(silent, baseline, settings));
            baseline = scorer.scoreAndLearn(baseline, silent, AnomalyScorer.newAlertList());
        }
        return baseline;
    }

    private static Map<String, Object> point(SeverityAggregate w, Baseline before, AnomalySettings settings) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("start", w.getWindowStart());
        p.put("count", w.getCount());
        p.put("severity", w.getCount() == 0 ? null : w.getSeverityMean());
        if (warm(before, settings)) {
            p.put("countBand", band(before.count.mean, before.count.stddev(settings.minStddevCount()), settings));
            if (w.getCount() > 0) { // a quiet window's severity is not scored
                p.put("severityBand", band(before.meanSeverity.mean,
                        before.meanSeverity.stddev(settings.minStddevSeverity()), settings));
            }
        }
        return p;
    }

    private static boolean warm(Baseline b, AnomalySettings settings) {
        return b != null && b.windows >= settings.warmUpWindows();
    }

    private static List<Double> band(double mean, double stddev, AnomalySettings settings) {
        double half = settings.zThreshold() * stddev;
        return List.of(mean - half, mean, mean + half);
    }

    private static String key(String country, String type) {
        return country + "|" + type;
    }

    private static List<SeverityAggregate> readAggregates(Path csv) throws IOException {
        List<SeverityAggregate> out = new ArrayList<>();
        for (String[] f : rows(csv)) {
            out.add(SeverityAggregate.newBuilder().setWindowStart(millis(f[0])).setWindowEnd(millis(f[1]))
                    .setCountryCode(f[2]).setEventType(f[3]).setCount(Long.parseLong(f[4]))
                    .setSeveritySum(Double.parseDouble(f[5])).setSeverityMean(Double.parseDouble(f[6]))
                    .setSeverityMin(Double.parseDouble(f[7])).setSeverityMax(Double.parseDouble(f[8]))
                    .setSeverityStddev(Double.parseDouble(f[9])).setRevision(Integer.parseInt(f[10])).build());
        }
        return out;
    }

    /** anomalies.csv as RunReport writes it ({@link RunReport#ANOMALIES_HEADER}). */
    static List<AnomalyAlert> readAlerts(Path csv) throws IOException {
        List<AnomalyAlert> out = new ArrayList<>();
        for (String[] f : rows(csv)) {
            out.add(AnomalyAlert.newBuilder().setAlertId(f[2] + "|" + f[3] + "|" + millis(f[0]) + "|" + f[4])
                    .setWindowStart(millis(f[0])).setWindowEnd(millis(f[1])).setCountryCode(f[2]).setEventType(f[3])
                    .setMetric(io.harbinger.curated.AnomalyMetric.valueOf(f[4]))
                    .setObserved(Double.parseDouble(f[5])).setBaselineMean(Double.parseDouble(f[6]))
                    .setBaselineStddev(Double.parseDouble(f[7])).setZScore(Double.parseDouble(f[8]))
                    .setThreshold(Double.parseDouble(f[9])).setBaselineWindows(Integer.parseInt(f[10]))
                    .setRevision(Integer.parseInt(f[11])).setRetracted(Boolean.parseBoolean(f[12])).build());
        }
        return out;
    }

    /** The data rows; the columns read here never hold a comma, so no field is quoted. */
    private static List<String[]> rows(Path csv) throws IOException {
        List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        List<String[]> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            rows.add(line.split(",", -1));
        }
        return rows;
    }

    private static long millis(String iso) {
        return Instant.parse(iso).toEpochMilli();
    }

    private static final String TEMPLATE = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>Harbinger Stream local run: anomalies</title>
            <style>
              body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }
              h1 { font-size: 20px; margin: 0 0 4px; }
              h2 { font-size: 15px; margin: 24px 0 4px; }
              .note { color: #555; max-width: 1100px; }
              .card { display: flex; gap: 16px; flex-wrap: wrap; }
              svg.chart { background: #fafafa; border: 1px solid #ddd; }
              .band { fill: #9ecae1; opacity: .45; }
              .mean { stroke: #3182bd; stroke-dasharray: 3 3; fill: none; }
              .line { stroke: #444; fill: none; stroke-width: 1.2; }
              .point { fill: #444; }
              .point.silent { fill: #fff; stroke: #444; }
              .alert { fill: #d62728; stroke: #fff; stroke-width: 1.5; }
              .alert.retracted { fill: none; stroke: #999; stroke-dasharray: 2 2; }
              .gap { stroke: #bbb; stroke-dasharray: 4 4; }
              .axis { font-size: 10px; fill: #666; }
              table { border-collapse: collapse; margin-top: 8px; }
              td, th { border: 1px solid #ddd; padding: 2px 8px; font-size: 12px; text-align: left; }
            </style>
            </head>
            <body data-rendered="false">
            <h1>Harbinger Stream local run: what the anomaly scorer saw</h1>
            <p class="note" id="status">This page draws its charts with an inline script: enable JavaScript.</p>
            <p class="note">Per (country, event type): events per window and mean severity per window. The blue band is
            the baseline the window was scored against, mean &plusmn; threshold &times; stddev: a value outside it
            raises an alert (red). Hollow points are windows without events, scored as 0 events when the key was warm;
            dashed grey circles are alerts a late revision retracted; a dashed line marks a stretch of time left out.</p>
            <h2>Alerts</h2>
            <table id="alerts"><thead><tr><th>window start (UTC)</th><th>key</th><th>metric</th><th>observed</th>
            <th>z</th><th>revision</th></tr></thead><tbody></tbody></table>
            <div id="charts"></div>
            <script type="application/json" id="report-data">/*DATA*/</script>
            <script>
            (function () {
              var data = JSON.parse(document.getElementById('report-data').textContent);
              var NS = 'http://www.w3.org/2000/svg', W = 560, H = 170, L = 44, R = 10, T = 10, B = 26;
              function el(name, attrs, parent) {
                var e = document.createElementNS(NS, name);
                for (var k in attrs) e.setAttribute(k, attrs[k]);
                if (parent) parent.appendChild(e);
                return e;
              }
              function iso(ms) { return new Date(ms).toISOString().replace('.000Z', 'Z'); }
              function chart(c, field, bandField, metric, title) {
                var pts = c.points.filter(function (p) { return p[field] !== null && p[field] !== undefined; });
                var svg = el('svg', {'class': 'chart', width: W, height: H, 'data-key': c.key, 'data-metric': metric});
                el('text', {x: L, y: T + 2, 'class': 'axis', 'dominant-baseline': 'hanging'}, svg).textContent = title;
                var index = {};
                c.points.forEach(function (p, i) { index[p.start] = i; });
                var n = Math.max(c.points.length - 1, 1);
                var max = 0;
                c.points.forEach(function (p) {
                  if (p[field] != null) max = Math.max(max, p[field]);
                  if (p[bandField]) max = Math.max(max, p[bandField][2]);
                });
                if (metric === 'MEAN_SEVERITY') max = Math.max(max, 1); else max = Math.max(max * 1.08, 1);
                function x(i) { return L + (W - L - R) * (c.points.length === 1 ? 0.5 : i / n); }
                function y(v) { return T + (H - T - B) * (1 - Math.max(0, v) / max); }
                el('line', {x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: '#999'}, svg);
                el('text', {x: L - 4, y: y(max), 'class': 'axis', 'text-anchor': 'end'}, svg).textContent = +max.toFixed(2);
                el('text', {x: L - 4, y: H - B, 'class': 'axis', 'text-anchor': 'end'}, svg).textContent = '0';
                // the band, as one polygon per run of windows that have one
                var run = [];
                function flush() {
                  if (run.length === 0) return;
                  var up = run.map(function (i) { return x(i) + ',' + y(c.points[i][bandField][2]); });
                  var down = run.slice().reverse().map(function (i) { return x(i) + ',' + y(c.points[i][bandField][0]); });
                  if (run.length === 1) {
                    var i0 = run[0], hi = y(c.points[i0][bandField][2]), lo = y(c.points[i0][bandField][0]);
                    el('rect', {'class': 'band', x: x(i0) - 3, y: hi, width: 6, height: Math.max(lo - hi, 1)}, svg);
                  } else {
                    el('polygon', {'class': 'band', points: up.concat(down).join(' ')}, svg);
                    el('polyline', {'class': 'mean', points: run.map(function (i) {
                      return x(i) + ',' + y(c.points[i][bandField][1]); }).join(' ')}, svg);
                  }
                  run = [];
                }
                c.points.forEach(function (p, i) { if (p[bandField]) run.push(i); else flush(); });
                flush();
                for (var i = 1; i < c.points.length; i++) {
                  if (c.points[i].start - c.points[i - 1].start > data.windowMillis) {
                    var gx = (x(i) + x(i - 1)) / 2;
                    el('line', {'class': 'gap', x1: gx, y1: T, x2: gx, y2: H - B}, svg);
                  }
                }
                el('polyline', {'class': 'line', points: pts.map(function (p) {
                  return x(index[p.start]) + ',' + y(p[field]); }).join(' ')}, svg);
                pts.forEach(function (p) {
                  var dot = el('circle', {'class': 'point' + (p.count === 0 ? ' silent' : ''), cx: x(index[p.start]),
                    cy: y(p[field]), r: 2.5, 'data-start': iso(p.start)}, svg);
                  el('title', {}, dot).textContent = iso(p.start) + ': ' + (+p[field].toFixed(3));
                });
                c.alerts.filter(function (a) { return a.metric === metric; }).forEach(function (a) {
                  var m = el('circle', {'class': 'alert' + (a.retracted ? ' retracted' : ''), cx: x(index[a.start]),
                    cy: y(a.observed), r: 6, 'data-key': c.key, 'data-metric': a.metric,
                    'data-start': iso(a.start)}, svg);
                  el('title', {}, m).textContent = (a.retracted ? 'retracted: ' : 'alert: ') + metric + ' '
                    + (+a.observed.toFixed(3)) + ', z = ' + a.z.toFixed(1) + ' (revision ' + a.revision + ')';
                });
                var first = c.points[0], last = c.points[c.points.length - 1];
                el('text', {x: L, y: H - 8, 'class': 'axis'}, svg).textContent = iso(first.start);
                el('text', {x: W - R, y: H - 8, 'class': 'axis', 'text-anchor': 'end'}, svg).textContent = iso(last.start);
                return svg;
              }
              var root = document.getElementById('charts'), body = document.querySelector('#alerts tbody');
              var shown = 0;
              data.charts.forEach(function (c) {
                var h = document.createElement('h2');
                var raised = c.alerts.filter(function (a) { return !a.retracted; }).length;
                h.textContent = c.key + ': ' + c.events + ' events' + (raised ? ', ' + raised + ' alert(s)' : '')
                  + (c.busiest ? ' (one of the busiest keys)' : '');
                root.appendChild(h);
                var card = document.createElement('div');
                card.className = 'card';
                card.setAttribute('data-key', c.key);
                card.appendChild(chart(c, 'count', 'countBand', 'EVENT_COUNT', 'events per window'));
                card.appendChild(chart(c, 'severity', 'severityBand', 'MEAN_SEVERITY', 'mean severity'));
                root.appendChild(card);
                c.alerts.filter(function (a) { return !a.retracted; }).forEach(function (a) {
                  var tr = document.createElement('tr');
                  tr.className = 'alert-row';
                  tr.setAttribute('data-key', c.key);
                  tr.setAttribute('data-metric', a.metric);
                  tr.setAttribute('data-start', iso(a.start));
                  [iso(a.start), c.key, a.metric, +a.observed.toFixed(3), a.z.toFixed(1), a.revision]
                    .forEach(function (v) { var td = document.createElement('td'); td.textContent = v; tr.appendChild(td); });
                  body.appendChild(tr);
                  shown++;
                });
              });
              document.getElementById('status').textContent = data.charts.length + ' keys charted from '
                + data.windows + ' windows; ' + shown + ' alerts hold' + (data.silenceScored
                ? ' (quiet windows of warm keys scored as 0 events)' : '') + '; z threshold ' + data.threshold + '.';
              document.body.setAttribute('data-rendered', 'true');
            })();
            </script>
            </body>
            </html>
            """;
}
