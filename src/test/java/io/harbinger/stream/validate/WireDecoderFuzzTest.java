package io.harbinger.stream.validate;

import io.harbinger.events.EventType;
import io.harbinger.events.GeopoliticalEvent;
import io.harbinger.stream.config.JobConfig.RegistrySettings;
import io.harbinger.stream.records.Reason;
import io.harbinger.stream.registry.SchemaRegistryClient;
import io.harbinger.stream.testing.BadPayloads;
import io.harbinger.stream.toolkit.services.LocalSchemaRegistry;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

import static io.harbinger.stream.testing.TestEvents.T0;
import static io.harbinger.stream.testing.TestEvents.event;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Seeded fuzzing of {@link WireDecoder}: whatever the bytes, decode either returns an event or throws
 * {@link InvalidRecordException}. Any other exception or error would fail the source task and restart the job
 * for the same record forever. The generators are shared with the integration test ({@link BadPayloads}).
 */
class WireDecoderFuzzTest {
    private static final long SEED = 0x4841524249L;

    private LocalSchemaRegistry registry;
    private WireDecoder<GeopoliticalEvent> decoder;
    private BadPayloads payloads;

    @BeforeEach
    void setUp() {
        registry = LocalSchemaRegistry.start();
        int id = registry.register("fuzz-value", GeopoliticalEvent.getClassSchema());
        SchemaRegistryClient client = new SchemaRegistryClient(new RegistrySettings(registry.url(), Optional.empty(),
                Optional.empty(), 100, Duration.ofSeconds(5), 0, Duration.ofMillis(10), Duration.ofMinutes(1)));
        decoder = WireDecoder.forEvents(client, 1 << 20);
        payloads = new BadPayloads(id);
    }

    @AfterEach
    void tearDown() {
        registry.close();
    }

    @Test
    void randomAndMutatedPayloadsNeverThrowAnythingButInvalidRecordException() {
        Random random = new Random(SEED);
        Map<Reason, Integer> reasons = new EnumMap<>(Reason.class);
        int valid = 0;
        for (int i = 0; i < 50_000; i++) {
            byte[] payload = payloads.fuzz(random);
            try {
                decoder.decode(payload);
                valid++;
            } catch (InvalidRecordException e) {
                reasons.merge(e.reason(), 1, Integer::sum);
                assertThat(e.getMessage()).isNotBlank();
            } catch (Throwable t) {
                throw new AssertionError("payload " + i + " " + BadPayloads.hex(payload) + " escaped as " + t, t);
            }
        }
        // the generators reach deep into the Avro body, not only the header checks
        assertThat(reasons).containsKeys(Reason.NOT_WIRE_FORMAT, Reason.UNKNOWN_SCHEMA_ID, Reason.UNDECODABLE_AVRO);
        assertThat(reasons.get(Reason.UNDECODABLE_AVRO)).isGreaterThan(5_000);
        assertThat(valid).isGreaterThan(0);
        // and the decoder is still fine afterwards
        GeopoliticalEvent after = event("after", "UA", EventType.CONFLICT, 0.5, T0);
        assertThat(decodeOrFail(payloads.encode(after))).isEqualTo(after);
    }

    private GeopoliticalEvent decodeOrFail(byte[] payload) {
        try {
            return decoder.decode(payload);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
