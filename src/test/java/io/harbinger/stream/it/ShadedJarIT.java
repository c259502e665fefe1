package io.harbinger.stream.it;

import io.harbinger.stream.HarbingerJob;
import io.harbinger.stream.config.KafkaAuthentication;
import io.harbinger.stream.toolkit.cluster.FlinkCluster;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shaded job jar that `mvn package` leaves in target/ (this runs in the verify phase, after it), checked
 * against what a Flink 1.20 cluster and Managed Service for Apache Flink provide and need: one entry point,
 * Flink and its state backend left to the runtime, connectors, the JDBC driver and the MSF runtime
 * properties library inside, the AWS SDK's Secrets Manager client, the MSK IAM login module under the name Kafka
 * loads it by, no unrelocated Guava or Jackson next to the runtime's own, one Avro, and the service files merged so
 * that the driver and the connectors' factories are found.
 */
class ShadedJarIT {
    /** The managed service refuses larger application jars. */
    private static final long MSF_JAR_LIMIT_BYTES = 512L * 1024 * 1024;

    private static Path jar;
    private static List<String> entries;

    @BeforeAll
    static void readJar() throws IOException {
        jar = FlinkCluster.jobJar();
        assertThat(jar).as("the shaded jar; run through `mvn verify`, which packages it first").isRegularFile();
        entries = new ArrayList<>();
        try (JarFile file = new JarFile(jar.toFile())) {
            file.stream().map(ZipEntry::getName).forEach(entries::add);
        }
    }

    @Test
    void hasOneEntryPointAndFitsTheManagedServicesLimit() throws IOException {
        assertThat(entries).filteredOn("META-INF/MANIFEST.MF"::equalsIgnoreCase).hasSize(1);
        try (JarFile file = new JarFile(jar.toFile())) {
            Manifest manifest = file.getManifest();
            assertThat(manifest.getMainAttributes().getValue("Main-Class")).isEqualTo(HarbingerJob.class.getName());
        }
        assertThat(entries).contains(HarbingerJob.class.getName().replace('.', '/') + ".class");
        assertThat(Files.size(jar)).isLessThan(MSF_JAR_LIMIT_BYTES);
    }

    /**
     * Managed Service for Apache Flink runs its Flink 1.x runtimes on Java 11: a class of version 56 or above
     * anywhere in the jar, the job's own or a bundled library's, fails there with UnsupportedClassVersionError.
     * Classes under META-INF/versions/N/ load only on Java N and later, so only those with N <= 11 count.
     */
    @Test
    void everyClassLoadsOnJava11() throws IOException {
        List<String> tooNew = new ArrayList<>();
        int jobClasses = 0;
        try (JarFile file = new JarFile(jar.toFile())) {
            for (String name : entries) {
                if (!name.endsWith(".class") || releaseOf(name) > JAVA_11) {
                    continue;
                }
                int major;
                try (InputStream in = file.getInputStream(file.getEntry(name))) {
                    major = classFileMajorVersion(in.readNBytes(8), name);
                }
                if (major > JAVA_11_CLASS_FILE) {
                    tooNew.add(name + " (class-file version " + major + ", Java " + (major - 44) + ") from "
                            + originOf(name));
                }
                if (name.startsWith("io/harbinger/") && !name.startsWith("io/harbinger/shaded/")) {
                    jobClasses++;
                    assertThat(major).as("%s: compiled with --release 11", name).isEqualTo(JAVA_11_CLASS_FILE);
                }
            }
        }
        assertThat(jobClasses).as("the job's own classes").isGreaterThan(50);
        assertThat(tooNew).as("classes that Java 11 cannot load").isEmpty();
    }

    private static final int JAVA_11 = 11;
    private static final int JAVA_11_CLASS_FILE = 55;

    /** The Java release a multi-release entry is for; 8 (any) for an ordinary one. */
    private static int releaseOf(String entry) {
        if (!entry.startsWith("META-INF/versions/")) {
            return 8;
        }
        String release = entry.substring("META-INF/versions/".length(), entry.indexOf('/', "META-INF/versions/".length()));
        return Integer.parseInt(release);
    }

