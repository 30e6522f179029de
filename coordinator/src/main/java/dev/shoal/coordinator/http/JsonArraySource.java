package dev.shoal.coordinator.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.shoal.coordinator.job.ItemSource;
import dev.shoal.protocol.ItemBatch;
import java.io.IOException;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The {@code items} array of a {@code POST /jobs} body, read a chunk at a time as the job asks for
 * items: only the body's bytes are held, never a list of all items, so a large body costs its own
 * size once. The body was checked in full before the job was submitted (see {@link SubmitBody}), so
 * reading it again cannot fail on bad JSON.
 */
final class JsonArraySource implements ItemSource {

  private static final JsonFactory JSON = new JsonFactory();

  private final long count;
  private byte[] body;
  private final int arrayStart;
  private JsonParser parser;
  private boolean ended;

  JsonArraySource(byte[] body, int arrayStart, long count) {
    this.body = body;
    this.arrayStart = arrayStart;
    this.count = count;
  }

  @Override
  public long total() {
    return count;
  }

  @Override
  public CompletionStage<ItemBatch> next(int max) {
    List<String> items = new ArrayList<>(Math.min(max, 4096));
    try {
      if (parser == null && !ended) {
        parser = JSON.createParser(body, arrayStart, body.length - arrayStart);
        parser.nextToken();
      }
      while (!ended && items.size() < max) {
        if (parser.nextToken() == JsonToken.END_ARRAY) {
          close();
          break;
        }
        items.add(text(parser));
      }
    } catch (IOException e) {
      return CompletableFuture.failedFuture(e);
    }
    return CompletableFuture.completedFuture(ItemBatch.json(items));
  }

  /** The current value as compact JSON text. */
  private static String text(JsonParser p) throws IOException {
    StringWriter w = new StringWriter(32);
    try (JsonGenerator g = JSON.createGenerator(w)) {
      g.copyCurrentStructure(p);
    }
    return w.toString();
  }

  @Override
  public void close() {
    ended = true;
    body = null;
    if (parser != null) {
      try {
        parser.close();
      } catch (IOException ignored) {
        // an in-memory parser holds nothing to release
      }
    }
  }
}
