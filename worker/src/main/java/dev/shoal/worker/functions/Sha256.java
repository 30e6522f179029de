package dev.shoal.worker.functions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.shoal.api.FunctionKind;
import dev.shoal.api.ShoalFunction;
import java.nio.charset.StandardCharsets;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * {@code sha256}: SHA-256 chained {@code rounds} times (arg, default 5000). Round 1 hashes the UTF-8
 * bytes of the item's text (an integer's decimal digits, or the string); every later round hashes
 * the 32 raw bytes of the round before. Returns the lowercase hex of the last digest.
 */
public final class Sha256 implements ShoalFunction {

  public static final int DEFAULT_ROUNDS = 5000;
  private static final HexFormat HEX = HexFormat.of();
  private static final ThreadLocal<MessageDigest> DIGEST = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  });

  @Override
  public String name() {
    return "sha256";
  }

  @Override
  public FunctionKind kind() {
    return FunctionKind.CPU;
  }

  @Override
  public String description() {
    return "item: integer or string; SHA-256 chained args.rounds times (default 5000), lowercase hex";
  }

  @Override
  public JsonNode apply(JsonNode item, JsonNode args) throws DigestException {
    String text;
    if (item.isTextual()) {
      text = item.textValue();
    } else if (item.isIntegralNumber()) {
      text = item.bigIntegerValue().toString();
    } else {
      throw new IllegalArgumentException("sha256 needs an integer or a string item, got " + Items.abbreviate(item));
    }
    JsonNode r = args.get("rounds");
    int rounds = DEFAULT_ROUNDS;
    if (r != null) {
      if (!r.isIntegralNumber() || !r.canConvertToInt() || r.intValue() < 1) {
        throw new IllegalArgumentException("sha256 needs args.rounds to be a positive integer, got " + r);
      }
      rounds = r.intValue();
    }
    return TextNode.valueOf(HEX.formatHex(chain(text, rounds)));
  }

  /** The chained digest; reuses one digest buffer so the 5000 rounds allocate nothing. */
  static byte[] chain(String text, int rounds) throws DigestException {
    MessageDigest md = DIGEST.get();
    md.reset();
    byte[] d = new byte[32];
    md.update(text.getBytes(StandardCharsets.UTF_8));
    md.digest(d, 0, 32);
    for (int i = 1; i < rounds; i++) {
      md.update(d, 0, 32);
      md.digest(d, 0, 32);
    }
    return d;
  }
}
