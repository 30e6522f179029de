package dev.shoal.cli;

import dev.shoal.client.FollowListener;
import dev.shoal.client.RemotePool;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Option;

/**
 * {@code --follow-deadline}: how long {@code submit} and {@code results} follow a lost coordinator
 * (a restart, a standby taking over) before they give up, saying so in one line on stderr when they
 * lose it and one when they have it again.
 */
public final class FollowOption {

  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h)?");
  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());

  @Option(names = "--follow-deadline", paramLabel = "DURATION", defaultValue = "${env:SHOAL_FOLLOW_DEADLINE:-60s}",
      description = "how long to retry a lost coordinator, over every --coordinator URL, before giving up: 60s, 2m, 500ms; "
          + "0 tries each URL once (env SHOAL_FOLLOW_DEADLINE; default 60s)")
  String deadline;

  /** {@code pool}, following for the deadline given and reporting on {@code err}. */
  RemotePool follow(RemotePool pool, PrintStream err) {
    return pool.withFollowDeadline(parse(deadline)).withFollowListener(new FollowListener() {
      @Override
      public void unreachable(String url, String why, Instant until) {
        err.println("shoal: coordinator unreachable at " + url + " (" + why + "), retrying until " + CLOCK.format(until));
      }

      @Override
      public void reconnected(String url, long line) {
        err.println("shoal: reconnected to " + url + (line >= 0 ? ", resuming at line " + line : ""));
      }
    });
  }

  /** {@code 60s}, {@code 2m}, {@code 500ms}, {@code 1h}; a bare number is seconds. */
  static Duration parse(String text) {
    Matcher m = DURATION.matcher(text == null ? "" : text.trim());
    if (!m.matches()) {
      throw new UsageException("--follow-deadline: expected a duration such as 60s, 2m or 500ms, got '" + text + "'");
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "s" : m.group(2);
    return switch (unit) {
      case "ms" -> Duration.ofMillis(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofSeconds(n);
    };
  }
}
