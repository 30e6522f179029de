package dev.shoal.coordinator.durable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.shoal.api.FunctionKind;
import dev.shoal.api.JobRequest;
import dev.shoal.api.JobStatus;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The journal's list of jobs, as its events change it. */
class JobRegistryStateTest {

  private static JobRecord record(String id, List<String> items) {
    return new JobRecord(id, new JobRequest("echo", "{}", 1, true, 0), FunctionKind.CPU, null, 0, 0, false,
        items == null ? 0 : items.size(), 1L, items);
  }

  private static JobRegistry.State of(String... ids) {
    JobRegistry.State s = new JobRegistry.State(List.of());
    for (String id : ids) {
      s = s.plus(new JobRegistry.Entry(record(id, List.of("1", "2")), null, 0));
    }
    return s;
  }

  private static List<String> ids(JobRegistry.State s) {
    return s.jobs().stream().map(e -> e.job().id()).toList();
  }

  @Test
  void anEndedJobKeepsItsPlaceAndStatusAndNoLongerItsItems() {
    JobStatus status = JobStatus.queued("b", new JobRequest("echo", "{}", 1, true, 0), 2, 1L);
    JobRegistry.State s = of("a", "b", "c").ended(new JobRegistry.JobEnded("b", status, 2));
    assertEquals(List.of("a", "b", "c"), ids(s));
    assertEquals(status, s.jobs().get(1).ended());
    assertEquals(2, s.jobs().get(1).lines());
    assertNull(s.jobs().get(1).job().items(), "the items of an ended job are not kept in the list");
    assertEquals(List.of("1", "2"), s.jobs().get(0).job().items(), "the others keep theirs");
  }

  @Test
  void anEndOfAJobNotListedChangesNothing() {
    JobRegistry.State s = of("a");
    assertEquals(s, s.ended(new JobRegistry.JobEnded("x", null, 0)));
  }

  @Test
  void forgottenJobsLeaveWhereverTheyAreAndTheRestKeepTheirOrder() {
    assertEquals(List.of("c", "d"), ids(of("a", "b", "c", "d").without(List.of("b", "a"))), "the oldest");
    assertEquals(List.of("a", "c"), ids(of("a", "b", "c", "d").without(List.of("d", "b"))), "any others");
    assertEquals(List.of("b"), ids(of("a", "b").without(List.of("a", "unknown"))), "one not listed is ignored");
    List<String> many = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      many.add("j" + i);
    }
    JobRegistry.State s = of(many.toArray(String[]::new)).without(many.subList(0, 64));
    assertEquals(many.subList(64, 100), ids(s));
  }
}
