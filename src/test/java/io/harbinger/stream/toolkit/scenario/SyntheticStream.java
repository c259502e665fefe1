package io.harbinger.stream.toolkit.scenario;

import io.harbinger.events.GeopoliticalEvent;
import io.harbinger.stream.toolkit.gdelt.GdeltExportReader;
import io.harbinger.stream.toolkit.gdelt.GdeltSamples;
import io.harbinger.stream.registry.AvroWireEncoder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * An endless stream of input records resampled from the real GDELT rows bundled with the tests: each record
 * is a uniformly drawn real row (so the country and event-type skew of GDELT is kept) with a fresh event_id
 * and a fresh timestamp. Configurable shares of the records are exact duplicates of a recent record (same
 * key and bytes, as an upstream retry sends), late (event time far behind the stream) or bad (one of
 * several kinds the job must dead-letter).
 *
 * <p>Shared by the end-to-end benchmark (src/bench) and the fault campaign, which also keeps what it sent to
 * compute every expected output.
 */
public final class SyntheticStream {
    public enum Kind { VALID, DUPLICATE, LATE, BAD }

    /**
     * One record to send; key and value are fresh arrays the caller may keep. {@code event} is the valid event
     * as encoded (null for duplicates and bad records): a copy, the caller may keep it too.
     */
    public record Next(Kind kind, byte[] key, byte[] value, String eventId, long eventTime, GeopoliticalEvent event) {}

    private static final int RECENT = 4096;

    private final List<GeopoliticalEvent> rows;
    private final AvroWireEncoder<GeopoliticalEvent> encoder;
    private final SplittableRandom random;
    private final double duplicateShare;
    private final double lateShare;
    private final double badShare;
    private final long lateByMillis;
    private final long jitterMillis;
    private final byte[][] recentKeys = new byte[RECENT][];
    private final byte[][] recentValues = new byte[RECENT][];
    private final String idPrefix;
    private final GeopoliticalEvent scratch = new GeopoliticalEvent();
    private long sequence;
    private int recentCount;

    public SyntheticStream(List<GeopoliticalEvent> rows, AvroWireEncoder<GeopoliticalEvent> encoder, long seed,
                    String idPrefix, double duplicateShare, double lateShare, double badShare, long lateByMillis,
                    long jitterMillis) {
        this.rows = rows;
        this.encoder = encoder;
        this.random = new SplittableRandom(seed);
        this.idPrefix = idPrefix;
        this.duplicateShare = duplicateShare;
        this.lateShare = lateShare;
        this.badShare = badShare;
        this.lateByMillis = lateByMillis;
        this.jitterMillis = jitterMillis;
    }

    /** The mappable GDELT rows that have a country (rows without one are not used as valid templates). */
    public static List<GeopoliticalEvent> gdeltRows() throws IOException {
        List<GeopoliticalEvent> rows = new ArrayList<>();
        for (Path file : GdeltSamples.all()) {
            for (GeopoliticalEvent e : GdeltExportReader.read(file).events()) {
                if (!e.getCountryCode().isEmpty()) {
                    rows.add(e);
                }
            }
        }
        return rows;
    }

    /** The next record; {@code now} is the stream's event time for this record (before jitter). */
    public Next next(long now) {
        double dice = random.nextDouble();
        if (dice < duplicateShare && recentCount > 0) {
            int i = random.nextInt(Math.min(recentCount, RECENT));
            return new Next(Kind.DUPLICATE, recentKeys[i], recentValues[i], null, now, null);
        }
        dice -= duplicateShare;
        if (dice < badShare) {
            return bad(now);
        }
        dice -= badShare;
        boolean late = dice < lateShare;
        long eventTime = late ? now - lateByMillis
                : now - (jitterMillis == 0 ? 0 : random.nextLong(jitterMillis + 1));
        String id = idPrefix + Long.toString(sequence++, 36);
        GeopoliticalEvent row = rows.get(random.nextInt(rows.size()));
        byte[] value = encode(row, id, eventTime, row.getCountryCode(), row.getSeverity());
        byte[] key = id.getBytes(StandardCharsets.UTF_8);
        // fills slots 0, 1, 2 ... so that a duplicate drawn below recentCount always finds a record
        int slot = recentCount % RECENT;
        recentKeys[slot] = key;
        recentValues[slot] = value;
        recentCount++;
        return new Next(late ? Kind.LATE : Kind.VALID, key, value, id, eventTime,
                GeopoliticalEvent.newBuilder(scratch).build());
    }

    private Next bad(long now) {
        String id = idPrefix + "bad-" + Long.toString(sequence++, 36);
        byte[] key = id.getBytes(StandardCharsets.UTF_8);
        GeopoliticalEvent row = rows.get(random.nextInt(rows.size()));
        byte[] value = switch (random.nextInt(4)) {
            case 0 -> encode(row, id, now, "", row.getSeverity());          // no country: INVALID_COUNTRY_CODE
            case 1 -> encode(row, id, now, row.getCountryCode(), 1.5);      // severity out of range
            case 2 -> "not avro at all, a stray line of text".getBytes(StandardCharsets.UTF_8); // NOT_WIRE_FORMAT
            default -> {                                                    // truncated body: UNDECODABLE_AVRO
                byte[] whole = encode(row, id, now, row.getCountryCode(), row.getSeverity());
                byte[] cut = new byte[Math.max(6, whole.length / 3)];
                System.arraycopy(whole, 0, cut, 0, cut.length);
                yield cut;
            }
        };
        return new Next(Kind.BAD, key, value, null, now, null);
    }

    private byte[] encode(GeopoliticalEvent row, String id, long eventTime, String country, double severity) {
        scratch.setEventId(id);
        scratch.setTimestamp(eventTime);
        scratch.setCountryCode(country);
        scratch.setEventType(row.getEventType());
        scratch.setSeverity(severity);
        scratch.setSourceUrl(row.getSourceUrl());
        scratch.setNumMentions(row.getNumMentions());
        scratch.setGoldsteinScale(row.getGoldsteinScale());
        return encoder.encode(scratch);
    }
}
