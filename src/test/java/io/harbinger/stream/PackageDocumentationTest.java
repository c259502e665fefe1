package io.harbinger.stream;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/architecture.md's package table and the README's layout describe the packages of src/main as they are:
 * the same packages (and the same stage/shared/tools roles ArchitectureTest enforces), and every class they
 * name is in the package they name it under.
 */
class PackageDocumentationTest {
    private static final Path SOURCES = Path.of("src/main/java/io/harbinger/stream");
    private static final Pattern TABLE_ROW = Pattern.compile("^\\| `([\\w.]+)` \\| ([\\w ]+) \\| (.*) \\|$");
    private static final Pattern CLASS_NAME = Pattern.compile("`([A-Z][A-Za-z0-9]+)`");
    private static final Pattern README_PACKAGE = Pattern.compile("^  ([a-z]+)/ ");
    private static final Pattern README_CLASS = Pattern.compile("^  ([A-Z][A-Za-z0-9]+) ");

    @Test
    void theArchitecturePackageTableMatchesTheTree() throws IOException {
        Map<String, String> kinds = new TreeMap<>();
        List<String> misplaced = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("docs/architecture.md"))) {
            Matcher row = TABLE_ROW.matcher(line);
            if (!row.matches()) {
                continue;
            }
            String pkg = row.group(1).equals("io.harbinger.stream") ? "" : row.group(1);
            kinds.put(pkg, row.group(2).trim());
            Matcher cls = CLASS_NAME.matcher(row.group(3));
            while (cls.find()) {
                if (!Files.isRegularFile(SOURCES.resolve(pkg).resolve(cls.group(1) + ".java"))) {
                    misplaced.add(cls.group(1) + " (listed under " + row.group(1) + ")");
                }
            }
        }
        assertThat(kinds.keySet()).as("packages in docs/architecture.md").containsExactlyInAnyOrderElementsOf(packages());
        assertThat(misplaced).as("classes docs/architecture.md names where they are not").isEmpty();

        List<String> stages = new ArrayList<>();
        List<String> shared = new ArrayList<>();
        kinds.forEach((pkg, kind) -> (kind.equals("stage") ? stages : kind.equals("shared") ? shared : new ArrayList<String>()).add(pkg));
        assertThat(stages).containsExactlyInAnyOrderElementsOf(ArchitectureTest.STAGES);
        assertThat(shared).containsExactlyInAnyOrderElementsOf(ArchitectureTest.SHARED);
        assertThat(kinds).containsEntry(ArchitectureTest.TOOLS, "tools").containsEntry("", "entry point");
    }

    @Test
    void theReadmeLayoutMatchesTheTree() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("README.md"));
        int start = lines.indexOf("src/main/java/io/harbinger/stream/");
        assertThat(start).as("the README's layout lists src/main/java/io/harbinger/stream/").isPositive();
        TreeSet<String> listed = new TreeSet<>();
        List<String> missingClasses = new ArrayList<>();
        for (String line : lines.subList(start + 1, lines.size())) {
            Matcher pkg = README_PACKAGE.matcher(line);
            Matcher cls = README_CLASS.matcher(line);
            if (pkg.find()) {
                listed.add(pkg.group(1));
            } else if (cls.find()) {
                if (!Files.isRegularFile(SOURCES.resolve(cls.group(1) + ".java"))) {
                    missingClasses.add(cls.group(1));
                }
            } else {
                break;
            }
        }
        List<String> expected = packages().stream().filter(p -> !p.isEmpty()).collect(Collectors.toList());
        assertThat(listed).as("packages in the README's layout").containsExactlyInAnyOrderElementsOf(expected);
        assertThat(missingClasses).as("entry-point classes the README names").isEmpty();
    }

    /** The packages with sources: "" for the entry point's own, then each folder below it. */
    private static List<String> packages() throws IOException {
        try (Stream<Path> files = Files.walk(SOURCES)) {
            return files.filter(f -> f.toString().endsWith(".java"))
                    .map(f -> SOURCES.relativize(f.getParent()).toString().replace('/', '.'))
                    .distinct().collect(Collectors.toList());
        }
    }
}
