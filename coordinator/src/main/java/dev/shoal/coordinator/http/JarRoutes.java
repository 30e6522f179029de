package dev.shoal.coordinator.http;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.delete;
import static org.apache.pekko.http.javadsl.server.Directives.entity;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.handleRejections;
import static org.apache.pekko.http.javadsl.server.Directives.reject;
import static org.apache.pekko.http.javadsl.server.Directives.parameterOptional;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathEndOrSingleSlash;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.apache.pekko.http.javadsl.server.Directives.post;

import dev.shoal.api.JarInfo;
import dev.shoal.coordinator.durable.JarStore;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.Location;
import org.apache.pekko.http.javadsl.server.MalformedRequestContentRejection;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;
import org.apache.pekko.util.ByteString;

/**
 * The job jars' part of the HTTP API:
 *
 * <ul>
 *   <li>{@code POST /jars[?name=FILE]} with the jar as the body → 201 and its {@link JarInfo} (200 if
 *       those very bytes were uploaded before), {@code Location: /jars/{sha256}}; 400 for a body that
 *       is not a jar of Shoal functions, 413 over {@code max-jar-bytes};
 *   <li>{@code GET /jars} (newest first), {@code GET /jars/{sha256}};
 *   <li>{@code DELETE /jars/{sha256}} → 200; 409 naming the jobs not yet ended that run it.
 * </ul>
 *
 * <p>A job names its jar with {@code "jar": "<sha256>"} beside its {@code function}. The write
 * routes need the write token, as every write does ({@link ApiAccess}).
 *
 * <p>Caveat: a job submitted between the check of {@code DELETE} and the delete itself fails when its
 * workers find no jar to fetch, naming it; it does not run another jar.
 */
final class JarRoutes {

  private final JarStore store;
  private final Executor io;
  private final long maxJarBytes;
  /** The ids of the jobs not yet ended that run jar {@code sha256}, as the coordinator answers. */
  private final Function<String, CompletionStage<List<String>>> jobsOfJar;

  JarRoutes(JarStore store, Executor io, long maxJarBytes, Function<String, CompletionStage<List<String>>> jobsOfJar) {
    this.store = store;
    this.io = io;
    this.maxJarBytes = maxJarBytes;
    this.jobsOfJar = jobsOfJar;
  }

  Route route(Function<Supplier<CompletionStage<HttpResponse>>, Route> respond) {
    return pathPrefix("jars", () -> concat(
        pathEndOrSingleSlash(() -> concat(
            post(() -> handleRejections(tooLarge(), () -> BodyLimit.within(maxJarBytes, this::tooLargeResponse,
                () -> parameterOptional("name", name ->
                    entity(Unmarshaller.entityToByteString(), body -> respond.apply(() -> upload(name, body))))))),
            get(() -> respond.apply(this::list)))),
        path(PathMatchers.segment(), sha -> concat(
            get(() -> respond.apply(() -> show(sha))),
            delete(() -> respond.apply(() -> remove(sha)))))));
  }

  /** A body over the limit is a 413 naming this route's limit, not the one of {@code POST /jobs}. */
  private RejectionHandler tooLarge() {
    return RejectionHandler.newBuilder()
        .handle(MalformedRequestContentRejection.class, r -> r.getCause() instanceof EntityStreamSizeException
            ? complete(tooLargeResponse())
            : reject(r))
        .build();
  }

  private HttpResponse tooLargeResponse() {
    return HttpApi.json(StatusCodes.CONTENT_TOO_LARGE.intValue(), Map.of("error",
        "the jar is larger than the limit of " + maxJarBytes + " bytes (shoal.coordinator.http.max-jar-bytes)"));
  }

  private CompletionStage<HttpResponse> upload(Optional<String> name, ByteString body) {
    byte[] bytes = body.toArray();
    if (bytes.length == 0) {
      throw ApiError.badRequest("the body is empty: send the jar's bytes (curl --data-binary @my.jar)");
    }
    return CompletableFuture.supplyAsync(() -> {
      JarStore.Stored stored;
      try {
        stored = store.put(name.orElse("job.jar"), bytes);
      } catch (IllegalArgumentException e) {
        throw ApiError.badRequest(e.getMessage());
      } catch (java.io.UncheckedIOException e) {
        throw ApiError.insufficientStorage("the coordinator cannot store the jar: " + e.getMessage());
      }
      return HttpApi.json(stored.added() ? StatusCodes.CREATED.intValue() : StatusCodes.OK.intValue(), stored.jar())
          .addHeader(Location.create("/jars/" + stored.jar().sha256()));
    }, io);
  }

  private CompletionStage<HttpResponse> list() {
    return CompletableFuture.supplyAsync(() -> HttpApi.json(StatusCodes.OK.intValue(), Map.of("jars", store.list())), io);
  }

  private CompletionStage<HttpResponse> show(String sha) {
    String key = key(sha);
    return CompletableFuture.supplyAsync(() -> HttpApi.json(StatusCodes.OK.intValue(),
        store.find(key).orElseThrow(() -> unknown(key))), io);
  }

  private CompletionStage<HttpResponse> remove(String sha) {
    String key = key(sha);
    return jobsOfJar.apply(key).thenApplyAsync(jobs -> {
      if (!jobs.isEmpty()) {
        throw ApiError.conflict("jar " + key + " is run by jobs not yet ended: " + String.join(", ", jobs)
            + "; cancel them or wait for them to end");
      }
      if (!store.delete(key)) {
        throw unknown(key);
      }
      return HttpApi.json(StatusCodes.OK.intValue(), Map.of("deleted", key));
    }, io);
  }

  /** Checks that what the path names looks like a jar's name at all, so that a typo is a clear 404. */
  private static String key(String sha) {
    String key = sha.toLowerCase(Locale.ROOT);
    if (!JarInfo.isSha256(key)) {
      throw ApiError.notFound("no jar '" + sha + "': a jar is named by its sha256, 64 hex digits (GET /jars lists them)");
    }
    return key;
  }

  private static ApiError unknown(String sha) {
    return ApiError.notFound("no jar " + sha + " (GET /jars lists them)");
  }

  /** The jar a submission names, from the store, checked to hold the job's function; fails with a 400 naming the problem. */
  CompletionStage<JarInfo> resolve(String sha, String function) {
    return CompletableFuture.supplyAsync(() -> {
      JarInfo jar = store.find(sha).orElseThrow(() -> ApiError.badRequest(JarStore.noSuchJar(sha)));
      if (jar.function(function).isEmpty()) {
        throw ApiError.badRequest(JarStore.lacksFunction(jar, function));
      }
      return jar;
    }, io);
  }
}
