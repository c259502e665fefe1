package io.harbinger.stream;

import io.harbinger.stream.config.ConfigException;
import io.harbinger.stream.config.JobConfig;
import io.harbinger.stream.config.JobConfigLoader;

import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Entry point of the job jar: {@code --config jobs-config/prod.yaml [--set key=value ...]}. Reads and checks
 * the config, builds {@link HarbingerPipeline} and submits it.
 */
public final class HarbingerJob {
    private static final Logger LOG = LoggerFactory.getLogger(HarbingerJob.class);
    static final String USAGE = "usage: HarbingerJob --config FILE [--set key=value ...]";

    private HarbingerJob() {}

    public static void main(String[] args) throws Exception {
        Arguments arguments = Arguments.parse(args);
        JobConfig config;
        try {
            config = JobConfigLoader.withSystemEnvironment().load(arguments.config(), arguments.overrides());
        } catch (ConfigException e) {
            LOG.error(e.getMessage());
            throw e;
        }
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(HarbingerPipeline.flinkConfiguration(config));
        HarbingerPipeline.build(env, config);
        env.execute(config.job().name());
    }

    /** The command line: one config file and any number of overrides. */
    record Arguments(Path config, List<String> overrides) {
        static Arguments parse(String[] args) {
            Path config = null;
            List<String> overrides = new ArrayList<>();
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                if ((arg.equals("--config") || arg.equals("--set")) && i + 1 >= args.length) {
                    throw new IllegalArgumentException(arg + " needs a value; " + USAGE);
                }
                switch (arg) {
                    case "--config" -> config = Path.of(args[++i]);
                    case "--set" -> overrides.add(args[++i]);
                    default -> throw new IllegalArgumentException("unknown argument \"" + arg + "\"; " + USAGE);
                }
            }
            if (config == null) {
                throw new IllegalArgumentException("--config is required; " + USAGE);
            }
            return new Arguments(config, overrides);
        }
    }
}
