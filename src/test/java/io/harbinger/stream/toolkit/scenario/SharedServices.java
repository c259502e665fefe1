package io.harbinger.stream.toolkit.scenario;

import io.harbinger.stream.toolkit.WorkDirs;
import io.harbinger.stream.toolkit.services.KafkaBroker;
import io.harbinger.stream.toolkit.services.LocalPostgres;
import io.harbinger.stream.toolkit.services.LocalSchemaRegistry;

import java.nio.file.Path;

/**
 * One Kafka broker, schema registry and PostgreSQL for all integration tests of a JVM, started on first use
 * (each is stopped by its own shutdown hook). Tests isolate themselves by topic and database names.
 */
public final class SharedServices {
    private static SharedServices instance;

    public final KafkaBroker kafka;
    public final LocalSchemaRegistry registry;
    public final LocalPostgres postgres;

    private SharedServices(KafkaBroker kafka, LocalSchemaRegistry registry, LocalPostgres postgres) {
        this.kafka = kafka;
        this.registry = registry;
        this.postgres = postgres;
    }

    public static synchronized SharedServices get() throws Exception {
        if (instance == null) {
            Path work = WorkDirs.create("harbinger-it-");
            instance = new SharedServices(KafkaBroker.start(work.resolve("kafka")), LocalSchemaRegistry.start(),
                    LocalPostgres.start());
        }
        return instance;
    }
}
