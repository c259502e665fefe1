package io.harbinger.stream.local;

import io.harbinger.stream.config.JobConfig.SourceType;
import io.harbinger.stream.toolkit.gdelt.GdeltSamples;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The local runner's command line: {@code --source kafka|kinesis --input FILE... --out DIR --config FILE
 * --partitions N --set k=v}. {@code --source kinesis} alone picks jobs-config/kinesis-local.yaml; without
 * {@code --source}, the config file's source.type decides. {@code --partitions} is the number of topic
 * partitions or stream shards.
 */
public record LocalRunArguments(List<Path> inputs, Path out, Path config, int partitions, List<String> overrides,
                                Optional<SourceType> source) {
    static final String USAGE = "usage: -Dexec.args=\"[--source kafka|kinesis] [--input GDELT_EXPORT_FILE...]"
            + " [--out DIR] [--config FILE] [--partitions N] [--set key=value ...]\"";
    static final Path KAFKA_CONFIG = Path.of("jobs-config", "local.yaml");
    static final Path KINESIS_CONFIG = Path.of("jobs-config", "kinesis-local.yaml");

    static LocalRunArguments parse(String[] args) {
        List<Path> inputs = new ArrayList<>();
        Path out = Path.of("target", "local-run");
        Path config = null;
        SourceType source = null;
        int partitions = 3;
        List<String> overrides = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--input" -> {
                    // --input takes every following argument that is not another option
                    while (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                        inputs.add(Path.of(args[++i]));
                    }
                    if (inputs.isEmpty()) throw new IllegalArgumentException("--input needs at least one file; " + USAGE);
                }
                case "--out" -> out = Path.of(value(args, ++i, arg));
                case "--config" -> config = Path.of(value(args, ++i, arg));
                case "--partitions" -> {
                    String v = value(args, ++i, arg);
                    try {
                        partitions = Integer.parseInt(v);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("--partitions must be a whole number, got \"" + v + "\"");
                    }
                    if (partitions < 1) throw new IllegalArgumentException("--partitions must be at least 1");
                }
                case "--set" -> overrides.add(value(args, ++i, arg));
                case "--source" -> {
                    String v = value(args, ++i, arg);
                    try {
                        source = SourceType.valueOf(v.toUpperCase(Locale.ROOT));
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException("--source must be kafka or kinesis, got \"" + v + "\"");
                    }
                }
                case "--help", "-h" -> throw new IllegalArgumentException(USAGE);
                default -> throw new IllegalArgumentException("unknown argument \"" + arg + "\"; " + USAGE);
            }
        }
        if (inputs.isEmpty()) {
            inputs.addAll(GdeltSamples.all());
        }
        if (config == null) {
            config = source == SourceType.KINESIS ? KINESIS_CONFIG : KAFKA_CONFIG;
        }
        return new LocalRunArguments(inputs, out, config, partitions, overrides, Optional.ofNullable(source));
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length || args[i].startsWith("--")) {
            throw new IllegalArgumentException(option + " needs a value; " + USAGE);
        }
        return args[i];
    }
}
