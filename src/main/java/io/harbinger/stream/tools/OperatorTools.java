package io.harbinger.stream.tools;

import io.harbinger.stream.config.ConfigException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * {@code upgrade-check} and {@code reconcile}, the two checks an operator runs before an upgrade and after an
 * incident: {@code mvn -q -Ptools exec:java -Dexec.args="upgrade-check ..."} from a clone, or
 * {@code java -cp "harbinger-stream.jar:$FLINK_HOME/lib/*" io.harbinger.stream.tools.OperatorTools ...} where
 * Flink is installed. Exit code 0: all good; 1: the check says no; 2: bad usage or unreadable input.
 */
public final class OperatorTools {
    static final String USAGE = "usage: OperatorTools upgrade-check --savepoint PATH (--config FILE | --msf-properties FILE)"
            + " [--set key=value]... [--json FILE|-]\n"
            + "       OperatorTools reconcile --config FILE --from ISO --to ISO [--set key=value]... [--json FILE|-]";

    private OperatorTools() {}

    public static void main(String[] args) {
        System.exit(run(args, System.getenv()));
    }

    /** Runs one command and returns its exit code; reports go to standard output, errors to standard error. */
    public static int run(String[] args, Map<String, String> environment) {
        try {
            if (args.length == 0) throw new IllegalArgumentException(USAGE);
            String[] rest = Arrays.copyOfRange(args, 1, args.length);
            switch (args[0]) {
                case "upgrade-check": {
                    UpgradeCheck.Options options = UpgradeCheck.Options.parse(rest);
                    UpgradeReport report = UpgradeCheck.run(options, environment);
                    publish(report.render(), report.toJson(), options.json());
                    return report.exitCode();
                }
                case "reconcile": {
                    Reconciliation.Options options = Reconciliation.Options.parse(rest);
                    ReconciliationReport report = Reconciliation.run(options, environment);
                    publish(report.render(), report.toJson(), options.json());
                    return report.exitCode();
                }
                default:
                    throw new IllegalArgumentException("unknown command \"" + args[0] + "\"\n" + USAGE);
            }
        } catch (IllegalArgumentException | ConfigException | UpgradeCheck.UnreadableInput e) {
            System.err.println(args.length > 0 ? args[0] + ": " + e.getMessage() : e.getMessage());
            return 2;
        } catch (Exception e) {
            System.err.println((args.length > 0 ? args[0] : "tools") + " failed: " + e);
            e.printStackTrace();
            return 2;
        }
    }

    private static void publish(String human, String json, String jsonTarget) throws java.io.IOException {
        if ("-".equals(jsonTarget)) {
            System.out.print(json);
            return;
        }
        System.out.print(human);
        if (jsonTarget != null) {
            Path target = Path.of(jsonTarget);
            if (target.getParent() != null) Files.createDirectories(target.getParent());
            Files.writeString(target, json);
        }
    }
}
