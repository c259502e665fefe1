package io.harbinger.stream.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Checks a manifest against the structural OpenAPI v3 schema of a CRD the way the API server does with strict
 * field validation (kubectl apply --validate=strict): types, enums, required fields, and no field the schema
 * does not know unless it preserves unknown fields. Covers the subset CRD schemas use.
 */
public final class OpenApiSchema {
    private OpenApiSchema() {}

    /** Validates a whole resource: apiVersion, kind and metadata are the API server's, not the CRD schema's. */
    public static List<String> validateResource(JsonNode schema, JsonNode resource) {
        List<String> errors = new ArrayList<>();
        if (!resource.isObject()) {
            return List.of("(root): a resource must be a mapping");
        }
        ObjectNode body = ((ObjectNode) resource).deepCopy();
        for (String field : List.of("apiVersion", "kind")) {
            if (!body.path(field).isTextual()) {
                errors.add(field + ": must be a string");
            }
        }
        if (!body.path("metadata").isObject() || !body.path("metadata").path("name").isTextual()) {
            errors.add("metadata.name: is required");
        }
        for (String field : List.of("apiVersion", "kind", "metadata")) {
            if (!schema.path("properties").has(field)) {
                body.remove(field);
            }
        }
        check(schema, body, "", errors);
        return errors;
    }

    public static List<String> validate(JsonNode schema, JsonNode value) {
        List<String> errors = new ArrayList<>();
        check(schema, value, "", errors);
        return errors;
    }

    private static void check(JsonNode schema, JsonNode value, String path, List<String> errors) {
        String at = path.isEmpty() ? "(root)" : path;
        if (value == null || value.isNull()) {
            if (!schema.path("nullable").asBoolean(false)) {
                errors.add(at + ": null is not allowed");
            }
            return;
        }
        if (schema.path("x-kubernetes-int-or-string").asBoolean(false)) {
            if (!value.isIntegralNumber() && !value.isTextual()) {
                errors.add(at + ": expected an integer or a string, got " + value);
            }
            return;
        }
        if (schema.has("anyOf") && !schema.has("type")) {
            for (JsonNode option : schema.get("anyOf")) {
                if (validate(option, value).isEmpty()) {
                    return;
                }
            }
            errors.add(at + ": matches none of " + schema.get("anyOf"));
            return;
        }
        String type = schema.path("type").asText("");
        switch (type) {
            case "object" -> checkObject(schema, value, path, errors);
            case "array" -> {
                if (!value.isArray()) {
                    errors.add(at + ": expected an array, got " + value.getNodeType());
                    return;
                }
                for (int i = 0; i < value.size(); i++) {
                    check(schema.path("items"), value.get(i), path + "[" + i + "]", errors);
                }
            }
            case "string" -> {
                if (!value.isTextual()) {
                    errors.add(at + ": expected a string, got " + value.getNodeType() + " " + value);
                }
            }
            case "integer" -> {
                if (!value.isIntegralNumber()) {
                    errors.add(at + ": expected an integer, got " + value);
                }
            }
            case "number" -> {
                if (!value.isNumber()) {
                    errors.add(at + ": expected a number, got " + value);
                }
            }
            case "boolean" -> {
                if (!value.isBoolean()) {
                    errors.add(at + ": expected a boolean, got " + value);
                }
            }
            case "" -> {
                if (!schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false) && !schema.isEmpty()) {
                    errors.add(at + ": schema without a type: " + schema);
                }
            }
            default -> errors.add(at + ": unsupported schema type " + type);
        }
        if (schema.has("enum")) {
            boolean listed = false;
            for (JsonNode allowed : schema.get("enum")) {
                listed |= allowed.equals(value) || (allowed.isTextual() && allowed.asText().equals(value.asText()));
            }
            if (!listed) {
                errors.add(at + ": " + value + " is not one of " + schema.get("enum"));
            }
        }
    }

    private static void checkObject(JsonNode schema, JsonNode value, String path, List<String> errors) {
        String at = path.isEmpty() ? "(root)" : path;
        if (!value.isObject()) {
            errors.add(at + ": expected an object, got " + value.getNodeType() + " " + value);
            return;
        }
        for (JsonNode required : schema.path("required")) {
            if (!value.has(required.asText())) {
                errors.add(at + ": missing required field " + required.asText());
            }
        }
        JsonNode properties = schema.path("properties");
        JsonNode additional = schema.get("additionalProperties");
        boolean preserve = schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
        for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String child = path.isEmpty() ? field.getKey() : path + "." + field.getKey();
            if (properties.has(field.getKey())) {
                check(properties.get(field.getKey()), field.getValue(), child, errors);
            } else if (additional != null && additional.isObject()) {
                check(additional, field.getValue(), child, errors);
            } else if (!preserve && !(additional != null && additional.asBoolean(false))) {
                errors.add(child + ": unknown field");
            }
        }
    }
}
