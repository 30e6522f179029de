package dev.shoal.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * A line chart as a PNG, drawn with Java2D (headless): one measured series with its points marked
 * and labelled, and a dashed goal line. The x axis is logarithmic, since worker counts grow by
 * factors; the y axis is linear from zero, so a flat curve looks flat.
 */
final class LineChart {

  private static final int W = 900;
  private static final int H = 560;
  private static final int LEFT = 90;
  private static final int RIGHT = 40;
  private static final int TOP = 60;
  private static final int BOTTOM = 70;

  private LineChart() {}

  static void draw(Path png, String title, String xLabel, String yLabel, double[] xs, double[] ys, double goal, String goalLabel)
      throws IOException {
    System.setProperty("java.awt.headless", "true");
    BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, W, H);
    double xMin = Math.log10(Math.max(1, min(xs) / 1.5));
    double xMax = Math.log10(max(xs) * 1.5);
    double yMax = niceCeiling(Math.max(goal, max(ys)) * 1.1);
    int plotW = W - LEFT - RIGHT;
    int plotH = H - TOP - BOTTOM;
    java.util.function.DoubleUnaryOperator px = x -> LEFT + (Math.log10(x) - xMin) / (xMax - xMin) * plotW;
    java.util.function.DoubleUnaryOperator py = y -> TOP + plotH - y / yMax * plotH;

    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    FontMetrics fm = g.getFontMetrics();
    for (int i = 0; i <= 5; i++) {
      double y = yMax * i / 5;
      int yy = (int) py.applyAsDouble(y);
      g.setColor(new Color(230, 230, 230));
      g.drawLine(LEFT, yy, LEFT + plotW, yy);
      g.setColor(Color.DARK_GRAY);
      String s = String.format(Locale.ROOT, "%,.0f", y);
      g.drawString(s, LEFT - 8 - fm.stringWidth(s), yy + 4);
    }
    for (double x : xs) {
      int xx = (int) px.applyAsDouble(x);
      g.setColor(new Color(230, 230, 230));
      g.drawLine(xx, TOP, xx, TOP + plotH);
      g.setColor(Color.DARK_GRAY);
      String s = String.format(Locale.ROOT, "%.0f", x);
      g.drawString(s, xx - fm.stringWidth(s) / 2, TOP + plotH + 18);
    }
    g.setColor(Color.BLACK);
    g.drawRect(LEFT, TOP, plotW, plotH);

    int gy = (int) py.applyAsDouble(goal);
    g.setColor(new Color(200, 60, 60));
    g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {8, 6}, 0));
    g.drawLine(LEFT, gy, LEFT + plotW, gy);
    g.drawString(goalLabel, LEFT + 8, gy - 6);

    g.setColor(new Color(30, 90, 180));
    g.setStroke(new BasicStroke(2.5f));
    for (int i = 1; i < xs.length; i++) {
      g.drawLine((int) px.applyAsDouble(xs[i - 1]), (int) py.applyAsDouble(ys[i - 1]),
          (int) px.applyAsDouble(xs[i]), (int) py.applyAsDouble(ys[i]));
    }
    for (int i = 0; i < xs.length; i++) {
      int xx = (int) px.applyAsDouble(xs[i]);
      int yy = (int) py.applyAsDouble(ys[i]);
      g.fillOval(xx - 5, yy - 5, 10, 10);
      String s = String.format(Locale.ROOT, "%,.0f", ys[i]);
      g.drawString(s, xx - fm.stringWidth(s) / 2, yy - 10);
    }

    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
    g.drawString(title, LEFT, TOP - 25);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
    fm = g.getFontMetrics();
    g.drawString(xLabel, LEFT + plotW / 2 - fm.stringWidth(xLabel) / 2, H - 25);
    Graphics2D r = (Graphics2D) g.create();
    r.rotate(-Math.PI / 2);
    r.drawString(yLabel, -(TOP + plotH / 2) - fm.stringWidth(yLabel) / 2, 22);
    r.dispose();
    g.dispose();
    ImageIO.write(img, "png", png.toFile());
  }

  private static double min(double[] v) {
    return java.util.Arrays.stream(v).min().orElse(1);
  }

  private static double max(double[] v) {
    return java.util.Arrays.stream(v).max().orElse(1);
  }

  /** The smallest 1, 2 or 5 times a power of ten at or above {@code v}. */
  static double niceCeiling(double v) {
    double p = Math.pow(10, Math.floor(Math.log10(v)));
    for (double m : new double[] {1, 2, 5, 10}) {
      if (m * p >= v) {
        return m * p;
      }
    }
    return 10 * p;
  }
}
