package io.harbinger.stream.toolkit.gdelt;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * FIPS 10-4 country code (what GDELT geo fields carry) to ISO 3166-1 alpha-2 (what the job expects).
 *
 * <p>The table is {@value #RESOURCE} ({@code fips,iso,name}); an empty iso column means the FIPS code has no
 * ISO equivalent (oceans, disputed islands, sovereign base areas, retired codes), which callers treat as
 * "no country". The table is loaded once, on first use.
 */
public final class FipsToIso {

    /** Classpath location of the table. */
    public static final String RESOURCE = "/gdelt/fips-to-iso.csv";

    private static final String HEADER = "fips,iso,name";
    private static final int FIPS_COLUMN = 0;
    private static final int ISO_COLUMN = 1;
    /** fips, iso, name: names are written without commas so a plain split is enough. */
    private static final int COLUMNS = 3;

    private FipsToIso() {
    }

    /** ISO alpha-2 code for a FIPS code; empty for null/blank, unknown codes and codes with no ISO equivalent. */
    public static Optional<String> toIso(String fips) {
        if (fips == null || fips.isBlank()) {
            return Optional.empty();
        }
        String iso = Table.ISO_BY_FIPS.get(fips.trim());
        return iso == null || iso.isEmpty() ? Optional.empty() : Optional.of(iso);
    }

    /** Whether the table lists the FIPS code at all (with or without an ISO equivalent). */
    public static boolean isKnown(String fips) {
        return fips != null && Table.ISO_BY_FIPS.containsKey(fips.trim());
    }

    /** The whole table in file order, FIPS to ISO ("" when there is no ISO equivalent). */
    public static Map<String, String> isoByFips() {
        return Table.ISO_BY_FIPS;
    }

    /** Lazy holder: the class loader runs {@link #load()} exactly once, on first access. */
    private static final class Table {
        static final Map<String, String> ISO_BY_FIPS = load();
    }

    private static Map<String, String> load() {
        try (InputStream in = FipsToIso.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("Missing classpath resource " + RESOURCE);
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String header = reader.readLine();
            if (!HEADER.equals(header)) {
                throw new IllegalStateException(RESOURCE + ": expected header '" + HEADER + "' but was '" + header + "'");
            }
            Map<String, String> table = new LinkedHashMap<>();
            int lineNumber = 1;
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                lineNumber++;
                if (line.isBlank()) {
                    continue;
                }
                String[] cols = line.split(",", -1);
                if (cols.length != COLUMNS) {
                    throw new IllegalStateException(RESOURCE + ":" + lineNumber + ": expected " + COLUMNS + " columns: " + line);
                }
                // A duplicate would make the mapping depend on row order; refuse it instead.
                if (table.put(cols[FIPS_COLUMN], cols[ISO_COLUMN]) != null) {
                    throw new IllegalStateException(RESOURCE + ":" + lineNumber + ": duplicate FIPS code " + cols[FIPS_COLUMN]);
                }
            }
            return Collections.unmodifiableMap(table);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + RESOURCE, e);
        }
    }
}
