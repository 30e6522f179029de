package dev.shoal.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;

/** {@code shoal.coordinator.scheduling}: fifo unless set, fair when asked, anything else refused by name. */
class SchedulingPolicyTest {

  @Test
  void fifoIsTheDefaultAndFairIsReadFromTheConfiguration() {
    assertEquals(SchedulingPolicy.FIFO, CoordinatorSettings.fromConfig(ConfigFactory.load()).scheduling());
    assertEquals(SchedulingPolicy.FAIR, CoordinatorSettings.fromConfig(
        ConfigFactory.parseString("shoal.coordinator.scheduling = fair").withFallback(ConfigFactory.load())).scheduling());
  }

  @Test
  void anUnknownPolicyIsRefusedNamingTheSetting() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CoordinatorSettings.fromConfig(
        ConfigFactory.parseString("shoal.coordinator.scheduling = lottery").withFallback(ConfigFactory.load())));
    assertEquals("shoal.coordinator.scheduling must be fifo or fair, got 'lottery'", e.getMessage());
  }
}
