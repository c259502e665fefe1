package io.harbinger.stream.local;

import io.harbinger.stream.local.gdelt.GdeltSamples;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The local runner's command line: {@code --input FILE... --out DIR --config FILE --partitions N --set k=v}. */
public record LocalRunArguments(List<Path> inputs, Path out, Path config, int partitions, List<String> overrides) {
    static final String USAGE = "usage: -Dexec.args=\"[--input GDELT_EXPORT_FILE...] [--out DIR]"
            + " [--config FILE] [--partitions N] [--set key=value ...]\"";

    static LocalRunArguments parse(String[] args) {
        List<Path> inputs = new ArrayList<>();
        Path out = Path.of("target", "local-run");
        Path config = Path.of("jobs-config", "local.yaml");
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
                case "--help", "-h" -> throw new IllegalArgumentException(USAGE);
                default -> throw new IllegalArgumentException("unknown argument \"" + arg + "\"; " + USAGE);
            }
        }
        if (inputs.isEmpty()) {
            inputs.addAll(GdeltSamples.all());
        }
        return new LocalRunArguments(inputs, out, config, partitions, overrides);
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length || args[i].startsWith("--")) {
            throw new IllegalArgumentException(option + " needs a value; " + USAGE);
        }
        return args[i];
    }
}