    private static int classFileMajorVersion(byte[] header, String name) {
        assertThat(header.length == 8 && (header[0] & 0xff) == 0xCA && (header[1] & 0xff) == 0xFE
                && (header[2] & 0xff) == 0xBA && (header[3] & 0xff) == 0xBE).as("%s is a class file", name).isTrue();
        return ((header[6] & 0xff) << 8) | (header[7] & 0xff);
    }

    /** The jar (or folder) of the build's classpath that an entry of the shaded jar came from, for the report. */
    private static String originOf(String entry) throws IOException {
        String original = entry.startsWith("io/harbinger/shaded/") ? entry.substring("io/harbinger/shaded/".length()) : entry;
        for (String element : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path path = Path.of(element);
            if (Files.isDirectory(path)) {
                if (Files.exists(path.resolve(original))) {
                    return path.toString();
                }
            } else if (element.endsWith(".jar")) {
                try (JarFile file = new JarFile(element)) {
                    if (file.getEntry(original) != null) {
                        return path.getFileName().toString();
                    }
                }
            }
        }
        return "a dependency not on the test classpath";
    }

    @Test
    void bundlesNoClassThatTheFlinkRuntimeProvides() throws IOException {
        // The jars a Flink 1.20 distribution (and the managed service) puts on every job's classpath, as the
        // test classpath has them: any class of theirs in the job jar would shadow or clash with the cluster's.
        List<String> provided = List.of("flink-core-", "flink-runtime-", "flink-streaming-java-", "flink-clients-",
                "flink-java-", "flink-rpc-core-", "flink-statebackend-rocksdb-", "frocksdbjni-");
        Set<String> runtimeClasses = new HashSet<>();
        List<String> found = new ArrayList<>();
        for (String element : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String name = Path.of(element).getFileName().toString();
            if (name.endsWith(".jar") && !name.contains("-tests") && provided.stream().anyMatch(name::startsWith)) {
                found.add(name);
                try (JarFile file = new JarFile(element)) {
                    file.stream().map(ZipEntry::getName).filter(n -> n.endsWith(".class")
                            && !n.startsWith("META-INF/")).forEach(runtimeClasses::add);
                }
            }
        }
        assertThat(found).as("provided Flink jars on the test classpath").anyMatch(n -> n.startsWith("flink-runtime-"))
                .anyMatch(n -> n.startsWith("flink-streaming-java-")).anyMatch(n -> n.startsWith("frocksdbjni-"));

        assertThat(entries.stream().filter(runtimeClasses::contains).toList()).isEmpty();
        assertThat(entries).noneMatch(e -> e.startsWith("org/apache/flink/runtime/")
                || e.startsWith("org/apache/flink/streaming/api/") || e.startsWith("org/apache/flink/streaming/runtime/")
                || e.startsWith("org/apache/flink/contrib/streaming/state/") || e.startsWith("org/rocksdb/")
                || e.startsWith("org/apache/flink/api/common/") || e.startsWith("org/apache/flink/core/"));
        // Logging is the runtime's too: a bundled binding would fight its log4j configuration.
        assertThat(entries).noneMatch(e -> e.startsWith("org/slf4j/") || e.startsWith("org/apache/logging/log4j/")
                || e.startsWith("org/apache/log4j/"));
    }

    @Test
    void guavaAndJacksonAreOnlyThereRelocated() {
        for (String library : List.of("com/google/common/", "com/fasterxml/jackson/", "org/yaml/snakeyaml/")) {
            assertThat(entries).as(library).noneMatch(e -> e.startsWith(library));
        }
        assertThat(entries).contains("io/harbinger/shaded/com/fasterxml/jackson/databind/ObjectMapper.class",
                "io/harbinger/shaded/org/yaml/snakeyaml/Yaml.class");
        // The Kinesis connector brings its own relocated copies; they stay under its prefix.
        assertThat(entries).contains("org/apache/flink/kinesis/shaded/com/fasterxml/jackson/databind/ObjectMapper.class");
    }

