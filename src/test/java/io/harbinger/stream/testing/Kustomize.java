package io.harbinger.stream.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Renders a kustomization the way `kustomize build` does for the features k8s/ uses, and no more: resources
 * (files, or folders holding a kustomization.yaml), patches by path matched on kind and name and applied as a
 * merge patch (maps merge, lists and scalars replace, null deletes: what kustomize does for custom
 * resources), and namespace. Any other field fails, so a feature this cannot check is never skipped silently.
 */
public final class Kustomize {
    public static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Set<String> SUPPORTED = Set.of("apiVersion", "kind", "resources", "patches", "namespace");

    private Kustomize() {}

    public static List<ObjectNode> build(Path dir) throws IOException {
        Path file = dir.resolve("kustomization.yaml");
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(dir + " has no kustomization.yaml");
        }
        JsonNode k = YAML.readTree(file.toFile());
        for (Iterator<String> names = k.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!SUPPORTED.contains(name)) {
                throw new IllegalArgumentException(file + ": field " + name + " is not supported by this check");
            }
        }
        if (!"kustomize.config.k8s.io/v1beta1".equals(k.path("apiVersion").asText())
                || !"Kustomization".equals(k.path("kind").asText())) {
            throw new IllegalArgumentException(file + ": not a kustomize.config.k8s.io/v1beta1 Kustomization");
        }
        List<ObjectNode> out = new ArrayList<>();
        for (JsonNode entry : k.path("resources")) {
            Path target = dir.resolve(entry.asText()).normalize();
            if (Files.isDirectory(target)) {
                out.addAll(build(target));
            } else if (Files.isRegularFile(target)) {
                out.addAll(readAll(target));
            } else {
                throw new IllegalArgumentException(file + ": resource " + entry.asText() + " does not exist");
            }
        }
        for (JsonNode patchEntry : k.path("patches")) {
            Path patchFile = dir.resolve(patchEntry.path("path").asText()).normalize();
            if (!Files.isRegularFile(patchFile)) {
                throw new IllegalArgumentException(file + ": patch " + patchEntry + " does not name a file");
            }
            for (ObjectNode patch : readAll(patchFile)) {
                List<ObjectNode> targets = out.stream()
                        .filter(r -> r.path("kind").equals(patch.path("kind"))
                                && r.path("metadata").path("name").equals(patch.path("metadata").path("name")))
                        .toList();
                if (targets.size() != 1) {
                    throw new IllegalArgumentException(patchFile + ": matches " + targets.size() + " resources");
                }
                merge(targets.get(0), patch);
            }
        }
        if (k.has("namespace")) {
            for (ObjectNode resource : out) {
                ((ObjectNode) resource.with("metadata")).put("namespace", k.get("namespace").asText());
            }
        }
        return out;
    }

    public static List<ObjectNode> readAll(Path file) throws IOException {
        List<ObjectNode> docs = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
            while (it.hasNext()) {
                JsonNode doc = it.next();
                if (doc == null || doc.isNull() || doc.isMissingNode()) {
                    continue;
                }
                if (!doc.isObject()) {
                    throw new IllegalArgumentException(file + ": a document is not a mapping");
                }
                docs.add((ObjectNode) doc);
            }
        }
        return docs;
    }

    static void merge(ObjectNode target, JsonNode patch) {
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            JsonNode current = target.get(field.getKey());
            if (field.getValue().isNull()) {
                target.remove(field.getKey());
            } else if (field.getValue().isObject() && current != null && current.isObject()) {
                merge((ObjectNode) current, field.getValue());
            } else {
                target.set(field.getKey(), field.getValue().deepCopy());
            }
        }
    }
}
