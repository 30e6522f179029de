package dev.shoal.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shoal.api.FunctionInfo;
import dev.shoal.api.JobRequest;
import dev.shoal.api.JobState;
import dev.shoal.api.JobStatus;
import dev.shoal.client.ItemResult;
import dev.shoal.client.Items;
import dev.shoal.client.JobHandle;
import dev.shoal.client.Pool;
import dev.shoal.client.Shoal;
import dev.shoal.examples.Invoice;
import dev.shoal.examples.Order;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The example project as a user runs it: its plugin jar (built against shoal-api alone) in the
 * nodes' plugins folder of a real cluster, and a program that depends on shoal-client alone (no
 * Pekko on this test's class path) sending its own {@link Order} records through {@link
 * Shoal#connect} and reading {@link Invoice}s back in input order; the items that are not orders
 * fail alone, with a binding error that says where.
 */
class ExampleIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int ORDERS = 400;
  private static final int NOT_AN_ORDER = 17;
  private static final int NO_LINES = 250;

  @Test
  void ordersSentThroughTheClientComeBackAsInvoicesFromWorkersThatLoadedTheExampleJar() throws Exception {
    // this class path, which InvoicingTest shows to hold no Pekko, is the client program's
    assertThrows(IllegalStateException.class, () -> Shoal.local(1), "local mode is not on this class path");

    Path plugins = Files.createDirectories(Path.of("target", "example-plugins"));
    Path jar = Files.list(Path.of("target"))
        .filter(p -> p.getFileName().toString().matches("shoal-examples-.*\\d(-SNAPSHOT)?\\.jar")).findFirst()
        .orElseThrow(() -> new AssertionError("the example jar is packaged before this test"));
    Files.copy(jar, plugins.resolve(jar.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);

    try (Cluster c = new Cluster("example", false, plugins, List.of(), List.of())) {
      c.startWorker(2);
      c.startWorker(2);
      c.awaitWorkers(2);
      List<Object> orders = new ArrayList<>();
      for (int i = 0; i < ORDERS; i++) {
        if (i == NOT_AN_ORDER) {
          orders.add(Map.of("id", "o-" + i, "customer", "c", "lines", List.of(Map.of("sku", "x", "qty", "two", "cents", 100))));
        } else if (i == NO_LINES) {
          orders.add(new Order("o-" + i, "c-" + (i % 7), List.of()));
        } else {
          orders.add(new Order("o-" + i, "c-" + (i % 7),
              List.of(new Order.Line("a", 1 + i % 3, 100 + i), new Order.Line("b", 2, 250))));
        }
      }

      try (Pool pool = Shoal.connect(c.url(""), c.token())) {
        assertTrue(pool.functions().stream().map(FunctionInfo::name).anyMatch("invoice"::equals),
            "the cluster offers the plugin's function: " + pool.functions());
        JobRequest request = new JobRequest("invoice", "{\"taxPercent\":20}", 25, true, 0);
        List<ItemResult> out;
        JobStatus end;
        try (JobHandle job = pool.submit(request, Items.of(orders))) {
          out = Pool.stream(job).collect(Collectors.toList());
          end = job.await();
        }
        assertEquals(JobState.COMPLETED_WITH_ERRORS, end.state(), end.toString());
        assertEquals(ORDERS, end.done(), end.toString());
        assertEquals(2, end.errors(), end.toString());
        assertEquals(ORDERS, out.size());
        for (int i = 0; i < ORDERS; i++) {
          ItemResult r = out.get(i);
          assertEquals(i, r.index(), r.toString());
          if (i == NOT_AN_ORDER) {
            assertEquals("BindingException", r.error().type(), r.toString());
            assertTrue(r.error().message().startsWith("invoice: the item does not bind to Order: "), r.toString());
            assertTrue(r.error().message().endsWith("(at lines[0].qty)"), r.toString());
          } else if (i == NO_LINES) {
            assertEquals("IllegalArgumentException", r.error().type(), r.toString());
            assertEquals("order o-" + i + " has no lines", r.error().message(), r.toString());
          } else {
            assertNull(r.error(), r.toString());
            Invoice invoice = JSON.treeToValue(r.value(), Invoice.class);
            long net = (1 + i % 3) * (100L + i) + 2 * 250;
            long tax = (net * 20 + 50) / 100;
            assertEquals(new Invoice("o-" + i, "c-" + (i % 7), 1 + i % 3 + 2, net, tax, net + tax), invoice);
          }
        }
      }
    }
  }
}
