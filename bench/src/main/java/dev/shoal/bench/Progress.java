package dev.shoal.bench;

import java.util.Locale;

/** The harness's running commentary on stdout, one line per step. */
final class Progress {

  private Progress() {}

  static void say(String format, Object... args) {
    System.out.println(String.format(Locale.ROOT, format, args));
    System.out.flush();
  }
}
