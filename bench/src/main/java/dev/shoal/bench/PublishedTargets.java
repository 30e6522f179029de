package dev.shoal.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The targets of the last published run, read back from {@code bench/RESULTS.md}, so a new run's
 * report shows each target's figure then and now side by side ("nothing else gets slower").
 *
 * <p>Caveat: it reads the Markdown this harness writes; a target renamed since that run simply has
 * no earlier figure.
 */
record PublishedTargets(String run, Map<String, String> measured) {

  static final PublishedTargets NONE = new PublishedTargets("", Map.of());

  private static final Pattern RUN = Pattern.compile("(?m)^Run (\\S+) with ");

  /** The targets in {@code file}, or {@link #NONE} when there is no such file or it has no targets table. */
  static PublishedTargets read(Path file) throws IOException {
    return Files.isRegularFile(file) ? parse(Files.readString(file, StandardCharsets.UTF_8)) : NONE;
  }

  static PublishedTargets parse(String markdown) {
    Matcher run = RUN.matcher(markdown);
    Map<String, String> measured = new LinkedHashMap<>();
    boolean inTargets = false;
    for (String line : markdown.split("\n", -1)) {
      if (line.startsWith("## ")) {
        inTargets = line.strip().equals("## Targets");
      } else if (inTargets && line.startsWith("| ") && !line.startsWith("| target |")) {
        String[] cells = line.split(" \\| ", -1);
        if (cells.length >= 4) {
          measured.put(cells[0].substring(2).strip(), cells[2].strip());
        }
      }
    }
    return measured.isEmpty() ? NONE : new PublishedTargets(run.find() ? run.group(1) : "an earlier run", measured);
  }

  boolean isEmpty() {
    return measured.isEmpty();
  }

  /** What the published run measured for the target {@code name}, or an empty string. */
  String of(String name) {
    return measured.getOrDefault(name, "");
  }
}
