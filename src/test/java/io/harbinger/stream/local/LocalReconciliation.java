package io.harbinger.stream.local;

import io.harbinger.stream.config.JobConfig;
import io.harbinger.stream.tools.Reconciliation;
import io.harbinger.stream.tools.ReconciliationReport;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The local run proves its own outputs: after the job, the operators' reconciliation over the whole replayed
 * input, printed, and its totals added to summary.json as {@code reconciliation}.
 */
final class LocalReconciliation {
    private LocalReconciliation() {}

    static void run(JobConfig config, Path out) throws Exception {
        if (config.input().type() != JobConfig.SourceType.KAFKA) {
            System.out.println("Reconciliation: skipped, it recomputes from a Kafka raw topic only.");
            return;
        }
        // Every event the validation accepts, from the start of the topic; the local job read it all (a bounded
        // replay), so its final watermark closed every window.
        Instant from = config.validation().earliestEventTime();
        Instant to = Instant.now().plus(config.validation().maxFutureSkew()).truncatedTo(ChronoUnit.SECONDS);
        ReconciliationReport report = Reconciliation.run(config, from, to, Instant.EPOCH, true);
        System.out.println();
        System.out.print(report.render());

        Path summary = out.resolve("summary.json");
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = (ObjectNode) json.readTree(summary.toFile());
        ObjectNode reconciliation = root.putObject("reconciliation");
        reconciliation.put("windowsCompared", report.windowsCompared());
        reconciliation.put("mismatches", report.mismatches());
        reconciliation.put("notComparable", report.notComparable());
        json.writeValue(summary.toFile(), root);
    }
}
