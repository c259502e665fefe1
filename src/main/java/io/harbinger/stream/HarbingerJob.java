package io.harbinger.stream;

import io.harbinger.stream.config.ConfigException;
import io.harbinger.stream.config.JobConfig;
import io.harbinger.stream.config.JobConfigLoader;

import io.harbinger.stream.config.MsfPropertyGroups;

import com.amazonaws.services.kinesisanalytics.runtime.KinesisAnalyticsRuntime;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * Entry point of the job jar. On a Flink cluster: {@code --config jobs-config/prod.yaml [--set key=value ...]}.
 * Without {@code --config} it runs as on Amazon Managed Service for Apache Flink: the config comes from the
 * application's runtime property groups ({@link MsfPropertyGroups}), or from a local JSON file of the same
 * shape given with {@code --msf-properties FILE}. Reads and checks the config, builds
 * {@link HarbingerPipeline} and submits it.
 */
public final class HarbingerJob {
    private static final Logger LOG = LoggerFactory.getLogger(HarbingerJob.class);
    static final String USAGE = "usage: HarbingerJob --config FILE [--set key=value ...]"
            + " | HarbingerJob [--msf-properties FILE] [--set key=value ...] (Managed Service for Apache Flink)";

    private HarbingerJob() {}

    public static void main(String[] args) throws Exception {
        Arguments arguments = Arguments.parse(args);
        JobConfig config;
        try {
            config = arguments.config() != null
                    ? JobConfigLoader.withSystemEnvironment().load(arguments.config(), arguments.overrides())
                    : loadManagedService(arguments);
        } catch (ConfigException e) {
            LOG.error(e.getMessage());
            throw e;
        }
        Configuration flink = arguments.config() != null
                ? FlinkSettings.flinkConfiguration(config)
                : FlinkSettings.pipelineConfiguration(config);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(flink);
        HarbingerPipeline.build(env, config);
        env.execute(config.job().name());
    }

    /** Managed Service for Apache Flink: property groups of the application, or of a local JSON file. */
    static JobConfig loadManagedService(Arguments arguments) throws IOException {
        Map<String, Properties> groups;
        String source;
        if (arguments.msfProperties() != null) {
            source = arguments.msfProperties().toString();
            if (!Files.isReadable(arguments.msfProperties())) {
                throw new ConfigException(source, List.of("file not found"));
            }
            groups = KinesisAnalyticsRuntime.getApplicationProperties(source);
        } else {
            source = "Managed Service for Apache Flink application properties";
            groups = KinesisAnalyticsRuntime.getApplicationProperties();
        }
        LOG.info("Reading the job config from {} (property groups {})", source, groups.keySet());
        return MsfPropertyGroups.load(JobConfigLoader.withSystemEnvironment(), groups, source, arguments.overrides());
    }

    /**
     * The command line: a config file (cluster) or, without one, the managed service's property groups
     * (optionally from a local JSON file), and any number of overrides.
     */
    static final class Arguments {
        private final Path config;
        private final Path msfProperties;
        private final List<String> overrides;

        public Arguments(Path config, Path msfProperties, List<String> overrides) {
            this.config = config;
            this.msfProperties = msfProperties;
            this.overrides = overrides;
        }

        Arguments(Path config, List<String> overrides) {
            this(config, null, overrides);
        }

        static Arguments parse(String[] args) {
            Path config = null;
            Path msfProperties = null;
            List<String> overrides = new ArrayList<>();
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                if ((arg.equals("--config") || arg.equals("--set") || arg.equals("--msf-properties"))
                        && i + 1 >= args.length) {
                    throw new IllegalArgumentException(arg + " needs a value; " + USAGE);
                }
                if (arg.equals("--config")) {
                    config = Path.of(args[++i]);
                } else if (arg.equals("--msf-properties")) {
                    msfProperties = Path.of(args[++i]);
                } else if (arg.equals("--set")) {
                    overrides.add(args[++i]);
                } else {
                    throw new IllegalArgumentException("unknown argument \"" + arg + "\"; " + USAGE);
                }
            }
            if (config != null && msfProperties != null) {
                throw new IllegalArgumentException("give --config or --msf-properties, not both; " + USAGE);
            }
            return new Arguments(config, msfProperties, overrides);
        }

        public Path config() {
            return config;
        }

        public Path msfProperties() {
            return msfProperties;
        }

        public List<String> overrides() {
            return overrides;
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof Arguments)) return false;
            Arguments that = (Arguments) o;
            return Objects.equals(config, that.config) && Objects.equals(msfProperties, that.msfProperties)
                    && overrides.equals(that.overrides);
        }

        @Override
        public int hashCode() {
            return Objects.hash(config, msfProperties, overrides);
        }

        @Override
        public String toString() {
            return "Arguments[config=" + config + ", msfProperties=" + msfProperties + ", overrides=" + overrides + "]";
        }
    }
}
