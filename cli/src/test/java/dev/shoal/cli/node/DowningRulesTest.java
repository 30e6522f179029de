package dev.shoal.cli.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shoal.cli.node.DowningRules.MemberView;
import dev.shoal.cli.node.DowningRules.Phase;
import dev.shoal.cli.node.DowningRules.Reach;
import dev.shoal.cli.node.DowningRules.Verdict;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class DowningRulesTest {

  private static final DowningRules.Settings SETTINGS =
      new DowningRules.Settings(Duration.ofSeconds(7), Duration.ofSeconds(12), Duration.ofSeconds(20));
  private static final long S = 1_000_000_000L;

  private static MemberView coordinator(String a, Reach own, boolean gossipUnreachable) {
    return new MemberView(a, true, Phase.UP, gossipUnreachable, own);
  }

  private static MemberView worker(String a, Reach own, boolean gossipUnreachable) {
    return new MemberView(a, false, Phase.UP, gossipUnreachable, own);
  }

  private static List<String> downed(List<Verdict> verdicts) {
    return verdicts.stream().map(Verdict::address).toList();
  }

  @Test
  void theHubDownsAWorkerItsOwnDetectorHasMissedForStableAfter() {
    DowningRules hub = new DowningRules("c", SETTINGS);
    List<MemberView> view = List.of(coordinator("c", Reach.UNMONITORED, false), worker("w1", Reach.UNAVAILABLE, true),
        worker("w2", Reach.AVAILABLE, false));
    assertEquals(List.of(), hub.decide(view, 0));
    assertEquals(List.of(), hub.decide(view, 7 * S - 1));
    List<Verdict> verdicts = hub.decide(view, 7 * S);
    assertEquals(List.of("w1"), downed(verdicts));
    assertTrue(verdicts.get(0).reason().contains("unreachable from the coordinator"), verdicts.toString());
    assertEquals(List.of(), hub.decide(view, 8 * S), "a member is downed once");
  }

  @Test
  void eachMemberHasItsOwnClockSoChurnDoesNotPostponeDowningTheDead() {
    DowningRules hub = new DowningRules("c", SETTINGS);
    MemberView c = coordinator("c", Reach.UNMONITORED, false);
    hub.decide(List.of(c, worker("w1", Reach.UNAVAILABLE, true)), 0);
    hub.decide(List.of(c, worker("w1", Reach.UNAVAILABLE, true), worker("w2", Reach.UNAVAILABLE, true)), 3 * S);
    List<Verdict> at7 = hub.decide(List.of(c, worker("w1", Reach.UNAVAILABLE, true), worker("w2", Reach.UNAVAILABLE, true),
        worker("w3", Reach.UNAVAILABLE, true)), 7 * S);
    assertEquals(List.of("w1"), downed(at7));
    assertEquals(List.of("w2"), downed(hub.decide(List.of(c, worker("w2", Reach.UNAVAILABLE, true),
        worker("w3", Reach.UNAVAILABLE, true)), 10 * S)));
  }

  @Test
  void aWorkerThatAnswersAgainStartsAFreshClock() {
    DowningRules hub = new DowningRules("c", SETTINGS);
    MemberView c = coordinator("c", Reach.UNMONITORED, false);
    hub.decide(List.of(c, worker("w", Reach.UNAVAILABLE, true)), 0);
    hub.decide(List.of(c, worker("w", Reach.AVAILABLE, false)), 5 * S);
    assertEquals(List.of(), hub.decide(List.of(c, worker("w", Reach.UNAVAILABLE, true)), 6 * S));
    assertEquals(List.of(), hub.decide(List.of(c, worker("w", Reach.UNAVAILABLE, true)), 12 * S));
    assertEquals(List.of("w"), downed(hub.decide(List.of(c, worker("w", Reach.UNAVAILABLE, true)), 13 * S)));
  }

  @Test
  void theHubKeepsAWorkerItHearsWhateverOtherWorkersSay() {
    DowningRules hub = new DowningRules("c", SETTINGS);
    List<MemberView> view = List.of(coordinator("c", Reach.UNMONITORED, false), worker("w", Reach.AVAILABLE, true));
    for (long t = 0; t <= 600; t += 1) {
      assertEquals(List.of(), hub.decide(view, t * S), "at " + t + " s");
    }
  }

  @Test
  void aMemberTheHubDoesNotMonitorIsDownedOnGossipAfterFourTimesStableAfter() {
    DowningRules hub = new DowningRules("c", SETTINGS);
    List<MemberView> view = List.of(coordinator("c", Reach.UNMONITORED, false), worker("w", Reach.UNMONITORED, true));
    hub.decide(view, 0);
    assertEquals(List.of(), hub.decide(view, 27 * S));
    List<Verdict> verdicts = hub.decide(view, 28 * S);
    assertEquals(List.of("w"), downed(verdicts));
    assertTrue(verdicts.get(0).reason().contains("not monitored"), verdicts.toString());
  }

  @Test
  void theHubNeverDownsItselfNorAStandbyItHears() {
    DowningRules hub = new DowningRules("c1", SETTINGS);
    List<MemberView> view = List.of(coordinator("c1", Reach.UNMONITORED, true), coordinator("c2", Reach.AVAILABLE, true),
        worker("w", Reach.AVAILABLE, true));
    for (long t = 0; t <= 120; t++) {
      assertEquals(List.of(), hub.decide(view, t * S));
    }
  }

  @Test
  void aWorkerThatCannotReachTheCoordinatorDownsItselfAfterGivingUp() {
    DowningRules w = new DowningRules("w", SETTINGS);
    assertEquals(List.of(), w.decide(List.of(coordinator("c", Reach.AVAILABLE, false), worker("w", Reach.UNMONITORED, false)), 0));
    List<MemberView> lost = List.of(coordinator("c", Reach.UNAVAILABLE, true), worker("w", Reach.UNMONITORED, false));
    assertEquals(List.of(), w.decide(lost, 1 * S));
    assertEquals(List.of(), w.decide(lost, 21 * S - 1));
    List<Verdict> verdicts = w.decide(lost, 21 * S);
    assertEquals(List.of("w"), downed(verdicts));
    assertTrue(verdicts.get(0).reason().contains("the coordinator has been unreachable"), verdicts.toString());
    assertEquals(List.of(), w.decide(lost, 30 * S), "once");
  }

  @Test
  void aWorkerNeverDownsTheCoordinatorOrAnotherWorker() {
    DowningRules w = new DowningRules("w1", SETTINGS);
    List<MemberView> view = List.of(coordinator("c", Reach.AVAILABLE, true), worker("w1", Reach.UNMONITORED, false),
        worker("w2", Reach.UNAVAILABLE, true));
    for (long t = 0; t <= 120; t++) {
      assertEquals(List.of(), w.decide(view, t * S));
    }
  }

  @Test
  void aWorkerUsesGossipForACoordinatorItDoesNotMonitor() {
    DowningRules w = new DowningRules("w", SETTINGS);
    MemberView me = worker("w", Reach.UNMONITORED, false);
    w.decide(List.of(coordinator("c", Reach.UNMONITORED, false), me), 0);
    assertEquals(List.of(), w.decide(List.of(coordinator("c", Reach.UNMONITORED, false), me), 60 * S));
    w.decide(List.of(coordinator("c", Reach.UNMONITORED, true), me), 61 * S);
    assertEquals(List.of("w"), downed(w.decide(List.of(coordinator("c", Reach.UNMONITORED, true), me), 81 * S)));
  }

  @Test
  void anIsolatedWorkerGivesUpEvenWithoutNewsOfTheCoordinator() {
    DowningRules w = new DowningRules("w1", SETTINGS);
    MemberView me = worker("w1", Reach.UNMONITORED, false);
    w.decide(List.of(coordinator("c", Reach.UNMONITORED, false), me, worker("w2", Reach.AVAILABLE, false)), 0);
    List<MemberView> silent = List.of(coordinator("c", Reach.UNMONITORED, false), me, worker("w2", Reach.UNAVAILABLE, true));
    w.decide(silent, 1 * S);
    List<Verdict> verdicts = w.decide(silent, 21 * S);
    assertEquals(List.of("w1"), downed(verdicts));
    assertTrue(verdicts.get(0).reason().contains("no member this node monitors"), verdicts.toString());
  }

  @Test
  void aWorkerWhoseCoordinatorLeftTheClusterGivesUp() {
    DowningRules w = new DowningRules("w", SETTINGS);
    MemberView me = worker("w", Reach.UNMONITORED, false);
    w.decide(List.of(coordinator("c", Reach.AVAILABLE, false), me), 0);
    w.decide(List.of(me), 1 * S);
    assertEquals(List.of("w"), downed(w.decide(List.of(me), 21 * S)));
  }

  @Test
  void aWorkerWaitsForItsFirstCoordinatorWithoutGivingUp() {
    DowningRules w = new DowningRules("w", SETTINGS);
    MemberView me = new MemberView("w", false, Phase.JOINING, false, Reach.UNMONITORED);
    for (long t = 0; t <= 300; t += 10) {
      assertEquals(List.of(), w.decide(List.of(me), t * S));
    }
  }

  @Test
  void aStandbyTakesOverFromALostCoordinatorBeforeWorkersGiveUp() {
    DowningRules standby = new DowningRules("c2", SETTINGS);
    DowningRules worker = new DowningRules("w", SETTINGS);
    List<MemberView> fine = List.of(coordinator("c1", Reach.AVAILABLE, false), coordinator("c2", Reach.UNMONITORED, false),
        worker("w", Reach.UNMONITORED, false));
    standby.decide(fine, 0);
    worker.decide(fine, 0);
    List<MemberView> lost = List.of(coordinator("c1", Reach.UNAVAILABLE, true), coordinator("c2", Reach.AVAILABLE, false),
        worker("w", Reach.AVAILABLE, false));
    standby.decide(lost, 1 * S);
    worker.decide(lost, 1 * S);
    List<Verdict> takeOver = standby.decide(lost, 13 * S);
    assertEquals(List.of("c1"), downed(takeOver));
    assertTrue(takeOver.get(0).reason().contains("standby takes over"), takeOver.toString());
    assertEquals(List.of(), worker.decide(lost, 13 * S));

    List<MemberView> after = List.of(new MemberView("c1", true, Phase.GONE, true, Reach.UNAVAILABLE),
        coordinator("c2", Reach.AVAILABLE, false), worker("w", Reach.AVAILABLE, false));
    assertEquals(List.of(), worker.decide(after, 14 * S), "the standby is the new hub; the worker stays");
    assertEquals(List.of(), worker.decide(after, 60 * S));
  }

  @Test
  void aQuarantineByAWorkerIsIgnoredButOneByTheCoordinatorDownsThisNode() {
    List<MemberView> view = List.of(coordinator("c", Reach.UNMONITORED, false), worker("w1", Reach.AVAILABLE, false),
        worker("w2", Reach.AVAILABLE, false));
    DowningRules hub = new DowningRules("c", SETTINGS);
    assertTrue(hub.quarantinedBy("w1", view).isEmpty());
    DowningRules w2 = new DowningRules("w2", SETTINGS);
    assertTrue(w2.quarantinedBy("w1", view).isEmpty());
    assertEquals(List.of("w2"), w2.quarantinedBy("c", view).stream().map(Verdict::address).toList());
    assertTrue(w2.quarantinedBy("c", view).isEmpty(), "once");
    assertTrue(hub.quarantinedBy("somebody-gone", view).isEmpty());
  }

  @Test
  void aNodeAlreadyLeavingDecidesNothing() {
    DowningRules w = new DowningRules("w", SETTINGS);
    List<MemberView> view = List.of(coordinator("c", Reach.UNAVAILABLE, true), new MemberView("w", false, Phase.GONE, false,
        Reach.UNMONITORED));
    assertEquals(List.of(), w.decide(view, 0));
    assertEquals(List.of(), w.decide(view, 100 * S));
  }

  @Test
  void timeoutsMustBeOrderedSoTheHubActsFirstThenTheStandbyThenWorkers() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new DowningRules.Settings(Duration.ofSeconds(7), Duration.ofSeconds(30), Duration.ofSeconds(20)));
    assertTrue(e.getMessage().contains("stable-after < standby-takes-over-after < worker-gives-up-after"), e.getMessage());
  }
}
