package dev.shoal.coordinator.http;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.extractMaterializer;
import static org.apache.pekko.http.javadsl.server.Directives.extractRequestEntity;
import static org.apache.pekko.http.javadsl.server.Directives.onComplete;
import static org.apache.pekko.http.javadsl.server.Directives.withSizeLimit;

import java.util.OptionalLong;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * A limit on a request's body that the client hears: a body whose declared length ({@code
 * Content-Length}) is over the limit is read to its end and thrown away, and only then answered
 * (a 413). A client sends its whole body before it reads an answer, and a server that answers and
 * closes with bytes still unread resets the connection: the client gets "connection reset" or "no
 * bytes" instead of the 413 (a 3 MB jar over the jar limit did, here, one time in a few).
 *
 * <p>Caveats: a body declared larger than {@value #DRAIN_BYTES} bytes is refused without being
 * read, and one sent in chunks, with no declared length, is cut off where it passes the limit (the
 * route's own {@code EntityStreamSizeException} answer): either client may still see the reset.
 */
final class BodyLimit {

  /** The most bytes read to let a client hear its 413: more is cheaper to cut off than to read. */
  static final long DRAIN_BYTES = 256L << 20;

  private BodyLimit() {}

  /** {@code inner} with bodies up to {@code limit} bytes; a larger declared body gets {@code tooLarge}. */
  static Route within(long limit, Supplier<HttpResponse> tooLarge, Supplier<Route> inner) {
    return extractRequestEntity(entity -> {
      OptionalLong declared = entity.getContentLengthOption();
      if (declared.isPresent() && declared.getAsLong() > limit && declared.getAsLong() <= DRAIN_BYTES) {
        return extractMaterializer(mat -> onComplete(
            entity.withoutSizeLimit().discardBytes(mat).completionStage(), drained -> complete(tooLarge.get())));
      }
      return withSizeLimit(limit, inner);
    });
  }
}
