package dev.shoal.coordinator.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.shoal.coordinator.http.ApiAccess.Decision;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ApiAccessTest {

  private final ApiAccess access = ApiAccess.tokens("s3cret-token", "look-only");

  @Test
  void theApiTokenOpensEveryRoute() {
    assertEquals(Decision.ALLOWED, access.check(Optional.of("Bearer s3cret-token"), true));
    assertEquals(Decision.ALLOWED, access.check(Optional.of("bearer s3cret-token"), false), "the scheme is case-insensitive");
  }

  @Test
  void theReadOnlyTokenOnlyReads() {
    assertEquals(Decision.ALLOWED, access.check(Optional.of("Bearer look-only"), false));
    assertEquals(Decision.READ_ONLY, access.check(Optional.of("Bearer look-only"), true));
  }

  @Test
  void aMissingMalformedOrWrongHeaderIsRefusedAndSaysWhich() {
    assertEquals(Decision.MISSING, access.check(Optional.empty(), false));
    assertEquals(Decision.MISSING, access.check(Optional.of("  "), false));
    assertEquals(Decision.MALFORMED, access.check(Optional.of("Basic czNjcmV0LXRva2Vu"), false));
    assertEquals(Decision.MALFORMED, access.check(Optional.of("Bearer"), false));
    assertEquals(Decision.MALFORMED, access.check(Optional.of("s3cret-token"), false));
    assertEquals(Decision.WRONG, access.check(Optional.of("Bearer s3cret-tokem"), false));
    assertEquals(Decision.WRONG, access.check(Optional.of("Bearer s3cret-token-and-more"), true));
    assertEquals(Decision.MALFORMED, access.check(Optional.of("Bearer "), false));
  }

  @Test
  void anOpenApiAllowsAllButAnEmptyTokenIsNoToken() {
    assertEquals(Decision.ALLOWED, ApiAccess.open().check(Optional.empty(), true));
    assertThrows(IllegalArgumentException.class, () -> ApiAccess.tokens(" ", null));
    assertThrows(IllegalArgumentException.class, () -> ApiAccess.tokens("same", "same"));
  }

  @Test
  void noTokenShowsInItsDescription() {
    assertFalse(access.toString().contains("s3cret"), access.toString());
    assertFalse(access.toString().contains("look-only"), access.toString());
  }
}
