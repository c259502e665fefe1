package io.harbinger.stream.toolkit.gdelt;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

class FipsToIsoTest {

    /** FIPS 10-4 has about 250 country/territory codes; GDELT adds OS (oceans) and keeps retired ones (YI, NT). */
    private static final int MIN_TABLE_SIZE = 250;

    private static final int[] GEO_COUNTRY_COLUMNS = {
            GdeltColumns.ACTOR1_GEO_COUNTRY_CODE,
            GdeltColumns.ACTOR2_GEO_COUNTRY_CODE,
            GdeltColumns.ACTION_GEO_COUNTRY_CODE,
    };

    /** The raw table rows (header dropped), read independently of {@link FipsToIso}'s own parsing. */
    private static List<String[]> rawRows() throws IOException {
        try (InputStream in = FipsToIsoTest.class.getResourceAsStream(FipsToIso.RESOURCE)) {
            assertThat(in).as(FipsToIso.RESOURCE).isNotNull();
            List<String> lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
            assertThat(lines.get(0)).isEqualTo("fips,iso,name");
            return lines.stream().skip(1).map(line -> line.split(",", -1)).toList();
        }
    }

    @Test
    void tableRowsAreWellFormed() throws IOException {
        List<String[]> rows = rawRows();
        assertThat(rows).hasSizeGreaterThanOrEqualTo(MIN_TABLE_SIZE);
        assertThat(rows).allSatisfy(row -> {
            assertThat(row).hasSize(3);
            assertThat(row[0]).matches("[A-Z]{2}");
            assertThat(row[1]).matches("([A-Z]{2})?");
            assertThat(row[2]).isNotBlank();
        });
    }

    @Test
    void fipsCodesAreUnique() throws IOException {
        List<String> fips = rawRows().stream().map(row -> row[0]).toList();
        assertThat(fips).doesNotHaveDuplicates();
        assertThat(FipsToIso.isoByFips()).hasSize(fips.size());
    }

    @Test
    void everyIsoCodeIsAnIso3166Alpha2Code() throws IOException {
        Set<String> isoCountries = Set.of(Locale.getISOCountries());
        assertThat(rawRows())
                .map(row -> row[1])
                .filteredOn(iso -> !iso.isEmpty())
                .allSatisfy(iso -> assertThat(isoCountries).contains(iso));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "UK, GB", "CH, CN", "RS, RU", "IS, IL", "GM, DE", "JA, JP", "AS, AU", "SF, ZA",
            "EI, IE", "SP, ES", "SZ, CH", "SW, SE", "US, US", "AY, AQ", "IZ, IQ", "NI, NG",
            "RP, PH", "UP, UA", "KS, KR", "KN, KP", "WE, PS", "GZ, PS", "BM, MM", "CG, CD", "CF, CG",
    })
    void knownPairs(String fips, String iso) {
        assertThat(FipsToIso.toIso(fips)).contains(iso);
    }

    @ParameterizedTest
    @ValueSource(strings = {"OS", "PF", "PG", "KV", "YI", "IP"})
    void codesWithoutIsoEquivalentAreKnownButMapToNothing(String fips) {
        assertThat(FipsToIso.isKnown(fips)).isTrue();
        assertThat(FipsToIso.toIso(fips)).isEmpty();
    }

    @Test
    void unknownAndBlankCodesMapToNothing() {
        assertThat(FipsToIso.toIso("ZZ")).isEmpty();
        assertThat(FipsToIso.toIso("")).isEmpty();
        assertThat(FipsToIso.toIso(null)).isEmpty();
        assertThat(FipsToIso.isKnown("ZZ")).isFalse();
    }

    @Test
    void everyGeoCountryCodeInTheSampleExportsIsInTheTable() throws IOException {
        Set<String> missing = new TreeSet<>();
        for (Path file : GdeltSamples.all()) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String[] cols = line.split("\t", -1);
                for (int column : GEO_COUNTRY_COLUMNS) {
                    String fips = cols[column];
                    if (!fips.isEmpty() && !FipsToIso.isKnown(fips)) {
                        missing.add(fips);
                    }
                }
            }
        }
        if (!missing.isEmpty()) {
            System.out.println("FIPS codes missing from " + FipsToIso.RESOURCE + ": " + missing);
        }
        assertThat(missing).isEmpty();
    }
}
