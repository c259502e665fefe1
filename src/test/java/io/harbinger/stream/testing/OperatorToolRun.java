package io.harbinger.stream.testing;

import io.harbinger.stream.tools.OperatorTools;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** One run of the operator tools as their main runs them: exit code, standard output and error. */
public final class OperatorToolRun {
    public final int exit;
    public final String out;
    public final String err;

    private OperatorToolRun(int exit, String out, String err) {
        this.exit = exit;
        this.out = out;
        this.err = err;
    }

    /** Captures both streams for the assertions, and echoes them to the test's output file afterwards. */
    public static synchronized OperatorToolRun of(Map<String, String> environment, String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
            int exit = OperatorTools.run(args, environment);
            return new OperatorToolRun(exit, stdout.toString(StandardCharsets.UTF_8),
                    stderr.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
            out.print(stdout.toString(StandardCharsets.UTF_8));
            err.print(stderr.toString(StandardCharsets.UTF_8));
        }
    }
}
