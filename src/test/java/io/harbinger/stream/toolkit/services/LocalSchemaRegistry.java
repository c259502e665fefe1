package io.harbinger.stream.toolkit.services;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;

import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaParseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small in-process Schema Registry that speaks the subset of the Confluent Schema Registry REST API the job
 * uses, for tests and the local run. Avro only; schemas are kept in memory.
 *
 * <ul>
 *   <li>{@code POST /subjects/{subject}/versions} {@code {"schema": "..."}} -> {@code {"id": N}}</li>
 *   <li>{@code POST /subjects/{subject}} (lookup) -> {@code {"subject","id","version","schema"}}</li>
 *   <li>{@code GET /schemas/ids/{id}} -> {@code {"schema": "..."}}</li>
 *   <li>{@code GET /subjects}, {@code GET /subjects/{subject}/versions},
 *       {@code GET /subjects/{subject}/versions/{version|latest}}</li>
 *   <li>{@code GET|PUT /config}, {@code GET|PUT /config/{subject}} with
 *       {@code {"compatibility": "BACKWARD|BACKWARD_TRANSITIVE|FORWARD|FORWARD_TRANSITIVE|FULL|FULL_TRANSITIVE|NONE"}}</li>
 * </ul>
 *
 * <p>Schema ids are global, start at 1, and the same schema (by Avro {@link Schema#equals}) under two subjects
 * shares one id. Errors carry Confluent's {@code error_code}s (40401 subject not found, 40402 version not found,
 * 40403 schema not found, 409 incompatible, 42201 invalid schema, 42202 invalid version, 42203 invalid
 * compatibility level). Optional basic auth; {@link #setAvailable(boolean)} simulates an outage (503).
 */
public final class LocalSchemaRegistry implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LocalSchemaRegistry.class);
    public static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

    /** Compatibility levels, with Confluent's names. */
    public enum Compatibility {
        NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE
    }

    /** What a request asked for; {@link #requests(RequestKind)} counts them. */
    public enum RequestKind {
        REGISTER, LOOKUP, SCHEMA_BY_ID, SUBJECTS, VERSIONS, VERSION, CONFIG, OTHER
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final ExecutorService executor;
    private final String expectedAuthorization;
    private final Thread shutdownHook;
    private volatile boolean available = true;
    private volatile boolean closed;

    // ---- state, guarded by 'this' ----
    private final List<StoredSchema> schemasById = new ArrayList<>(); // index = id - 1
    private final Map<String, List<Integer>> subjectVersions = new LinkedHashMap<>(); // version = index + 1
    private final Map<String, Compatibility> subjectCompatibility = new HashMap<>();
    private Compatibility globalCompatibility = Compatibility.BACKWARD;

    private final Map<RequestKind, AtomicLong> counters = new EnumMap<>(RequestKind.class);
    private final AtomicLong unavailableResponses = new AtomicLong();
    private final AtomicLong unauthorizedResponses = new AtomicLong();

    private static final class StoredSchema {
        final int id;
        final Schema schema;
        final String text; // as first registered (Confluent returns the canonical string; any equal form works)

        StoredSchema(int id, Schema schema, String text) {
            this.id = id;
            this.schema = schema;
            this.text = text;
        }
    }

    /**
     * @param user HTTP basic auth user, null for none
     * @param password HTTP basic auth password
     * @param tls null for plain HTTP
     * @param requireClientCertificate with TLS: whether a client certificate is required (mutual TLS)
     */
    private LocalSchemaRegistry(String user, String password, SSLContext tls, boolean requireClientCertificate)
            throws IOException {
        for (RequestKind k : RequestKind.values()) {
            counters.put(k, new AtomicLong());
        }
        this.expectedAuthorization = user == null ? null
                : "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        InetSocketAddress address = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0);
        if (tls == null) {
            this.server = HttpServer.create(address, 50);
        } else {
            HttpsServer https = HttpsServer.create(address, 50);
            https.setHttpsConfigurator(new HttpsConfigurator(tls) {
                @Override
                public void configure(HttpsParameters params) {
                    SSLParameters p = tls.getDefaultSSLParameters();
                    p.setNeedClientAuth(requireClientCertificate);
                    params.setSSLParameters(p);
                }
            });
            this.server = https;
        }
        AtomicInteger threads = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "local-schema-registry-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
        this.shutdownHook = new Thread(this::stopServer, "local-schema-registry-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts a registry without authentication on a free 127.0.0.1 port. */
    public static LocalSchemaRegistry start() {
        return start(null, null);
    }

    /** Starts a registry that requires HTTP basic auth with these credentials (401 otherwise). */
    public static LocalSchemaRegistry start(String user, String password) {
        try {
            LocalSchemaRegistry r = new LocalSchemaRegistry(user, password, null, false);
            LOG.info("Local schema registry listening on {}{}", r.url(), user == null ? "" : " (basic auth)");
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException("Local schema registry could not bind a port on 127.0.0.1", e);
        }
    }

    /**
     * Starts a registry that speaks only HTTPS, with the key and certificate of {@code keystore} (PKCS12 or JKS,
     * one password for store and key) and, when {@code user} is given, HTTP basic auth. With a
     * {@code clientTruststore} it also requires a client certificate signed by (or in) that store: mutual TLS.
     */
    public static LocalSchemaRegistry startHttps(Path keystore, String keystorePassword, Path clientTruststore,
                                                 String truststorePassword, String user, String password) {
        try {
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(KeyStore.getInstance(keystore.toFile(), keystorePassword.toCharArray()),
                    keystorePassword.toCharArray());
            TrustManager[] trust = null;
            if (clientTruststore != null) {
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(KeyStore.getInstance(clientTruststore.toFile(), truststorePassword.toCharArray()));
                trust = tmf.getTrustManagers();
            }
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(kmf.getKeyManagers(), trust, null);
            LocalSchemaRegistry r = new LocalSchemaRegistry(user, password, tls, clientTruststore != null);
            LOG.info("Local schema registry listening on {}{}{}", r.url(), user == null ? "" : " (basic auth)",
                    clientTruststore == null ? "" : " (client certificates required)");
            return r;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("Local HTTPS schema registry could not start: " + e, e);
        }
    }

    /** {@code http://127.0.0.1:PORT} or {@code https://...}, without a trailing slash. */
    public String url() {
        return (server instanceof HttpsServer ? "https" : "http") + "://127.0.0.1:" + server.getAddress().getPort();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** While false, every request is answered with 503 (a registry outage). */
    public void setAvailable(boolean available) {
        this.available = available;
    }

    /** Requests of a kind that reached the registry logic (after the availability and auth checks). */
    public long requests(RequestKind kind) {
        return counters.get(kind).get();
    }

    /** {@code GET /schemas/ids/{id}} requests served (what a deserializer's cache should keep low). */
    public long schemaByIdRequests() {
        return requests(RequestKind.SCHEMA_BY_ID);
    }

    /** {@code POST /subjects/{subject}/versions} requests served. */
    public long registerRequests() {
        return requests(RequestKind.REGISTER);
    }

    public long unavailableResponses() {
        return unavailableResponses.get();
    }

    public long unauthorizedResponses() {
        return unauthorizedResponses.get();
    }

    /**
     * Registers a schema directly (as a POST would, compatibility checks included), for seeding the registry.
     *
     * @return the schema's global id
     * @throws IllegalArgumentException if the schema is incompatible with the subject's latest version
     */
    public int register(String subject, Schema schema) {
        Outcome o;
        try {
            o = doRegister(subject, schema.toString());
        } catch (HttpError e) {
            o = e.outcome;
        }
        if (o.status != 200) {
            throw new IllegalArgumentException(o.body.path("message").asText());
        }
        return o.body.get("id").asInt();
    }

    /** The schema with this id, or null. */
    public synchronized Schema schemaById(int id) {
        return id >= 1 && id <= schemasById.size() ? schemasById.get(id - 1).schema : null;
    }

    public synchronized void setCompatibility(Compatibility level) {
        globalCompatibility = level;
    }

    public synchronized void setCompatibility(String subject, Compatibility level) {
        subjectCompatibility.put(subject, level);
    }

    @Override
    public void close() {
        stopServer();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException | IllegalArgumentException ignored) {
            // JVM shutting down
        }
    }

    private void stopServer() {
        if (closed) {
            return;
        }
        closed = true;
        server.stop(0);
        executor.shutdownNow();
        LOG.info("Local schema registry {} stopped", url());
    }

    @Override
    public String toString() {
        return "LocalSchemaRegistry[" + url() + "]";
    }

    // ------------------------------------------------------------------------------------------------
    // HTTP

    private static final class Outcome {
        final int status;
        final JsonNode body;

        Outcome(int status, JsonNode body) {
            this.status = status;
            this.body = body;
        }
    }

    private static Outcome ok(JsonNode body) {
        return new Outcome(200, body);
    }

    private static Outcome error(int status, int errorCode, String message) {
        ObjectNode n = JSON.createObjectNode();
        n.put("error_code", errorCode);
        n.put("message", message);
        return new Outcome(status, n);
    }

    private static final class HttpError extends RuntimeException {
        final Outcome outcome;

        HttpError(Outcome outcome) {
            super(outcome.body.path("message").asText(), null, false, false);
            this.outcome = outcome;
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        Outcome out;
        try {
            byte[] body;
            try (InputStream in = ex.getRequestBody()) {
                body = in.readAllBytes();
            }
            if (!available) {
                unavailableResponses.incrementAndGet();
                out = error(503, 50300, "Schema registry unavailable (LocalSchemaRegistry.setAvailable(false))");
            } else if (expectedAuthorization != null
                    && !expectedAuthorization.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                unauthorizedResponses.incrementAndGet();
                ex.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"LocalSchemaRegistry\"");
                out = error(401, 401, "Unauthorized");
            } else {
                out = route(ex.getRequestMethod().toUpperCase(Locale.ROOT), ex.getRequestURI().getRawPath(),
                        ex.getRequestURI().getRawQuery(), body);
            }
        } catch (HttpError e) {
            out = e.outcome;
        } catch (RuntimeException e) {
            LOG.warn("Local schema registry failed on {} {}", ex.getRequestMethod(), ex.getRequestURI(), e);
            out = error(500, 50001, "Error in the backend data store: " + e);
        }
        byte[] bytes = JSON.writeValueAsBytes(out.body);
        ex.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
        ex.sendResponseHeaders(out.status, bytes.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(bytes);
        }
    }

    private Outcome route(String method, String rawPath, String rawQuery, byte[] body) {
        List<String> seg = new ArrayList<>();
        for (String s : rawPath.split("/")) {
            if (!s.isEmpty()) {
                seg.add(URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8));
            }
        }
        int n = seg.size();
        String first = n > 0 ? seg.get(0) : "";
        switch (first) {
            case "schemas":
                if (n == 3 && "ids".equals(seg.get(1))) {
                    requireMethod(method, "GET");
                    count(RequestKind.SCHEMA_BY_ID);
                    return schemaById(seg.get(2));
                }
                break;
            case "subjects":
                if (n == 1) {
                    requireMethod(method, "GET");
                    count(RequestKind.SUBJECTS);
                    return subjects();
                }
                if (n == 2) {
                    requireMethod(method, "POST");
                    count(RequestKind.LOOKUP);
                    return lookup(seg.get(1), schemaText(body));
                }
                if (n == 3 && "versions".equals(seg.get(2))) {
                    if ("POST".equals(method)) {
                        count(RequestKind.REGISTER);
                        return doRegister(seg.get(1), schemaText(body));
                    }
                    requireMethod(method, "GET");
                    count(RequestKind.VERSIONS);
                    return versions(seg.get(1));
                }
                if (n == 4 && "versions".equals(seg.get(2))) {
                    requireMethod(method, "GET");
                    count(RequestKind.VERSION);
                    return version(seg.get(1), seg.get(3));
                }
                if (n == 5 && "versions".equals(seg.get(2)) && "schema".equals(seg.get(4))) {
                    requireMethod(method, "GET");
                    count(RequestKind.VERSION);
                    // raw schema, as Confluent's /schema endpoint returns it
                    Outcome v = version(seg.get(1), seg.get(3));
                    return v.status == 200 ? ok(parseJson(v.body.get("schema").asText())) : v;
                }
                break;
            case "config":
                count(RequestKind.CONFIG);
                if (n == 1 || n == 2) {
                    String subject = n == 2 ? seg.get(1) : null;
                    if ("PUT".equals(method)) {
                        return putConfig(subject, body);
                    }
                    requireMethod(method, "GET");
                    return getConfig(subject, rawQuery != null && rawQuery.contains("defaultToGlobal=true"));
                }
                break;
            case "":
                requireMethod(method, "GET");
                count(RequestKind.OTHER);
                return ok(JSON.createObjectNode());
            default:
                break;
        }
        count(RequestKind.OTHER);
        return error(404, 404, "HTTP 404 Not Found");
    }

    private static void requireMethod(String method, String expected) {
        if (!expected.equals(method)) {
            throw new HttpError(error(405, 405, "HTTP 405 Method Not Allowed"));
        }
    }

    private void count(RequestKind kind) {
        counters.get(kind).incrementAndGet();
    }

    private static JsonNode parseJson(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new HttpError(error(422, 422, "Unrecognized request body: " + e.getMessage()));
        }
    }

    private static String schemaText(byte[] body) {
        JsonNode req;
        try {
            req = JSON.readTree(body);
        } catch (IOException e) {
            throw new HttpError(error(400, 400, "Unrecognized request body: " + e.getMessage()));
        }
        if (req == null || !req.hasNonNull("schema")) {
            throw new HttpError(error(422, 42201, "Invalid schema: the request has no \"schema\" field"));
        }
        String type = req.path("schemaType").asText("AVRO");
        if (!"AVRO".equalsIgnoreCase(type)) {
            throw new HttpError(error(422, 42201, "Invalid schema: only AVRO is supported, not " + type));
        }
        return req.get("schema").asText();
    }

    private static Schema parse(String text) {
        try {
            return new Schema.Parser().parse(text);
        } catch (SchemaParseException | NullPointerException e) {
            throw new HttpError(error(422, 42201, "Invalid schema " + text + ": " + e.getMessage()));
        } catch (RuntimeException e) { // Jackson parse errors surface as runtime exceptions too
            throw new HttpError(error(422, 42201, "Invalid schema " + text + ": " + e.getMessage()));
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Registry logic

    private synchronized Outcome doRegister(String subject, String text) {
        Schema schema = parse(text);
        List<Integer> versions = subjectVersions.getOrDefault(subject, List.of());
        for (Integer id : versions) {
            if (schemasById.get(id - 1).schema.equals(schema)) {
                return ok(JSON.createObjectNode().put("id", id));
            }
        }
        List<String> problems = incompatibilities(subject, schema, versions);
        if (!problems.isEmpty()) {
            return error(409, 409, "Schema being registered is incompatible with an earlier schema for subject \""
                    + subject + "\": " + String.join("; ", problems));
        }
        StoredSchema stored = null;
        for (StoredSchema s : schemasById) {
            if (s.schema.equals(schema)) {
                stored = s;
                break;
            }
        }
        if (stored == null) {
            stored = new StoredSchema(schemasById.size() + 1, schema, text);
            schemasById.add(stored);
        }
        subjectVersions.computeIfAbsent(subject, k -> new ArrayList<>()).add(stored.id);
        LOG.debug("Registered schema id {} as version {} of subject {}", stored.id,
                subjectVersions.get(subject).size(), subject);
        return ok(JSON.createObjectNode().put("id", stored.id));
    }

    /** Messages for every incompatibility of {@code schema} against the versions its level checks. */
    private List<String> incompatibilities(String subject, Schema schema, List<Integer> versions) {
        Compatibility level = subjectCompatibility.getOrDefault(subject, globalCompatibility);
        if (versions.isEmpty() || level == Compatibility.NONE) {
            return List.of();
        }
        List<Integer> against = level.name().endsWith("_TRANSITIVE")
                ? versions : List.of(versions.get(versions.size() - 1));
        List<String> problems = new ArrayList<>();
        for (Integer id : against) {
            Schema existing = schemasById.get(id - 1).schema;
            int version = versions.indexOf(id) + 1;
            boolean backward = level.name().startsWith("BACKWARD") || level.name().startsWith("FULL");
            boolean forward = level.name().startsWith("FORWARD") || level.name().startsWith("FULL");
            if (backward) {
                describe(SchemaCompatibility.checkReaderWriterCompatibility(schema, existing),
                        "new schema cannot read data written with version " + version, problems);
            }
            if (forward) {
                describe(SchemaCompatibility.checkReaderWriterCompatibility(existing, schema),
                        "version " + version + " cannot read data written with the new schema", problems);
            }
        }
        return problems;
    }

    private static void describe(SchemaCompatibility.SchemaPairCompatibility pair, String what, List<String> out) {
        if (pair.getType() == SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
            return;
        }
        for (SchemaCompatibility.Incompatibility i : pair.getResult().getIncompatibilities()) {
            out.add("{" + what + ": " + i.getType() + " at " + i.getLocation() + ": " + i.getMessage() + "}");
        }
        if (pair.getResult().getIncompatibilities().isEmpty()) {
            out.add("{" + what + ": " + pair.getDescription() + "}");
        }
    }

    private synchronized Outcome lookup(String subject, String text) {
        Schema schema = parse(text);
        List<Integer> versions = subjectVersions.get(subject);
        if (versions == null) {
            return subjectNotFound(subject);
        }
        for (int v = 0; v < versions.size(); v++) {
            StoredSchema s = schemasById.get(versions.get(v) - 1);
            if (s.schema.equals(schema)) {
                return ok(versionNode(subject, v + 1, s));
            }
        }
        return error(404, 40403, "Schema not found");
    }

    private synchronized Outcome schemaById(String idText) {
        int id;
        try {
            id = Integer.parseInt(idText);
        } catch (NumberFormatException e) {
            return error(404, 40403, "Schema " + idText + " not found");
        }
        if (id < 1 || id > schemasById.size()) {
            return error(404, 40403, "Schema " + id + " not found");
        }
        return ok(JSON.createObjectNode().put("schema", schemasById.get(id - 1).text));
    }

    private synchronized Outcome subjects() {
        ArrayNode a = JSON.createArrayNode();
        subjectVersions.keySet().forEach(a::add);
        return ok(a);
    }

    private synchronized Outcome versions(String subject) {
        List<Integer> versions = subjectVersions.get(subject);
        if (versions == null) {
            return subjectNotFound(subject);
        }
        ArrayNode a = JSON.createArrayNode();
        for (int v = 1; v <= versions.size(); v++) {
            a.add(v);
        }
        return ok(a);
    }

    private synchronized Outcome version(String subject, String versionText) {
        List<Integer> versions = subjectVersions.get(subject);
        if (versions == null) {
            return subjectNotFound(subject);
        }
        int v = parseVersion(versionText, versions.size());
        if (v < 1 || v > versions.size()) {
            return error(404, 40402, "Version " + versionText + " not found.");
        }
        return ok(versionNode(subject, v, schemasById.get(versions.get(v - 1) - 1)));
    }

    private synchronized Outcome putConfig(String subject, byte[] body) {
        JsonNode req;
        try {
            req = JSON.readTree(body);
        } catch (IOException e) {
            return error(400, 400, "Unrecognized request body: " + e.getMessage());
        }
        String text = req == null ? "" : req.path("compatibility").asText("");
        Compatibility level;
        try {
            level = Compatibility.valueOf(text.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return error(422, 42203, "Invalid compatibility level. Valid values are none, backward, forward, full,"
                    + " backward_transitive, forward_transitive, and full_transitive");
        }
        if (subject == null) {
            globalCompatibility = level;
        } else {
            subjectCompatibility.put(subject, level);
        }
        return ok(JSON.createObjectNode().put("compatibility", level.name()));
    }

    private synchronized Outcome getConfig(String subject, boolean defaultToGlobal) {
        Compatibility level = subject == null ? globalCompatibility : subjectCompatibility.get(subject);
        if (level == null) {
            if (!defaultToGlobal) {
                return error(404, 40408, "Subject '" + subject + "' does not have subject-level compatibility configured");
            }
            level = globalCompatibility;
        }
        return ok(JSON.createObjectNode().put("compatibilityLevel", level.name()));
    }

    private static int parseVersion(String text, int latest) {
        if ("latest".equals(text) || "-1".equals(text)) {
            return latest;
        }
        try {
            int v = Integer.parseInt(text);
            if (v < 1) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new HttpError(error(422, 42202, "The specified version '" + text + "' is not a valid version id. "
                    + "Allowed values are between [1, 2^31-1] and the string \"latest\""));
        }
    }

    private static Outcome subjectNotFound(String subject) {
        return error(404, 40401, "Subject '" + subject + "' not found.");
    }

    private static ObjectNode versionNode(String subject, int version, StoredSchema s) {
        ObjectNode n = JSON.createObjectNode();
        n.put("subject", subject);
        n.put("version", version);
        n.put("id", s.id);
        n.put("schema", s.text);
        return n;
    }
}
