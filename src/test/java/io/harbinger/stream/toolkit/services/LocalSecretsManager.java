package io.harbinger.stream.toolkit.services;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Secrets Manager stand-in on 127.0.0.1 that speaks {@code GetSecretValue} as the service does (AWS JSON 1.1:
 * {@code POST /} with {@code X-Amz-Target: secretsmanager.GetSecretValue}, errors as HTTP 400 with
 * {@code __type} and {@code x-amzn-ErrorType}), for the real AWS SDK client.
 *
 * <p>It accepts only requests signed with Signature Version 4 by the dummy credentials it hands to the SDK: the
 * signature is computed again here from the request, so a request that is not a correctly signed
 * {@code GetSecretValue} is refused ({@code InvalidSignatureException} / {@code UnknownOperationException}) and
 * listed in {@link #refused()}.
 *
 * <p>{@link #start()} also points the SDK at it for this JVM, through system properties only (restored by
 * {@link #close()}): the service's endpoint override {@code aws.endpointUrlSecretsManager}, the dummy
 * credentials, no EC2 instance metadata, no shared config or credentials file. Nothing leaves loopback.
 */
public final class LocalSecretsManager implements AutoCloseable {
    public static final String ACCESS_KEY = "AKIDLOCALSECRETSTEST";
    /** The database secret that jobs-config/msf-application-properties.json references (RDS secret JSON). */
    public static final String SHIPPED_MSF_POSTGRES_SECRET =
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:harbinger/postgres-writer-AbCdEf";
    public static final String SHIPPED_MSF_POSTGRES_USER = "harbinger_writer";
    public static final String SHIPPED_MSF_POSTGRES_PASSWORD = "local-stand-in-db-password-6f1c";
    private static final String SECRET_KEY = "local-secrets-manager-dummy-secret-key";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern AUTHORIZATION = Pattern.compile(
            "AWS4-HMAC-SHA256 Credential=([^/]+)/(\\d{8})/([^/]+)/([^/]+)/aws4_request,\\s*SignedHeaders=([^,]+),"
                    + "\\s*Signature=([0-9a-f]{64})");

    private final HttpServer server;
    private final Map<String, Object> secrets = new ConcurrentHashMap<>();
    private final Set<String> denied = ConcurrentHashMap.newKeySet();
    private final Map<String, Integer> requests = new ConcurrentHashMap<>();
    private final List<String> refused = Collections.synchronizedList(new ArrayList<>());
    private final Set<String> regions = ConcurrentHashMap.newKeySet();
    private final Map<String, String> previousProperties = new LinkedHashMap<>();

    private LocalSecretsManager(HttpServer server) {
        this.server = server;
    }

    /** Starts on a free port of 127.0.0.1 and makes it the Secrets Manager endpoint of the SDK in this JVM. */
    public static LocalSecretsManager start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        LocalSecretsManager local = new LocalSecretsManager(server);
        server.createContext("/", local::handle);
        server.start();
        Path nowhere = Path.of(System.getProperty("java.io.tmpdir"), "harbinger-no-aws-config-" + UUID.randomUUID());
        local.setProperty("aws.endpointUrlSecretsManager", local.endpoint());
        local.setProperty("aws.accessKeyId", ACCESS_KEY);
        local.setProperty("aws.secretAccessKey", SECRET_KEY);
        local.setProperty("aws.disableEc2Metadata", "true");
        local.setProperty("aws.configFile", nowhere.resolve("config").toString());
        local.setProperty("aws.sharedCredentialsFile", nowhere.resolve("credentials").toString());
        return local;
    }

    /** Started, with the database secret that the shipped MSF application properties reference. */
    public static LocalSecretsManager startWithTheShippedMsfSecret() throws IOException {
        return start().putString(SHIPPED_MSF_POSTGRES_SECRET, "{\"username\":\"" + SHIPPED_MSF_POSTGRES_USER
                + "\",\"password\":\"" + SHIPPED_MSF_POSTGRES_PASSWORD + "\",\"engine\":\"postgres\","
                + "\"host\":\"harbinger.cluster-abc123.eu-west-1.rds.amazonaws.com\",\"port\":5432,"
                + "\"dbname\":\"harbinger\"}");
    }

    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** A secret with a SecretString, found by its full ARN. */
    public LocalSecretsManager putString(String arn, String secretString) {
        secrets.put(arn, secretString);
        return this;
    }

    /** A secret with only a SecretBinary. */
    public LocalSecretsManager putBinary(String arn, byte[] secretBinary) {
        secrets.put(arn, secretBinary.clone());
        return this;
    }

    /** GetSecretValue of this ARN answers AccessDeniedException, as for a role without the permission. */
    public LocalSecretsManager deny(String arn) {
        denied.add(arn);
        return this;
    }

    /** How many GetSecretValue requests named this SecretId. */
    public int requests(String secretId) {
        return requests.getOrDefault(secretId, 0);
    }

    /** The regions of the signatures' credential scopes. */
    public Set<String> signingRegions() {
        return new HashSet<>(regions);
    }

    /** Requests refused as not a correctly signed GetSecretValue, each with the reason. */
    public List<String> refused() {
        synchronized (refused) {
            return new ArrayList<>(refused);
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
            if (!"POST".equals(exchange.getRequestMethod()) || !"/".equals(exchange.getRequestURI().getPath())
                    || !"secretsmanager.GetSecretValue".equals(target)) {
                refuse(exchange, "UnknownOperationException", exchange.getRequestMethod() + " "
                        + exchange.getRequestURI() + " with X-Amz-Target " + target);
                return;
            }
            String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
            if (!"application/x-amz-json-1.1".equals(contentType)) {
                refuse(exchange, "SerializationException", "Content-Type " + contentType);
                return;
            }
            String signatureProblem = checkSignature(exchange, body);
            if (signatureProblem != null) {
                refuse(exchange, "InvalidSignatureException", signatureProblem);
                return;
            }
            JsonNode request = JSON.readTree(body);
            String secretId = request.path("SecretId").asText(null);
            if (secretId == null) {
                refuse(exchange, "InvalidParameterException", "no SecretId in " + new String(body, StandardCharsets.UTF_8));
                return;
            }
            requests.merge(secretId, 1, Integer::sum);
            Object secret = secrets.get(secretId);
            if (denied.contains(secretId)) {
                error(exchange, "AccessDeniedException", "User: arn:aws:sts::123456789012:assumed-role/harbinger-stream-msf/"
                        + "test is not authorized to perform: secretsmanager:GetSecretValue on resource: " + secretId
                        + " because no identity-based policy allows the secretsmanager:GetSecretValue action");
            } else if (secret == null) {
                error(exchange, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
            } else {
                ObjectNode answer = JSON.createObjectNode();
                answer.put("ARN", secretId);
                answer.put("Name", secretId.replaceFirst("^arn:[^:]+:secretsmanager:[^:]+:[0-9]+:secret:", ""));
                if (secret instanceof String string) {
                    answer.put("SecretString", string);
                } else {
                    answer.put("SecretBinary", Base64.getEncoder().encodeToString((byte[]) secret));
                }
                answer.put("VersionId", UUID.nameUUIDFromBytes(secretId.getBytes(StandardCharsets.UTF_8)).toString());
                answer.putArray("VersionStages").add("AWSCURRENT");
                answer.put("CreatedDate", 1.7e9);
                respond(exchange, 200, null, JSON.writeValueAsBytes(answer));
            }
        }
    }

    /**
     * Null if the request carries a valid SigV4 signature of the dummy credentials for service secretsmanager,
     * else what is wrong.
     */
    private String checkSignature(HttpExchange exchange, byte[] body) {
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        String amzDate = exchange.getRequestHeaders().getFirst("X-Amz-Date");
        if (authorization == null || amzDate == null) {
            return "no Authorization or X-Amz-Date header";
        }
        Matcher m = AUTHORIZATION.matcher(authorization);
        if (!m.matches()) {
            return "not an AWS4-HMAC-SHA256 Authorization header: " + authorization;
        }
        String accessKey = m.group(1);
        String date = m.group(2);
        String region = m.group(3);
        String service = m.group(4);
        List<String> signedHeaders = List.of(m.group(5).split(";"));
        if (!ACCESS_KEY.equals(accessKey)) {
            return "signed with access key " + accessKey + ", not the dummy key " + ACCESS_KEY;
        }
        if (!"secretsmanager".equals(service) || !amzDate.startsWith(date)) {
            return "credential scope " + date + "/" + region + "/" + service + " does not fit X-Amz-Date " + amzDate;
        }
        if (!signedHeaders.contains("host") || !signedHeaders.contains("x-amz-date")
                || !signedHeaders.contains("x-amz-target")) {
            return "host, x-amz-date and x-amz-target must be signed, signed were " + signedHeaders;
        }
        try {
            StringBuilder canonical = new StringBuilder("POST\n/\n\n");
            Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            headers.putAll(exchange.getRequestHeaders());
            for (String name : signedHeaders) {
                List<String> values = headers.get(name);
                if (values == null) {
                    return "signed header " + name + " is missing";
                }
                List<String> trimmed = new ArrayList<>();
                for (String v : values) {
                    trimmed.add(v.trim().replaceAll("\\s+", " "));
                }
                canonical.append(name.toLowerCase(Locale.ROOT)).append(':').append(String.join(",", trimmed)).append('\n');
            }
            canonical.append('\n').append(m.group(5)).append('\n').append(hex(sha256(body)));
            String scope = date + "/" + region + "/" + service + "/aws4_request";
            String toSign = "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n"
                    + hex(sha256(canonical.toString().getBytes(StandardCharsets.UTF_8)));
            byte[] key = hmac(("AWS4" + SECRET_KEY).getBytes(StandardCharsets.UTF_8), date);
            key = hmac(key, region);
            key = hmac(key, service);
            key = hmac(key, "aws4_request");
            String expected = hex(hmac(key, toSign));
            if (!MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
                    m.group(6).getBytes(StandardCharsets.US_ASCII))) {
                return "signature does not match the request (canonical request:\n" + canonical + ")";
            }
        } catch (GeneralSecurityException e) {
            return "cannot check the signature: " + e;
        }
        regions.add(region);
        return null;
    }

    private void refuse(HttpExchange exchange, String type, String why) throws IOException {
        refused.add(type + ": " + why);
        error(exchange, type, why);
    }

    private static void error(HttpExchange exchange, String type, String message) throws IOException {
        ObjectNode body = JSON.createObjectNode();
        body.put("__type", type);
        body.put("message", message);
        respond(exchange, 400, type, JSON.writeValueAsBytes(body));
    }

    private static void respond(HttpExchange exchange, int status, String errorType, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
        exchange.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
        if (errorType != null) {
            exchange.getResponseHeaders().set("x-amzn-ErrorType", errorType);
        }
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private static byte[] sha256(byte[] data) throws GeneralSecurityException {
        return MessageDigest.getInstance("SHA-256").digest(data);
    }

    private static byte[] hmac(byte[] key, String data) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    }

    private static String hex(byte[] bytes) {
        StringBuilder out = new StringBuilder();
        for (byte b : bytes) {
            out.append(String.format("%02x", b));
        }
        return out.toString();
    }

    private void setProperty(String name, String value) {
        if (!previousProperties.containsKey(name)) {
            previousProperties.put(name, System.getProperty(name));
        }
        System.setProperty(name, value);
    }

    /** Stops the server and gives the SDK system properties back their earlier values. */
    @Override
    public void close() {
        server.stop(0);
        previousProperties.forEach((name, value) -> {
            if (value == null) {
                System.clearProperty(name);
            } else {
                System.setProperty(name, value);
            }
        });
        previousProperties.clear();
    }
}
