package io.harbinger.stream.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** What the upgrade gate found, per operator, with the verdict and its exit code; human and JSON forms. */
public final class UpgradeReport {
    public enum Status {
        RESTORED("restored"),
        NEW("new"),
        LEFT_BEHIND("left behind"),
        INCOMPATIBLE("incompatible");

        final String label;

        Status(String label) {
            this.label = label;
        }
    }

    public static final class Operator {
        final String operatorId;
        /** Null when no uid this build knows hashes to the id. */
        final String uid;
        final String name;
        Status status;
        final String state;
        final boolean holdsState;
        String reason;

        Operator(String operatorId, String uid, String name, Status status, String state, boolean holdsState,
                 String reason) {
            this.operatorId = operatorId;
            this.uid = uid;
            this.name = name;
            this.status = status;
            this.state = state;
            this.holdsState = holdsState;
            this.reason = reason;
        }

        public String uid() {
            return uid;
        }

        public Status status() {
            return status;
        }

        public String state() {
            return state;
        }

        public boolean holdsState() {
            return holdsState;
        }

        public String reason() {
            return reason;
        }

        String label() {
            return uid != null ? uid : "operator " + operatorId + (name != null ? " (" + name + ", no uid)"
                    : " (uid unknown to this build)");
        }
    }

    private final String snapshot;
    private final String config;
    private final int maxParallelism;
    private final long checkpointId;
    private final List<Operator> operators;
    private final boolean restored;
    private final boolean checkpointed;
    private final Throwable failure;

    UpgradeReport(String snapshot, String config, int maxParallelism, long checkpointId, List<Operator> operators,
                  boolean restored, boolean checkpointed, Throwable failure) {
        this.snapshot = snapshot;
        this.config = config;
        this.maxParallelism = maxParallelism;
        this.checkpointId = checkpointId;
        this.operators = new ArrayList<>(operators);
        // Problems first.
        this.operators.sort(Comparator.comparing((Operator o) -> o.status, Comparator.reverseOrder())
                .thenComparing(Operator::label));
        this.restored = restored;
        this.checkpointed = checkpointed;
        this.failure = failure;
    }

    public List<Operator> operators() {
        return operators;
    }

    /** Left behind with state: only a restore with allowNonRestoredState would start, and drop it. */
    public List<Operator> droppedState() {
        List<Operator> dropped = new ArrayList<>();
        for (Operator o : operators) {
            if (o.status == Status.LEFT_BEHIND && o.holdsState) dropped.add(o);
        }
        return dropped;
    }

    public boolean safe() {
        return checkpointed && failure == null && droppedState().isEmpty();
    }

    /** 0: safe without allowNonRestoredState; 1: not. */
    public int exitCode() {
        return safe() ? 0 : 1;
    }

    public String failureReason() {
        if (failure == null) return null;
        for (Operator o : operators) {
            if (o.status == Status.INCOMPATIBLE) return o.reason;
        }
        List<Throwable> chain = new ArrayList<>();
        for (Throwable t = failure; t != null && !chain.contains(t); t = t.getCause()) chain.add(t);
        return UpgradeCheck.reason(chain);
    }

    private String verdict() {
        if (safe()) return "SAFE: this build restores the snapshot without allowNonRestoredState";
        if (failure != null) return "REFUSED: Flink does not restore the snapshot into this build";
        return "REFUSED without allowNonRestoredState: the snapshot holds state this build has no operator for";
    }

    public String render() {
        StringBuilder s = new StringBuilder();
        s.append("upgrade check of ").append(snapshot).append(" (checkpoint ").append(checkpointId).append(")\n");
        s.append("  against this build with ").append(config).append(" (max parallelism ").append(maxParallelism)
                .append(")\n");
        s.append(String.format("  restore into the job graph (sources and sinks cut off): %s; one checkpoint: %s%n",
                restored ? "ok" : "failed", checkpointed ? "ok" : "failed"));
        s.append('\n');
        for (Operator o : operators) {
            s.append(String.format("  %-13s %-40s %s%n", o.status.label, o.label(), o.state));
            if (o.status == Status.LEFT_BEHIND) {
                s.append(String.format("  %-13s %-40s %s%n", "", "", o.holdsState
                        ? "needs allowNonRestoredState, which drops this state"
                        : "holds no state: Flink skips it without allowNonRestoredState"));
            }
            if (o.reason != null) s.append(String.format("  %-13s %-40s %s%n", "", "", o.reason));
        }
        if (failure != null && operators.stream().noneMatch(o -> o.status == Status.INCOMPATIBLE)) {
            s.append("\n  Flink: ").append(failureReason()).append('\n');
        }
        s.append('\n').append(verdict()).append(" (exit ").append(exitCode()).append(")\n");
        return s.toString();
    }

    public String toJson() {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = json.createObjectNode();
        root.put("snapshot", snapshot);
        root.put("checkpointId", checkpointId);
        root.put("config", config);
        root.put("maxParallelism", maxParallelism);
        root.put("safe", safe());
        root.put("exitCode", exitCode());
        root.put("restored", restored);
        root.put("checkpointed", checkpointed);
        root.put("failure", failureReason());
        ArrayNode list = root.putArray("operators");
        for (Operator o : operators) {
            ObjectNode n = list.addObject();
            n.put("operatorId", o.operatorId);
            n.put("uid", o.uid);
            n.put("name", o.name);
            n.put("status", o.status.name());
            n.put("state", o.state);
            n.put("holdsState", o.holdsState);
            n.put("needsAllowNonRestoredState", o.status == Status.LEFT_BEHIND && o.holdsState);
            n.put("reason", o.reason);
        }
        try {
            return json.writeValueAsString(root) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
