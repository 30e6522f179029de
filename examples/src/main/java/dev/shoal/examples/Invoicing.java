package dev.shoal.examples;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shoal.api.BindingException;
import dev.shoal.api.FunctionKind;
import dev.shoal.api.TypedFunction;

/**
 * The function {@code invoice}: an {@link Order} in, an {@link Invoice} out, with the job's optional
 * args {@code {"taxPercent": 20}} (none: no tax). An order with no lines is refused, and fails that
 * item alone; so does an item that is not an order at all.
 */
public final class Invoicing extends TypedFunction<Order, Invoice> {

  /** The job's args, bound like the items. */
  public record Terms(int taxPercent) {}

  public Invoicing() {
    super("invoice", FunctionKind.CPU, Order.class);
  }

  @Override
  public String description() {
    return "example: an order's invoice, args {\"taxPercent\": n}";
  }

  @Override
  protected Invoice compute(Order order, JsonNode args) throws BindingException {
    if (order.lines() == null || order.lines().isEmpty()) {
      throw new IllegalArgumentException("order " + order.id() + " has no lines");
    }
    int taxPercent = args.has("taxPercent") ? args(args, Terms.class).taxPercent() : 0;
    long net = 0;
    int items = 0;
    for (Order.Line line : order.lines()) {
      net += line.qty() * line.cents();
      items += line.qty();
    }
    // rounded half up to the cent
    long tax = (net * taxPercent + 50) / 100;
    return new Invoice(order.id(), order.customer(), items, net, tax, net + tax);
  }
}
