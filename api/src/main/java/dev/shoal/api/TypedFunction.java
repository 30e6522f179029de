package dev.shoal.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.Objects;

/**
 * A function over the author's own types: each item is bound to {@code I} (a record, say) and each
 * result written from {@code O}, by Jackson, so the function reads as plain Java:
 *
 * <pre>{@code
 * public final class Invoicing extends TypedFunction<Order, Invoice> {
 *   public Invoicing() { super("invoice", FunctionKind.CPU, Order.class); }
 *   protected Invoice compute(Order order, JsonNode args) { return new Invoice(order.id(), order.qty() * order.price()); }
 * }
 * }</pre>
 *
 * <p>Guarantee: an item that does not bind (a missing or misspelt field, a string where a number
 * belongs, a property the type does not have) fails that item alone with a {@link BindingException}
 * naming the type and the place in the item; the job goes on. Exceptions from {@link #compute} are
 * the item's error as for any {@link ShoalFunction}.
 *
 * <p>Caveat: binding costs a tree-to-object and an object-to-tree conversion per item; a function
 * over 64-bit integers at memory speed is a {@link LongShoalFunction}.
 */
public abstract class TypedFunction<I, O> implements ShoalFunction {

  // strict on unknown properties (a misspelt field is a binding error, not a silent default);
  // configured once and shared, as Jackson's mappers are thread-safe once configured
  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .build();

  private final String name;
  private final FunctionKind kind;
  private final Class<I> itemType;

  protected TypedFunction(String name, FunctionKind kind, Class<I> itemType) {
    this.name = Objects.requireNonNull(name, "name");
    this.kind = Objects.requireNonNull(kind, "kind");
    this.itemType = Objects.requireNonNull(itemType, "itemType");
  }

  /** Computes one item's result; {@code args} is the job's JSON object (see {@link #args} to bind it). */
  protected abstract O compute(I item, JsonNode args) throws Exception;

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final FunctionKind kind() {
    return kind;
  }

  @Override
  public final JsonNode apply(JsonNode item, JsonNode args) throws Exception {
    return MAPPER.valueToTree(compute(bind(item, itemType, "item"), args));
  }

  /** The job's {@code args} bound to {@code type}; a mismatch fails the item with a {@link BindingException}. */
  protected final <A> A args(JsonNode args, Class<A> type) throws BindingException {
    return bind(args, type, "args");
  }

  private <T> T bind(JsonNode node, Class<T> type, String what) throws BindingException {
    try {
      return MAPPER.treeToValue(node, type);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new BindingException(name + ": the " + what + " does not bind to " + type.getSimpleName() + ": " + reason(e));
    }
  }

  private static String reason(Exception e) {
    String message = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
    if (message == null) {
      message = e.getClass().getSimpleName();
    }
    // Jackson's advice on its own settings means nothing to the item's author
    message = message.replaceAll(" \\(set DeserializationConfig[^)]*\\)", "");
    if (e instanceof JsonMappingException m && !m.getPath().isEmpty()) {
      StringBuilder at = new StringBuilder();
      for (JsonMappingException.Reference r : m.getPath()) {
        if (r.getFieldName() != null) {
          at.append(at.length() == 0 ? "" : ".").append(r.getFieldName());
        } else if (r.getIndex() >= 0) {
          at.append('[').append(r.getIndex()).append(']');
        }
      }
      message += " (at " + at + ")";
    }
    return message;
  }
}
