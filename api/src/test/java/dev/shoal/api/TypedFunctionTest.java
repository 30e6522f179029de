package dev.shoal.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class TypedFunctionTest {

  record Line(String sku, int qty, double price) {}

  record Order(String id, List<Line> lines) {}

  record Invoice(String order, double total, int items) {}

  record Discount(double percent) {}

  static final class Invoicing extends TypedFunction<Order, Invoice> {
    Invoicing() {
      super("invoice", FunctionKind.CPU, Order.class);
    }

    @Override
    protected Invoice compute(Order order, JsonNode args) throws BindingException {
      double off = args.has("percent") ? args(args, Discount.class).percent() : 0;
      double total = order.lines().stream().mapToDouble(l -> l.qty() * l.price()).sum() * (100 - off) / 100;
      return new Invoice(order.id(), total, order.lines().stream().mapToInt(Line::qty).sum());
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private final Invoicing invoicing = new Invoicing();

  private static JsonNode json(String text) throws Exception {
    return JSON.readTree(text);
  }

  @Test
  void anItemBindsToTheRecordAndTheResultIsTheRecordAsJson() throws Exception {
    JsonNode out = invoicing.apply(json("{\"id\":\"o-1\",\"lines\":[{\"sku\":\"a\",\"qty\":2,\"price\":1.5},"
        + "{\"sku\":\"b\",\"qty\":1,\"price\":4}]}"), json("{}"));
    assertEquals(json("{\"order\":\"o-1\",\"total\":7.0,\"items\":3}"), out);
    assertEquals("invoice", invoicing.name());
    assertEquals(FunctionKind.CPU, invoicing.kind());
  }

  @Test
  void theJobsArgsBindToATypeOfTheirOwn() throws Exception {
    JsonNode out = invoicing.apply(json("{\"id\":\"o-2\",\"lines\":[{\"sku\":\"a\",\"qty\":4,\"price\":5}]}"),
        json("{\"percent\":10}"));
    assertEquals(18.0, out.path("total").asDouble());
  }

  @Test
  void aMisspeltFieldIsABindingErrorNamingTheTypeAndThePlace() throws Exception {
    BindingException e = assertThrows(BindingException.class,
        () -> invoicing.apply(json("{\"id\":\"o-3\",\"lines\":[{\"sku\":\"a\",\"qtty\":2,\"price\":1}]}"), json("{}")));
    assertTrue(e.getMessage().startsWith("invoice: the item does not bind to Order: "), e.getMessage());
    // the record's qty is then missing: the error points at it
    assertTrue(e.getMessage().endsWith("(at lines[0].qty)"), e.getMessage());
  }

  @Test
  void aStringWhereANumberBelongsIsABindingError() throws Exception {
    BindingException e = assertThrows(BindingException.class,
        () -> invoicing.apply(json("{\"id\":\"o-4\",\"lines\":[{\"sku\":\"a\",\"qty\":\"many\",\"price\":1}]}"), json("{}")));
    assertTrue(e.getMessage().contains("qty"), e.getMessage());
    assertTrue(e.getMessage().contains("many"), e.getMessage());
  }

  @Test
  void anItemThatIsNotAnObjectAtAllIsABindingError() throws Exception {
    BindingException e = assertThrows(BindingException.class, () -> invoicing.apply(json("42"), json("{}")));
    assertTrue(e.getMessage().startsWith("invoice: the item does not bind to Order"), e.getMessage());
  }

  @Test
  void argsThatDoNotBindAreABindingErrorOfTheArgs() throws Exception {
    BindingException e = assertThrows(BindingException.class,
        () -> invoicing.apply(json("{\"id\":\"o-5\",\"lines\":[]}"), json("{\"percent\":\"ten\"}")));
    assertTrue(e.getMessage().startsWith("invoice: the args does not bind to Discount: "), e.getMessage());
  }

  @Test
  void aMissingPrimitiveFieldIsABindingErrorNotAZero() throws Exception {
    BindingException e = assertThrows(BindingException.class,
        () -> invoicing.apply(json("{\"id\":\"o-6\",\"lines\":[{\"sku\":\"a\",\"qty\":null,\"price\":1}]}"), json("{}")));
    assertTrue(e.getMessage().contains("qty"), e.getMessage());
  }

  @Test
  void aPropertyTheTypeDoesNotHaveIsABindingErrorNamingIt() throws Exception {
    BindingException e = assertThrows(BindingException.class,
        () -> invoicing.apply(json("{\"id\":\"o-7\",\"lines\":[],\"colour\":\"red\"}"), json("{}")));
    assertTrue(e.getMessage().contains("\"colour\""), e.getMessage());
    assertTrue(e.getMessage().endsWith("(at colour)"), e.getMessage());
  }
}
