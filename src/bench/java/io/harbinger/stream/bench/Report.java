package io.harbinger.stream.bench;

import java.io.PrintStream;
import java.util.Map;

/** The one table the benchmark prints. */
final class Report {
    private Report() {}

    static void print(Map<String, Object> r, PrintStream out) {
        out.println();
        out.println("| metric | value |");
        out.println("|---|---|");
        row(out, "machine cores / load before / after", r.get("cores") + " / " + r.get("load_before") + " / "
                + r.get("load_after"));
        row(out, "events / partitions / parallelism", String.format("%,d / %s / %s", (Long) r.get("events"),
                r.get("partitions"), r.get("parallelism")));
        row(out, "produce rate (events/s)", fmt(r.get("produce_eps")));
        row(out, "ceiling: read + decode (events/s)", fmt(r.get("ceiling_eps")));
        row(out, "job sustained throughput (events/s)", fmt(r.get("throughput_eps")));
        row(out, "slowest 0.5 s sample / sustained mean (target >= 0.5: no checkpoint stall)",
                String.valueOf(r.get("throughput_min_over_mean")));
        row(out, "ratio job / ceiling (target >= 0.3)", String.valueOf(r.get("ratio")));
        row(out, "CPU per event, job / ceiling (µs; target <= 2.5)", r.get("cpu_us_per_event") + " / "
                + r.get("ceiling_cpu_us_per_event"));
        row(out, "late events out / injected late / on-time events counted late", r.get("late_events_out") + " / "
                + r.get("late_events_in") + " / " + r.get("on_time_events_counted_late"));
        row(out, "checkpoints completed / failed", r.get("checkpoints_completed") + " / " + r.get("checkpoints_failed"));
        row(out, "checkpoint interval / duration p50 / max (ms)", r.get("checkpoint_interval_ms") + " / "
                + r.get("checkpoint_duration_p50_ms") + " / " + r.get("checkpoint_duration_max_ms"));
        row(out, "checkpoint size: largest incremental / full state (MB)",
                mb(r.get("checkpoint_incremental_size_max_bytes")) + " / " + mb(r.get("checkpoint_full_size_last_bytes")));
        row(out, "managed memory (RocksDB) per slot (MB)", String.valueOf(r.get("managed_memory_per_slot_mb")));
        row(out, "peak RSS / peak heap during the job (MB)", r.get("peak_rss_mb") + " / " + r.get("peak_heap_mb"));
        if (r.containsKey("p99_visible_latency_ms")) {
            row(out, "latency input rate (events/s)", fmt(r.get("latency_rate_eps")));
            row(out, "visible latency after the window can fire p50 / p99 / max (ms)",
                    r.get("p50_visible_latency_ms") + " / " + r.get("p99_visible_latency_ms") + " / "
                            + r.get("max_visible_latency_ms") + " (target p99 <= 1500)");
            row(out, "append -> visible p50 / p99 / max (ms), window " + r.get("latency_window_ms") + " ms",
                    r.get("p50_append_to_visible_ms") + " / " + r.get("p99_append_to_visible_ms") + " / "
                            + r.get("max_append_to_visible_ms"));
        }
        if (r.containsKey("recovery_seconds")) {
            row(out, "recovery: kill -9 of a TaskManager process -> first new committed output, slowest of "
                            + r.get("recovery_seconds_each") + " (s, target < 15)",
                    String.valueOf(r.get("recovery_seconds")));
            row(out, "recovery steps of the slowest: job restarting / all tasks running / first checkpoint after the kill (s)",
                    r.get("recovery_job_restarting_seconds") + " / " + r.get("recovery_tasks_running_seconds") + " / "
                            + r.get("recovery_first_checkpoint_seconds"));
        }
        if (r.containsKey("kpu_events_per_second")) {
            row(out, "one KPU (1 CPU, 4 GB TaskManager, parallelism 1): events/s / µs CPU per event / peak RSS (MB)",
                    fmt(r.get("kpu_events_per_second")) + " / " + r.get("kpu_cpu_us_per_event") + " / "
                            + r.get("kpu_peak_rss_mb"));
        }
        out.println();
        deliveries(r, out);
    }

    /** With --delivery both: the throughput phase's figures of each mode side by side. */
    @SuppressWarnings("unchecked")
    private static void deliveries(Map<String, Object> r, PrintStream out) {
        Map<String, Object> other = null;
        for (Map.Entry<String, Object> e : r.entrySet()) {
            if (e.getKey().startsWith("delivery_") && e.getValue() instanceof Map<?, ?> m) {
                other = (Map<String, Object>) m;
            }
        }
        if (other == null) {
            return;
        }
        out.println("| job.delivery | " + r.get("delivery") + " | " + other.get("delivery") + " |");
        out.println("|---|---|---|");
        for (String[] metric : new String[][] {
                {"sustained throughput (events/s)", "throughput_eps"},
                {"ratio job / ceiling", "ratio"},
                {"CPU per event (µs)", "cpu_us_per_event"},
                {"slowest 0.5 s sample / sustained mean", "throughput_min_over_mean"},
                {"checkpoint duration p50 / max (ms)", "checkpoint_duration_p50_ms", "checkpoint_duration_max_ms"},
                {"peak RSS (MB)", "peak_rss_mb"},
                {"load at the end of the run", "load_at_end"}}) {
            String mine = String.valueOf(r.get(metric[1]));
            String theirs = String.valueOf(other.get(metric[1]));
            if (metric.length > 2) {
                mine += " / " + r.get(metric[2]);
                theirs += " / " + other.get(metric[2]);
            }
            out.println("| " + metric[0] + " | " + mine + " | " + theirs + " |");
        }
        out.println();
    }

    private static void row(PrintStream out, String name, String value) {
        out.println("| " + name + " | " + value + " |");
    }

    private static String fmt(Object v) {
        return v instanceof Number n ? String.format("%,d", n.longValue()) : String.valueOf(v);
    }

    private static String mb(Object v) {
        return v instanceof Number n ? String.format("%.1f", n.longValue() / 1e6) : "n/a";
    }
}