    @Test
    void carriesTheConnectorsTheDriverAndTheManagedServiceRuntime() {
        assertThat(entries).contains(
                "org/apache/flink/connector/kafka/source/KafkaSource.class",
                "org/apache/flink/connector/kafka/sink/KafkaSink.class",
                "org/apache/kafka/clients/producer/KafkaProducer.class",
                "org/apache/flink/connector/base/DeliveryGuarantee.class",
                "org/apache/flink/streaming/connectors/kinesis/FlinkKinesisConsumer.class",
                "io/harbinger/stream/sink/PostgresUpsertSink.class",
                "org/postgresql/Driver.class",
                "org/apache/flink/formats/avro/AvroDeserializationSchema.class",
                "com/amazonaws/services/kinesisanalytics/runtime/KinesisAnalyticsRuntime.class");
    }

    @Test
    void carriesTheSecretsManagerClientUnrelocatedWithTheJdkHttpClientOnly() throws IOException {
        // ${secretsmanager:...} config references: the SDK v2 client as published (its own service files and
        // endpoint rules are found under their original names), with HttpURLConnection as the only HTTP client.
        assertThat(entries).contains(
                "software/amazon/awssdk/services/secretsmanager/SecretsManagerClient.class",
                "software/amazon/awssdk/http/urlconnection/UrlConnectionHttpClient.class",
                "io/harbinger/stream/config/SecretsManagerReferences.class");
        assertThat(entries).noneMatch(e -> e.startsWith("software/amazon/awssdk/http/apache")
                || e.startsWith("software/amazon/awssdk/http/nio/") || e.startsWith("org/apache/hc/"));
        assertThat(serviceFile("META-INF/services/software.amazon.awssdk.http.SdkHttpService"))
                .containsExactly("software.amazon.awssdk.http.urlconnection.UrlConnectionSdkHttpService");
    }

