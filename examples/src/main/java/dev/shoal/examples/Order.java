package dev.shoal.examples;

import java.util.List;

/** An order as a job's items carry it: {@code {"id":"o-1","customer":"acme","lines":[{"sku":"a","qty":2,"cents":150}]}}. */
public record Order(String id, String customer, List<Line> lines) {

  /** One line of an order; prices are in cents, so totals are exact. */
  public record Line(String sku, int qty, long cents) {}
}
