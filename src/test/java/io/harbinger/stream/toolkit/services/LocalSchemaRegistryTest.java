package io.harbinger.stream.toolkit.services;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

class LocalSchemaRegistryTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static final String V1 = "{\"type\":\"record\",\"name\":\"Event\",\"namespace\":\"io.harbinger\","
            + "\"fields\":[{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"score\",\"type\":\"double\"}]}";
    /** Same schema as V1, written differently (whitespace, attribute order). */
    private static final String V1_REFORMATTED = "{ \"namespace\": \"io.harbinger\", \"name\": \"Event\", \"type\": \"record\",\n"
            + "  \"fields\": [ {\"type\": \"string\", \"name\": \"id\"}, {\"name\": \"score\", \"type\": \"double\"} ] }";
    /** V1 plus a field with a default: BACKWARD compatible. */
    private static final String V2 = "{\"type\":\"record\",\"name\":\"Event\",\"namespace\":\"io.harbinger\","
            + "\"fields\":[{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"score\",\"type\":\"double\"},"
            + "{\"name\":\"region\",\"type\":[\"null\",\"string\"],\"default\":null}]}";
    /** V1 plus a required field without a default: not BACKWARD compatible. */
    private static final String REQUIRED_FIELD = "{\"type\":\"record\",\"name\":\"Event\",\"namespace\":\"io.harbinger\","
            + "\"fields\":[{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"score\",\"type\":\"double\"},"
            + "{\"name\":\"country\",\"type\":\"string\"}]}";
    /** V1 with id as int: not compatible in any direction. */
    private static final String ID_AS_INT = "{\"type\":\"record\",\"name\":\"Event\",\"namespace\":\"io.harbinger\","
            + "\"fields\":[{\"name\":\"id\",\"type\":\"int\"},{\"name\":\"score\",\"type\":\"double\"}]}";
    private static final String OTHER = "{\"type\":\"record\",\"name\":\"Other\",\"fields\":[{\"name\":\"x\",\"type\":\"long\"}]}";

    private LocalSchemaRegistry registry;

    @BeforeEach
    void start() {
        registry = LocalSchemaRegistry.start();
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    @Test
    void registersLooksUpAndReRegistersIdempotently() throws Exception {
        assertThat(registry.url()).matches("http://127\\.0\\.0\\.1:\\d+");

        Resp r1 = register("events-value", V1);
        assertThat(r1.status).isEqualTo(200);
        assertThat(r1.json.get("id").asInt()).isEqualTo(1);
        assertThat(r1.contentType).isEqualTo("application/vnd.schemaregistry.v1+json");

        // the same schema, written differently: same id, no new version
        assertThat(register("events-value", V1_REFORMATTED).json.get("id").asInt()).isEqualTo(1);
        assertThat(get("/subjects/events-value/versions").json.toString()).isEqualTo("[1]");

        // by id
        Resp byId = get("/schemas/ids/1");
        assertThat(byId.status).isEqualTo(200);
        assertThat(new Schema.Parser().parse(byId.json.get("schema").asText()))
                .isEqualTo(new Schema.Parser().parse(V1));
        assertThat(registry.schemaByIdRequests()).isEqualTo(1);

        // lookup under subject
        Resp lookup = post("/subjects/events-value", schemaBody(V1_REFORMATTED));
        assertThat(lookup.status).isEqualTo(200);
        assertThat(lookup.json.get("subject").asText()).isEqualTo("events-value");
        assertThat(lookup.json.get("id").asInt()).isEqualTo(1);
        assertThat(lookup.json.get("version").asInt()).isEqualTo(1);
        assertThat(lookup.json.get("schema").asText()).isNotBlank();

        // the same schema under a second subject shares the id; a new schema gets the next id
        assertThat(register("archive-value", V1).json.get("id").asInt()).isEqualTo(1);
        assertThat(register("other-value", OTHER).json.get("id").asInt()).isEqualTo(2);
        assertThat(get("/subjects").json.toString()).isEqualTo("[\"events-value\",\"archive-value\",\"other-value\"]");

        Resp latest = get("/subjects/events-value/versions/latest");
        assertThat(latest.json.get("version").asInt()).isEqualTo(1);
        assertThat(latest.json.get("id").asInt()).isEqualTo(1);
        assertThat(get("/subjects/events-value/versions/1").json.get("subject").asText()).isEqualTo("events-value");
    }

    @Test
    void acceptsBackwardCompatibleEvolutionAndRejectsIncompatibleChanges() throws Exception {
        assertThat(register("events-value", V1).json.get("id").asInt()).isEqualTo(1);

        Resp v2 = register("events-value", V2);
        assertThat(v2.status).isEqualTo(200);
        assertThat(v2.json.get("id").asInt()).isEqualTo(2);
        assertThat(get("/subjects/events-value/versions/latest").json.get("version").asInt()).isEqualTo(2);

        Resp required = register("events-value", REQUIRED_FIELD);
        assertThat(required.status).isEqualTo(409);
        assertThat(required.json.get("error_code").asInt()).isEqualTo(409);
        assertThat(required.json.get("message").asText())
                .startsWith("Schema being registered is incompatible with an earlier schema for subject \"events-value\"")
                .contains("country");

        Resp typeChange = register("events-value", ID_AS_INT);
        assertThat(typeChange.status).isEqualTo(409);

        // nothing was registered by the rejected attempts
        assertThat(get("/subjects/events-value/versions").json.toString()).isEqualTo("[1,2]");

        // with NONE on the subject the type change goes through
        Resp put = put("/config/events-value", "{\"compatibility\":\"NONE\"}");
        assertThat(put.json.get("compatibility").asText()).isEqualTo("NONE");
        assertThat(register("events-value", ID_AS_INT).status).isEqualTo(200);
        assertThat(get("/config").json.get("compatibilityLevel").asText()).isEqualTo("BACKWARD");

        // global FORWARD: the latest version must read data written with the new schema
        assertThat(put("/config", "{\"compatibility\":\"FORWARD\"}").status).isEqualTo(200);
        assertThat(register("fwd-value", V2).status).isEqualTo(200);
        assertThat(register("fwd-value", V1).status).isEqualTo(200); // old (V2) reader reads V1 data: default used
        assertThat(register("fwd-value", OTHER).status).isEqualTo(409);
        assertThat(put("/config", "{\"compatibility\":\"SIDEWAYS\"}").json.get("error_code").asInt()).isEqualTo(42203);
    }

    @Test
    void answersConfluentErrorCodes() throws Exception {
        Resp unknownId = get("/schemas/ids/42");
        assertThat(unknownId.status).isEqualTo(404);
        assertThat(unknownId.json.get("error_code").asInt()).isEqualTo(40403);
        assertThat(unknownId.json.get("message").asText()).contains("not found");

        Resp unknownSubject = post("/subjects/nope", schemaBody(V1));
        assertThat(unknownSubject.status).isEqualTo(404);
        assertThat(unknownSubject.json.get("error_code").asInt()).isEqualTo(40401);

        register("events-value", V1);
        Resp unknownSchema = post("/subjects/events-value", schemaBody(OTHER));
        assertThat(unknownSchema.status).isEqualTo(404);
        assertThat(unknownSchema.json.get("error_code").asInt()).isEqualTo(40403);

        assertThat(get("/subjects/events-value/versions/7").json.get("error_code").asInt()).isEqualTo(40402);
        assertThat(get("/subjects/nope/versions").json.get("error_code").asInt()).isEqualTo(40401);

        Resp invalid = register("events-value", "{\"type\":\"record\",\"name\":\"Broken\"");
        assertThat(invalid.status).isEqualTo(422);
        assertThat(invalid.json.get("error_code").asInt()).isEqualTo(42201);
        Resp badType = register("events-value", "{\"type\":\"recordz\",\"name\":\"X\",\"fields\":[]}");
        assertThat(badType.json.get("error_code").asInt()).isEqualTo(42201);
    }

    @Test
    void decodesSubjectNames() throws Exception {
        assertThat(register("io.harbinger%2Fevents%20value", V1).status).isEqualTo(200);
        assertThat(get("/subjects").json.get(0).asText()).isEqualTo("io.harbinger/events value");
        assertThat(get("/subjects/io.harbinger%2Fevents%20value/versions/latest").json.get("id").asInt()).isEqualTo(1);
    }

    @Test
    void requiresBasicAuthWhenConfigured() throws Exception {
        try (LocalSchemaRegistry secured = LocalSchemaRegistry.start("harbinger", "s3cret")) {
            String good = "Basic " + Base64.getEncoder().encodeToString("harbinger:s3cret".getBytes(StandardCharsets.UTF_8));
            String bad = "Basic " + Base64.getEncoder().encodeToString("harbinger:wrong".getBytes(StandardCharsets.UTF_8));

            assertThat(send(secured.url(), "GET", "/subjects", null, null).status).isEqualTo(401);
            assertThat(send(secured.url(), "GET", "/subjects", null, bad).status).isEqualTo(401);
            Resp ok = send(secured.url(), "POST", "/subjects/s-value/versions", schemaBody(V1), good);
            assertThat(ok.status).isEqualTo(200);
            assertThat(ok.json.get("id").asInt()).isEqualTo(1);
            assertThat(secured.unauthorizedResponses()).isEqualTo(2);
        }
    }

    @Test
    void answers503WhileUnavailable() throws Exception {
        register("events-value", V1);
        registry.setAvailable(false);
        Resp down = get("/schemas/ids/1");
        assertThat(down.status).isEqualTo(503);
        assertThat(down.json.get("error_code").asInt()).isEqualTo(50300);
        assertThat(register("events-value", V1).status).isEqualTo(503);
        registry.setAvailable(true);
        assertThat(get("/schemas/ids/1").status).isEqualTo(200);
        assertThat(registry.unavailableResponses()).isEqualTo(2);
        assertThat(registry.schemaByIdRequests()).isEqualTo(1);
    }

    @Test
    void concurrentRegistrationsOfOneSchemaShareOneId() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> ids = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                String subject = "s" + (i % 4) + "-value";
                Callable<Integer> c = () -> register(subject, V1).json.get("id").asInt();
                ids.add(pool.submit(c));
            }
            for (Future<Integer> f : ids) {
                assertThat(f.get()).isEqualTo(1);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(registry.registerRequests()).isEqualTo(32);
        assertThat(get("/subjects").json).hasSize(4);
    }

    @Test
    void programmaticRegistrationSeedsTheRegistry() throws Exception {
        int id = registry.register("seed-value", new Schema.Parser().parse(V1));
        assertThat(id).isEqualTo(1);
        assertThat(get("/subjects/seed-value/versions/latest").json.get("id").asInt()).isEqualTo(1);
        assertThat(registry.schemaById(1)).isEqualTo(new Schema.Parser().parse(V1_REFORMATTED));
    }

    // ------------------------------------------------------------------------------------------------

    private static final class Resp {
        final int status;
        final JsonNode json;
        final String contentType;

        Resp(int status, JsonNode json, String contentType) {
            this.status = status;
            this.json = json;
            this.contentType = contentType;
        }
    }

    private static String schemaBody(String schema) {
        return JSON.createObjectNode().put("schema", schema).toString();
    }

    private Resp register(String subject, String schema) throws IOException, InterruptedException {
        return post("/subjects/" + subject + "/versions", schemaBody(schema));
    }

    private Resp get(String path) throws IOException, InterruptedException {
        return send(registry.url(), "GET", path, null, null);
    }

    private Resp post(String path, String body) throws IOException, InterruptedException {
        return send(registry.url(), "POST", path, body, null);
    }

    private Resp put(String path, String body) throws IOException, InterruptedException {
        return send(registry.url(), "PUT", path, body, null);
    }

    private static Resp send(String base, String method, String path, String body, String authorization)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(10))
                .header("Accept", "application/vnd.schemaregistry.v1+json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (body != null) {
            b.header("Content-Type", "application/vnd.schemaregistry.v1+json");
        }
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Resp(r.statusCode(), JSON.readTree(r.body()), r.headers().firstValue("Content-Type").orElse(null));
    }
}
