package io.harbinger.stream.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/** Minimal RFC 4180 writing: fields with commas, quotes or line breaks are quoted. */
final class Csv {
    private Csv() {}

    static void write(Path file, String header, List<List<String>> rows) throws IOException {
        StringBuilder out = new StringBuilder(header).append('\n');
        for (List<String> row : rows) {
            out.append(row.stream().map(Csv::field).collect(Collectors.joining(","))).append('\n');
        }
        Files.writeString(file, out, StandardCharsets.UTF_8);
    }

    static String field(String value) {
        if (value == null) return "";
        if (value.contains(",") || value.contains("\"") || value.contains("\n") || value.contains("\r")) {
            return "\"" + value.replace("\"", "\"\"") + "\"";
        }
        return value;
    }
}
