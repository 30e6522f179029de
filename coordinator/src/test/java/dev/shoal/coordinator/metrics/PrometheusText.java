package dev.shoal.coordinator.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A strict reader of Prometheus' text exposition format 0.0.4, for tests (the client library has no
 * parser): any line it does not understand is an {@link IllegalArgumentException} naming the line.
 *
 * <p>Checks: every sample belongs to a family declared by a {@code # TYPE} line before it, whose
 * type is known and declared once ({@code # HELP} at most once too); metric and label names are
 * valid; label values are quoted with only {@code \\ \" \n} escapes; values are numbers
 * ({@code +Inf}, {@code -Inf}, {@code NaN} allowed); no series appears twice; counters are not
 * negative (their family is named as their samples, {@code ..._total}, as client_java writes 0.0.4);
 * a histogram's samples are {@code _bucket} (with {@code le}), {@code _count}, {@code _sum} or {@code _created}, its
 * buckets are cumulative, and its {@code +Inf} bucket equals its count; the text ends with a newline.
 */
public final class PrometheusText {

  public record Sample(String name, Map<String, String> labels, double value) {}

  private static final Pattern METRIC = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
  private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

  private final Map<String, String> types = new LinkedHashMap<>();
  private final Map<String, List<Sample>> samples = new LinkedHashMap<>();
  private final String text;

  private PrometheusText(String text) {
    this.text = text;
  }

  public static PrometheusText parse(String text) {
    if (!text.isEmpty() && !text.endsWith("\n")) {
      throw new IllegalArgumentException("the text does not end with a newline");
    }
    PrometheusText t = new PrometheusText(text);
    Set<String> helped = new java.util.HashSet<>();
    Map<String, Sample> series = new HashMap<>();
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length - 1; i++) {
      String line = lines[i];
      String where = "line " + (i + 1) + " '" + line + "': ";
      if (line.startsWith("# HELP ")) {
        String name = line.substring(7).split(" ", 2)[0];
        requireName(name, where);
        if (!helped.add(name)) {
          throw new IllegalArgumentException(where + "a second HELP for " + name);
        }
      } else if (line.startsWith("# TYPE ")) {
        String[] parts = line.substring(7).split(" ");
        if (parts.length != 2 || !TYPES.contains(parts[1])) {
          throw new IllegalArgumentException(where + "not '# TYPE <name> <type>'");
        }
        requireName(parts[0], where);
        if (t.types.put(parts[0], parts[1]) != null) {
          throw new IllegalArgumentException(where + "a second TYPE for " + parts[0]);
        }
      } else if (line.startsWith("#")) {
        continue; // a comment
      } else if (line.isEmpty()) {
        throw new IllegalArgumentException(where + "an empty line");
      } else {
        Sample s = sample(line, where);
        String family = t.familyOf(s, where);
        String key = s.name() + new TreeMap<>(s.labels());
        if (series.put(key, s) != null) {
          throw new IllegalArgumentException(where + "the series " + key + " a second time");
        }
        t.samples.computeIfAbsent(family, k -> new ArrayList<>()).add(s);
      }
    }
    t.checkHistograms();
    return t;
  }

  /** The type declared for a family, e.g. {@code shoal_items_done_total}. */
  public String type(String family) {
    String type = types.get(family);
    if (type == null) {
      throw new AssertionError("no family " + family + " in the scrape");
    }
    return type;
  }

  /** The sample with exactly these labels ({@code le} aside for a bucket, which must be given), or null. */
  public Sample sample(String name, String... labels) {
    Map<String, String> wanted = new HashMap<>();
    for (int i = 0; i < labels.length; i += 2) {
      wanted.put(labels[i], labels[i + 1]);
    }
    for (List<Sample> family : samples.values()) {
      for (Sample s : family) {
        if (s.name().equals(name) && s.labels().equals(wanted)) {
          return s;
        }
      }
    }
    return null;
  }

  /** The value of a sample that must be there. */
  public double value(String name, String... labels) {
    Sample s = sample(name, labels);
    if (s == null) {
      throw new AssertionError("no sample " + name + " " + List.of(labels) + " in the scrape");
    }
    return s.value();
  }

  public double valueOr(String name, double absent, String... labels) {
    Sample s = sample(name, labels);
    return s == null ? absent : s.value();
  }

  @Override
  public String toString() {
    return text;
  }

  private static void requireName(String name, String where) {
    if (!METRIC.matcher(name).matches()) {
      throw new IllegalArgumentException(where + "'" + name + "' is not a metric name");
    }
  }

  private String familyOf(Sample s, String where) {
    String n = s.name();
    String own = types.get(n);
    if (own != null) {
      if (own.equals("histogram") || own.equals("summary")) {
        throw new IllegalArgumentException(where + "a " + own + "'s sample needs a suffix");
      }
      if (own.equals("counter") && s.value() < 0) {
        throw new IllegalArgumentException(where + "a negative counter");
      }
      return n;
    }
    for (String suffix : new String[] {"_bucket", "_count", "_sum", "_created"}) {
      if (n.endsWith(suffix)) {
        String family = n.substring(0, n.length() - suffix.length());
        String type = types.get(family);
        if (type == null) {
          continue;
        }
        boolean fits = switch (type) {
          case "histogram" -> true;
          case "summary" -> !suffix.equals("_bucket");
          default -> false;
        };
        if (!fits) {
          throw new IllegalArgumentException(where + n + " is no sample of the " + type + " " + family);
        }
        if (type.equals("histogram") && suffix.equals("_bucket") != s.labels().containsKey("le")) {
          throw new IllegalArgumentException(where + "a bucket needs an le label, and only a bucket has one");
        }
        return family;
      }
    }
    throw new IllegalArgumentException(where + "no # TYPE before the sample " + n);
  }

  private static Sample sample(String line, String where) {
    int i = 0;
    while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
      i++;
    }
    String name = line.substring(0, i);
    requireName(name, where);
    Map<String, String> labels = new LinkedHashMap<>();
    if (i < line.length() && line.charAt(i) == '{') {
      i++;
      while (true) {
        if (i >= line.length()) {
          throw new IllegalArgumentException(where + "the label set is not closed");
        }
        if (line.charAt(i) == '}') {
          i++;
          break;
        }
        int eq = line.indexOf('=', i);
        if (eq < 0) {
          throw new IllegalArgumentException(where + "a label without '='");
        }
        String label = line.substring(i, eq);
        if (!LABEL.matcher(label).matches()) {
          throw new IllegalArgumentException(where + "'" + label + "' is not a label name");
        }
        if (eq + 1 >= line.length() || line.charAt(eq + 1) != '"') {
          throw new IllegalArgumentException(where + "the value of " + label + " is not quoted");
        }
        StringBuilder value = new StringBuilder();
        int j = eq + 2;
        for (; ; j++) {
          if (j >= line.length()) {
            throw new IllegalArgumentException(where + "the value of " + label + " is not closed");
          }
          char c = line.charAt(j);
          if (c == '"') {
            break;
          }
          if (c == '\\') {
            char e = j + 1 < line.length() ? line.charAt(++j) : ' ';
            switch (e) {
              case '\\' -> value.append('\\');
              case '"' -> value.append('"');
              case 'n' -> value.append('\n');
              default -> throw new IllegalArgumentException(where + "the escape \\" + e + " in " + label);
            }
          } else {
            value.append(c);
          }
        }
        if (labels.put(label, value.toString()) != null) {
          throw new IllegalArgumentException(where + "the label " + label + " twice");
        }
        i = j + 1;
        if (i < line.length() && line.charAt(i) == ',') {
          i++;
        } else if (i >= line.length() || line.charAt(i) != '}') {
          throw new IllegalArgumentException(where + "the label set is not closed");
        }
      }
    }
    if (i >= line.length() || line.charAt(i) != ' ') {
      throw new IllegalArgumentException(where + "no space before the value");
    }
    String[] rest = line.substring(i + 1).split(" ", -1);
    if (rest.length > 2) {
      throw new IllegalArgumentException(where + "more than a value and a timestamp");
    }
    if (rest.length == 2 && !rest[1].matches("-?[0-9]+")) {
      throw new IllegalArgumentException(where + "the timestamp is not an integer");
    }
    return new Sample(name, labels, number(rest[0], where));
  }

  private static double number(String s, String where) {
    switch (s) {
      case "+Inf":
        return Double.POSITIVE_INFINITY;
      case "-Inf":
        return Double.NEGATIVE_INFINITY;
      case "NaN":
        return Double.NaN;
      default:
        if (!s.matches("[-+]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][-+]?[0-9]+)?")) {
          throw new IllegalArgumentException(where + "'" + s + "' is not a number");
        }
        return Double.parseDouble(s);
    }
  }

  /** Buckets of one series (its labels but le) are cumulative, and the +Inf one is the count. */
  private void checkHistograms() {
    types.forEach((family, type) -> {
      if (!type.equals("histogram")) {
        return;
      }
      Map<Map<String, String>, TreeMap<Double, Double>> buckets = new HashMap<>();
      Map<Map<String, String>, Double> counts = new HashMap<>();
      for (Sample s : samples.getOrDefault(family, List.of())) {
        Map<String, String> series = new TreeMap<>(s.labels());
        String le = series.remove("le");
        if (s.name().endsWith("_bucket")) {
          buckets.computeIfAbsent(series, k -> new TreeMap<>()).put(number(le, family + " le: "), s.value());
        } else if (s.name().endsWith("_count")) {
          counts.put(series, s.value());
        }
      }
      buckets.forEach((series, byBound) -> {
        double last = 0;
        for (double v : byBound.values()) {
          if (v < last) {
            throw new IllegalArgumentException(family + series + ": its buckets are not cumulative");
          }
          last = v;
        }
        Double inf = byBound.get(Double.POSITIVE_INFINITY);
        if (inf == null || !inf.equals(counts.get(series))) {
          throw new IllegalArgumentException(family + series + ": its +Inf bucket is not its count");
        }
      });
    });
  }
}
