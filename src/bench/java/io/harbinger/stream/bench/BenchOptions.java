package io.harbinger.stream.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The benchmark's command line; every option has a default, so a bare run works from a clean clone. */
record BenchOptions(
        long events,
        int partitions,
        int parallelism,
        double duplicateShare,
        double lateShare,
        double badShare,
        int eventTimeRate,
        String compression,
        int latencySeconds,
        String latencyWindow,
        boolean latency,
        boolean recovery,
        int kills,
        int spareTaskManagers,
        boolean kpu,
        Path out,
        Path config,
        List<String> overrides,
        List<String> flink,
        List<String> variants,
        List<String> deliveries) {

    /**
     * Checkpointing and RocksDB as jobs-config/prod-msk.yaml has them, on top of local.yaml: checkpoints every
     * 5s (min pause 1s, timeout 10m) instead of local.yaml's 2 s demo interval, since every checkpoint flushes
     * RocksDB's memtables and a 2 s interval measures more small L0 files than production makes; and
     * Bloom filters on, memtables of 8mb. The transaction timeout must exceed interval + timeout (the config check enforces it).
     * Overridable with --set.
     */
    static final List<String> PRODUCTION_SETTINGS = List.of(
            "checkpoints.interval=5s",
            "checkpoints.min-pause=1s",
            "checkpoints.timeout=10m",
            "sinks.kafka.transaction-timeout=14m",
            "state.rocksdb.bloom-filter=true",
            "state.rocksdb.write-buffer-size=8mb");

    static final String EXACTLY_ONCE = "exactly-once";
    static final String AT_LEAST_ONCE = "at-least-once";

    static final String USAGE = "options: --events N (1000000) --partitions N (4) --parallelism N (2)"
            + " --duplicates SHARE (0.02) --late SHARE (0.01) --bad SHARE (0.01) --event-rate EVENTS_PER_EVENT_SECOND (2000)"
            + " --compression none|lz4|zstd|snappy (lz4) --latency-seconds N (180) --latency-window DURATION (10s)"
            + " --no-latency --no-recovery --no-kpu --kills N (5) --spare-taskmanagers N (0) --out DIR (docs/performance) --config FILE (jobs-config/local.yaml)"
            + " --delivery exactly-once|at-least-once|both (exactly-once; both: the throughput phase once per mode)"
            + " --set key=value ... --flink flink.key=value ... (cluster configuration, for experiments)"
            + " --compare 'label:flink.key=value;set:job.key=value' ... (A/B: the job runs again per variant, twice,"
            + " interleaved; set: marks a job config key)";

    static BenchOptions parse(String[] args) {
        long events = 1_000_000;
        int partitions = 4;
        int parallelism = 2;
        double duplicates = 0.02;
        double late = 0.01;
        double bad = 0.01;
        int eventRate = 2000;
        String compression = "lz4";
        int latencySeconds = 180;
        String latencyWindow = "10s";
        boolean latency = true;
        boolean recovery = true;
        int kills = 5;
        // production keeps no redundant TaskManager (k8s/base/flinkdeployment.yaml); 1 is the experiment in performance.md
        int spareTaskManagers = 0;
        boolean kpu = true;
        Path out = Path.of("docs", "performance");
        Path config = Path.of("jobs-config", "local.yaml");
        List<String> overrides = new ArrayList<>();
        List<String> flink = new ArrayList<>();
        List<String> variants = new ArrayList<>();
        List<String> deliveries = List.of(EXACTLY_ONCE);
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--no-latency")) { latency = false; continue; }
            if (a.equals("--no-recovery")) { recovery = false; continue; }
            if (a.equals("--no-kpu")) { kpu = false; continue; }
            if (i + 1 >= args.length) throw new IllegalArgumentException(a + " needs a value; " + USAGE);
            String v = args[++i];
            switch (a) {
                case "--events" -> events = Long.parseLong(v.replace("_", ""));
                case "--partitions" -> partitions = Integer.parseInt(v);
                case "--parallelism" -> parallelism = Integer.parseInt(v);
                case "--duplicates" -> duplicates = Double.parseDouble(v);
                case "--late" -> late = Double.parseDouble(v);
                case "--bad" -> bad = Double.parseDouble(v);
                case "--event-rate" -> eventRate = Integer.parseInt(v);
                case "--compression" -> compression = v;
                case "--latency-seconds" -> latencySeconds = Integer.parseInt(v);
                case "--latency-window" -> latencyWindow = v;
                case "--kills" -> kills = Integer.parseInt(v);
                case "--spare-taskmanagers" -> spareTaskManagers = Integer.parseInt(v);
                case "--out" -> out = Path.of(v);
                case "--config" -> config = Path.of(v);
                case "--set" -> overrides.add(v);
                case "--flink" -> flink.add(v);
                case "--compare" -> variants.add(v);
                case "--delivery" -> deliveries = switch (v) {
                    case EXACTLY_ONCE, AT_LEAST_ONCE -> List.of(v);
                    case "both" -> List.of(EXACTLY_ONCE, AT_LEAST_ONCE);
                    default -> throw new IllegalArgumentException("--delivery must be exactly-once, at-least-once"
                            + " or both, got " + v);
                };
                default -> throw new IllegalArgumentException("unknown option " + a + "; " + USAGE);
            }
        }
        if (kills < 1) throw new IllegalArgumentException("--kills must be at least 1");
        if (spareTaskManagers < 0) throw new IllegalArgumentException("--spare-taskmanagers must be at least 0");
        if (duplicates + late + bad >= 1) throw new IllegalArgumentException("shares must add up to less than 1");
        return new BenchOptions(events, partitions, parallelism, duplicates, late, bad, eventRate, compression,
                latencySeconds, latencyWindow, latency, recovery, kills, spareTaskManagers, kpu, out, config, List.copyOf(overrides), List.copyOf(flink),
                List.copyOf(variants), deliveries);
    }

    /** The job.delivery of the main run: latency and recovery run in it too. */
    String mainDelivery() {
        return deliveries.get(0);
    }
}