    @Test
    void carriesTheMskIamLoginModuleAndCallbackHandlerUnderTheNamesKafkaLoadsThemBy() throws Exception {
        // sasl.jaas.config and sasl.client.callback.handler.class name them: relocated, Kafka would not find them
        for (String className : List.of(KafkaAuthentication.IAM_LOGIN_MODULE, KafkaAuthentication.IAM_CALLBACK_HANDLER,
                "software.amazon.msk.auth.iam.internals.IAMSaslClientProvider")) {
            assertThat(entries).contains(className.replace('.', '/') + ".class");
        }
        assertThat(KafkaAuthentication.IAM_LOGIN_MODULE).isEqualTo("software.amazon.msk.auth.iam.IAMLoginModule");
        assertThat(KafkaAuthentication.IAM_CALLBACK_HANDLER)
                .isEqualTo("software.amazon.msk.auth.iam.IAMClientCallbackHandler");
        // its AWS SDK: STS for iam.role-arn, and the JDK's URLConnection as the HTTP client
        assertThat(entries).contains("software/amazon/awssdk/services/sts/StsClient.class",
                "software/amazon/awssdk/http/urlconnection/UrlConnectionHttpClient.class");
        // and not the Netty and Apache HttpClient 4 it would bring (the SDK's own clients: the Secrets Manager test)
        assertThat(entries).noneMatch(e -> e.startsWith("io/netty/") || e.startsWith("org/apache/http/"));

        // The jar's own copy signs a token: the library works with the jar's relocated Jackson, on the JDK and
        // SLF4J alone (what a Flink runtime adds), for a broker host that names its region as MSK's do.
        List<URL> urls = new ArrayList<>(List.of(jar.toUri().toURL()));
        for (String element : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (Path.of(element).getFileName().toString().startsWith("slf4j-api-")) {
                urls.add(Path.of(element).toUri().toURL());
            }
        }
        try (URLClassLoader jarOnly = new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader())) {
            Class<?> credentials = jarOnly.loadClass("software.amazon.awssdk.auth.credentials.AwsCredentials");
            Object key = jarOnly.loadClass("software.amazon.awssdk.auth.credentials.AwsBasicCredentials")
                    .getMethod("create", String.class, String.class).invoke(null, "AKIASHADEDJARTEST", "not-a-secret");
            Class<?> params = jarOnly.loadClass("software.amazon.msk.auth.iam.internals.AuthenticationRequestParams");
            Object request = params.getMethod("create", String.class, credentials, String.class).invoke(null,
                    "b-1.harbinger.abc123.c2.kafka.eu-west-1.amazonaws.com", key, "harbinger-shaded-jar-test");
            Object generator = jarOnly.loadClass("software.amazon.msk.auth.iam.internals.AWS4SignedPayloadGenerator")
                    .getConstructor().newInstance();
            byte[] payload = (byte[]) generator.getClass().getMethod("signedPayload", params).invoke(generator, request);
            Map<String, Object> json = new ObjectMapper().readerForMapOf(Object.class).readValue(payload);
            assertThat(json).containsEntry("version", "2020_10_22").containsEntry("action", "kafka-cluster:Connect")
                    .containsEntry("host", "b-1.harbinger.abc123.c2.kafka.eu-west-1.amazonaws.com")
                    .containsEntry("x-amz-algorithm", "AWS4-HMAC-SHA256").containsKey("x-amz-signature");
            assertThat((String) json.get("x-amz-credential"))
                    .matches("AKIASHADEDJARTEST/\\d{8}/eu-west-1/kafka-cluster/aws4_request");
        }
    }

    @Test
    void serviceFilesAreMergedSoConnectorsFindTheirFactories() throws IOException {
        // JDBC finds the driver, and Flink the connectors' table factories, through ServiceLoader: with the
        // service files not merged, the first jar's file would win and the others' entries would be lost.
        assertThat(serviceFile("META-INF/services/java.sql.Driver")).contains("org.postgresql.Driver");
        assertThat(serviceFile("META-INF/services/org.apache.flink.table.factories.Factory"))
                .anyMatch(line -> line.contains(".kafka.")).anyMatch(line -> line.contains(".kinesis."));
    }

    @Test
    void hasOneAvroAndItIsTheVersionTheSchemasWereCompiledWith() throws IOException {
        assertThat(entries).filteredOn(e -> e.endsWith("org/apache/avro/Schema.class"))
                .containsExactly("org/apache/avro/Schema.class");
        Set<String> versions = new TreeSet<>();
        try (JarFile file = new JarFile(jar.toFile())) {
            for (String e : entries) {
                if (e.startsWith("META-INF/maven/org.apache.avro/") && e.endsWith("/pom.properties")) {
                    Properties p = new Properties();
                    try (InputStream in = file.getInputStream(file.getEntry(e))) {
                        p.load(in);
                    }
                    versions.add(p.getProperty("version"));
                }
            }
        }
        Properties compiledWith = new Properties(); // the Avro on the build's classpath, which generated the classes
        try (InputStream in = org.apache.avro.Schema.class.getResourceAsStream(
                "/META-INF/maven/org.apache.avro/avro/pom.properties")) {
            compiledWith.load(in);
        }
        assertThat(versions).containsExactly(compiledWith.getProperty("version"));
        // CVE-2024-47561: Avro before 1.11.4 can execute code while parsing a schema, and the job parses the
        // writer schemas it fetches from the registry.
        String[] version = versions.iterator().next().split("\\.");
        assertThat(Integer.parseInt(version[0]) * 1_000_000 + Integer.parseInt(version[1]) * 1_000
                + Integer.parseInt(version[2].replaceAll("\\D.*", "")))
                .as("Avro %s in the jar: 1.11.4 or later", String.join(".", version)).isGreaterThanOrEqualTo(1_011_004);
    }

    private static List<String> serviceFile(String name) throws IOException {
        try (JarFile file = new JarFile(jar.toFile())) {
            ZipEntry entry = file.getEntry(name);
            assertThat(entry).as(name).isNotNull();
            try (InputStream in = file.getInputStream(entry)) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                        .map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
            }
        }
    }
}
