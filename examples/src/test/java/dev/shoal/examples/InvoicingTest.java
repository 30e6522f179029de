package dev.shoal.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shoal.api.BindingException;
import dev.shoal.api.ShoalFunction;
import java.io.File;
import java.util.Arrays;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class InvoicingTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final Invoicing invoicing = new Invoicing();

  @Test
  void anOrderBecomesItsInvoiceWithTheJobsTax() throws Exception {
    JsonNode invoice = invoicing.apply(JSON.readTree(
        "{\"id\":\"o-1\",\"customer\":\"acme\",\"lines\":[{\"sku\":\"a\",\"qty\":2,\"cents\":150},"
            + "{\"sku\":\"b\",\"qty\":1,\"cents\":999}]}"), JSON.readTree("{\"taxPercent\":20}"));
    assertEquals("{\"order\":\"o-1\",\"customer\":\"acme\",\"items\":3,\"netCents\":1299,"
        + "\"taxCents\":260,\"totalCents\":1559}", invoice.toString());
  }

  @Test
  void anItemThatIsNotAnOrderIsABindingError() {
    BindingException e = assertThrows(BindingException.class,
        () -> invoicing.apply(JSON.readTree("{\"id\":\"o-2\",\"lines\":[{\"sku\":\"a\",\"qty\":\"two\",\"cents\":1}]}"),
            JSON.readTree("{}")));
    assertTrue(e.getMessage().startsWith("invoice: the item does not bind to Order: "), e.getMessage());
    assertTrue(e.getMessage().endsWith("(at lines[0].qty)"), e.getMessage());
  }

  @Test
  void anOrderWithNoLinesIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> invoicing.apply(JSON.readTree("{\"id\":\"o-3\",\"customer\":\"acme\",\"lines\":[]}"), JSON.readTree("{}")));
    assertEquals("order o-3 has no lines", e.getMessage());
  }

  @Test
  void theJarAnnouncesItsFunctionAsNodesLookForIt() {
    List<String> names = ServiceLoader.load(ShoalFunction.class).stream().map(p -> p.get().name()).toList();
    assertEquals(List.of("invoice"), names);
  }

  @Test
  void thePluginIsBuiltWithoutPekko() {
    // everything this module compiles and tests against: shoal-api, Jackson, JUnit, and shoal-client for the
    // programs of ExampleIT and JobJarsIT
    List<String> classPath = Arrays.asList(System.getProperty("java.class.path").split(File.pathSeparator));
    assertTrue(classPath.stream().anyMatch(p -> p.contains("shoal-api") || p.endsWith("api/target/classes")),
        "shoal-api is on the class path: " + classPath);
    assertTrue(classPath.stream().noneMatch(p -> p.toLowerCase(java.util.Locale.ROOT).contains("pekko")),
        "no Pekko artifact: " + classPath);
    assertThrows(ClassNotFoundException.class, () -> Class.forName("org.apache.pekko.actor.ActorSystem"));
  }
}
