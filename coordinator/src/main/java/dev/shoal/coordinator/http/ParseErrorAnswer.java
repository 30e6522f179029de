package dev.shoal.coordinator.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import org.apache.pekko.event.LoggingAdapter;
import org.apache.pekko.http.ParsingErrorHandler;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.Allow;
import org.apache.pekko.http.scaladsl.model.ErrorInfo;
import org.apache.pekko.http.scaladsl.model.StatusCode;
import org.apache.pekko.http.scaladsl.settings.ServerSettings;

/**
 * The answer to a request so malformed that Pekko HTTP cannot parse it into a request, and so never
 * reaches {@link HttpApi}'s routes: an unknown method, a bad request line, headers or URI too long.
 *
 * <p>Guarantees: the answer is a 4xx with a JSON body {@code {"error": "..."}}, as every other answer
 * of the API; a method the server does not know ({@code FOO /jobs}, which Pekko answers with 501) is
 * a 405 naming the methods the API does use, since the fault is the client's, not the server's.
 *
 * <p>Caveats: Pekko creates one instance per connection from {@code
 * pekko.http.server.parsing.error-handler} (set by {@link HttpApi#start}), so it must keep a public
 * no-argument constructor and hold no state.
 */
public final class ParseErrorAnswer extends ParsingErrorHandler {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Override
  public HttpResponse handle(StatusCode status, ErrorInfo info, LoggingAdapter log, ServerSettings settings) {
    String message = info.formatPretty();
    if (status.intValue() == StatusCodes.NOT_IMPLEMENTED.intValue() && info.summary().contains("method")) {
      return answer(StatusCodes.METHOD_NOT_ALLOWED.intValue(), message + "; the API uses GET, POST and DELETE")
          .addHeader(Allow.create(HttpMethods.GET, HttpMethods.POST, HttpMethods.DELETE));
    }
    // any other 5xx from the parser (an unsupported transfer encoding, HTTP version) is still bad input
    return answer(status.intValue() >= 500 ? StatusCodes.BAD_REQUEST.intValue() : status.intValue(), message);
  }

  private static HttpResponse answer(int status, String message) {
    try {
      return HttpResponse.create().withStatus(status)
          .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, JSON.writeValueAsBytes(Map.of("error", message))));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write an error message as JSON", e);
    }
  }
}
