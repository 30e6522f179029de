package dev.shoal.examples;

/** What {@link Invoicing} makes of an {@link Order}. */
public record Invoice(String order, String customer, int items, long netCents, long taxCents, long totalCents) {}
