package dev.shoal.cli;

import java.text.DecimalFormat;
import java.time.temporal.ChronoUnit;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * The progress of {@code shoal submit} on stderr: a live bar (done/total, items/s, ETA, errors; for
 * uploaded items done/sent and how many were sent) on
 * a terminal; a plain ASCII line every 5 s otherwise; nothing at all when switched off. Stdout
 * carries only results, so the display never mixes with them.
 *
 * <p>Caveat: "a terminal" is Java's {@link System#console()}, which also needs stdin and stdout on
 * the terminal; with stdout redirected ({@code > results.jsonl}) the plain lines are shown (use
 * {@code --out FILE} for the live bar).
 */
final class ProgressDisplay implements AutoCloseable {

  private final ProgressBar bar;
  private final boolean totalKnown;

  private ProgressDisplay(ProgressBar bar, boolean totalKnown) {
    this.bar = bar;
    this.totalKnown = totalKnown;
  }

  /** @param total items in the job, -1 if not known */
  static ProgressDisplay start(String task, long total, boolean shown) {
    if (!shown) {
      return new ProgressDisplay(null, false);
    }
    ProgressBarBuilder b = new ProgressBarBuilder()
        .setTaskName(task)
        .setInitialMax(total)
        .showSpeed(new DecimalFormat("0"))
        .setSpeedUnit(ChronoUnit.SECONDS)
        .setUnit(" items", 1);
    if (System.console() != null) {
      b.setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK).setUpdateIntervalMillis(200);
    } else {
      b.setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(5000).setMaxRenderedLength(100)
          .setConsumer(new DelegatingProgressBarConsumer(System.err::println));
    }
    ProgressBar bar = b.build();
    bar.setExtraMessage(" 0 errors");
    return new ProgressDisplay(bar, total >= 0);
  }

  /** @param sent items uploaded so far while they are being sent (the bar's end until the total is known), else -1 */
  void update(long done, long errors, long sent) {
    if (bar != null) {
      if (sent >= 0 && !totalKnown) {
        bar.maxHint(sent);
      }
      bar.stepTo(done);
      bar.setExtraMessage((sent >= 0 ? " " + sent + " sent," : "") + " " + errors + (errors == 1 ? " error" : " errors"));
    }
  }

  @Override
  public void close() {
    if (bar != null) {
      bar.close();
    }
  }
}
