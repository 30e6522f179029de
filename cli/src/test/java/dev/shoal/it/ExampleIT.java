package dev.shoal.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The example project (examples/, built against shoal-api alone) on a real cluster: its jar in the
 * nodes' plugins folder, orders in, invoices out in input order, and the items that are not orders
 * failing alone with a binding error that says where.
 */
class ExampleIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int ORDERS = 400;
  private static final int NOT_AN_ORDER = 17;
  private static final int NO_LINES = 250;

  @Test
  void theTypedInvoiceFunctionRunsOnWorkersThatLoadedTheExampleJar() throws Exception {
    Path plugins = Path.of(System.getProperty("shoal.example.plugins"));
    assertTrue(Files.list(plugins).anyMatch(p -> p.getFileName().toString().startsWith("shoal-examples")),
        "the example jar is in " + plugins);
    try (Cluster c = new Cluster("example", false, plugins, List.of(), List.of())) {
      c.startWorker(2);
      c.startWorker(2);
      c.awaitWorkers(2);
      JsonNode functions = JSON.readTree(c.get("/functions").body());
      assertTrue(functions.toString().contains("\"invoice\""), functions.toString());

      ObjectNode job = JSON.createObjectNode().put("function", "invoice").put("chunkSize", 25);
      job.putObject("args").put("taxPercent", 20);
      ArrayNode items = job.putArray("items");
      for (int i = 0; i < ORDERS; i++) {
        ObjectNode order = items.addObject().put("id", "o-" + i).put("customer", "c-" + (i % 7));
        ArrayNode lines = order.putArray("lines");
        if (i == NOT_AN_ORDER) {
          lines.addObject().put("sku", "x").put("qty", "two").put("cents", 100);
        } else if (i != NO_LINES) {
          lines.addObject().put("sku", "a").put("qty", 1 + i % 3).put("cents", 100 + i);
          lines.addObject().put("sku", "b").put("qty", 2).put("cents", 250);
        }
      }
      String id = c.submit(job.toString());
      JsonNode end = c.awaitJson("/jobs/" + id, j -> j.path("state").asText().equals("COMPLETED_WITH_ERRORS"),
          Duration.ofSeconds(120), "the invoicing job, two of its items failed");
      assertEquals(ORDERS, end.path("done").asLong(), end.toString());
      assertEquals(2, end.path("errors").asLong(), end.toString());

      HttpResponse<String> r = c.get("/jobs/" + id + "/results");
      assertEquals(200, r.statusCode(), r.body());
      String[] out = r.body().split("\n");
      assertEquals(ORDERS, out.length);
      for (int i = 0; i < ORDERS; i++) {
        JsonNode line = JSON.readTree(out[i]);
        assertEquals(i, line.path("index").asInt(), out[i]);
        if (i == NOT_AN_ORDER) {
          assertEquals("BindingException", line.path("error").path("type").asText(), out[i]);
          assertTrue(line.path("error").path("message").asText()
              .startsWith("invoice: the item does not bind to Order: "), out[i]);
          assertTrue(line.path("error").path("message").asText().endsWith("(at lines[0].qty)"), out[i]);
        } else if (i == NO_LINES) {
          assertEquals("IllegalArgumentException", line.path("error").path("type").asText(), out[i]);
          assertEquals("order o-" + i + " has no lines", line.path("error").path("message").asText(), out[i]);
        } else {
          long net = (1 + i % 3) * (100L + i) + 2 * 250;
          long tax = (net * 20 + 50) / 100;
          JsonNode invoice = line.path("value");
          assertEquals("o-" + i, invoice.path("order").asText(), out[i]);
          assertEquals("c-" + (i % 7), invoice.path("customer").asText(), out[i]);
          assertEquals(1 + i % 3 + 2, invoice.path("items").asInt(), out[i]);
          assertEquals(net, invoice.path("netCents").asLong(), out[i]);
          assertEquals(net + tax, invoice.path("totalCents").asLong(), out[i]);
        }
      }
    }
  }
}
