package dev.shoal.client;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import dev.shoal.coordinator.ClusterView;
import dev.shoal.coordinator.job.JobRequest;
import dev.shoal.coordinator.job.Retries;
import dev.shoal.coordinator.job.JobStatus;
import dev.shoal.coordinator.job.Scheduling;
import dev.shoal.protocol.FunctionInfo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import javax.net.ssl.SSLContext;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;

/**
 * The pool of a Shoal cluster, reached through its coordinator's HTTP API ({@link
 * Shoal#connect(String)}): the same calls as a {@link LocalPool}, with items sent as JSON and results
 * streamed back as they are made.
 *
 * <p>Guarantees: results arrive in chunks as the coordinator writes them, and are never all held
 * (a slow reader holds back only its own stream; the job goes on into the coordinator's results
 * file). Errors are the local pool's: a rejected job is an {@link IllegalArgumentException} (a job
 * over a limit of {@code shoal.coordinator.limits}, named in its message); a job refused because
 * the coordinator holds {@code max-queued-jobs} a {@link RejectedExecutionException}; an
 * unknown job an {@link UnknownJobException}; no coordinator a {@link
 * CoordinatorUnreachableException}.
 *
 * <p>A range goes as two numbers and a collection of up to {@value #INLINE_ITEMS} items in the
 * submission itself; any other items (lines, a larger collection, any {@link Iterable} or {@link
 * java.util.stream.Stream}) are uploaded after the job is opened ({@code PUT /jobs/{id}/items}),
 * read lazily as the connection takes them, while results already stream back: memory stays flat
 * whatever the input's size, and a coordinator that falls behind slows the reading. A line that is
 * not JSON is that item's error, as in a local pool.
 *
 * <p>Caveats: an upload cut off (this process dies, the connection breaks) fails its job; it cannot
 * be resumed. In-process lambdas ({@link #map(java.util.function.Function,
 * Iterable)}) cannot be sent to a cluster.
 */
public final class RemotePool implements Pool {

  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  /** Collections up to this size go in the POST /jobs body: one request, no upload. */
  static final int INLINE_ITEMS = 10_000;

  /** How the coordinator words a job whose upload broke off; the client knows why, and says so instead. */
  private static final String INPUT_ENDED = "input ended before it was closed";

  private final URI base;
  private final HttpClient http;
  private final Duration timeout;
  /** The Authorization header's value, or null; never printed. */
  private final String authorization;

  private RemotePool(URI base, Duration timeout, String token, SSLContext tls) {
    this.base = base;
    this.timeout = timeout;
    this.authorization = token == null ? null : "Bearer " + token.strip();
    HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(timeout);
    if (tls != null) {
      b.sslContext(tls);
    }
    this.http = b.build();
  }

  /** A pool on a cluster whose API needs no token (a coordinator started with {@code --no-auth}). */
  public static RemotePool connect(String url) {
    return connect(url, null, null);
  }

  /** A pool on the cluster whose coordinator serves {@code url} and accepts {@code token}; connects lazily. */
  public static RemotePool connect(String url, String token) {
    return connect(url, token, null);
  }

  /**
   * A pool on the cluster whose coordinator serves {@code url} ({@code http://HOST:PORT} or {@code
   * https://...}) and accepts {@code token} (null: none); {@code tls} (null: the JVM's trust store)
   * decides which certificates an {@code https} coordinator may show; host names are verified.
   * Nothing is sent until the first call.
   */
  public static RemotePool connect(String url, String token, SSLContext tls) {
    URI uri;
    try {
      uri = new URI(url.trim().replaceAll("/+$", ""));
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("bad coordinator URL '" + url + "': " + e.getMessage());
    }
    if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
      throw new IllegalArgumentException("bad coordinator URL '" + url + "': expected http://HOST:PORT");
    }
    // the coordinator answers within its own ask timeout; waiting a little longer lets its answer arrive
    Duration ask = ConfigFactory.load().getDuration("shoal.client.ask-timeout");
    if (token != null && token.isBlank()) {
      throw new IllegalArgumentException("the API token is empty");
    }
    return new RemotePool(uri, ask.plusSeconds(5), token, tls);
  }

  /** The coordinator's URL. */
  public String url() {
    return base.toString();
  }

  @Override
  public JobHandle submit(JobRequest request, Items items) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(items, "items");
    if (!uploaded(items)) {
      JobStatus submitted = read(call("POST", "/jobs", body(request, items)), JobStatus.class);
      return new RemoteJob(submitted.id());
    }
    JobStatus submitted = read(call("POST", "/jobs", body(request, null)), JobStatus.class);
    RemoteJob job = new RemoteJob(submitted.id());
    job.upload(StreamedBody.of(items));
    return job;
  }

  /**
   * Whether the items go up in a stream of their own after the job is opened: all but a range and a
   * small collection, so that neither a big input nor a slow one is held before the job starts.
   */
  private static boolean uploaded(Items items) {
    return !(items instanceof Items.Range
        || items instanceof Items.Objects o && o.items() instanceof java.util.Collection<?> c && c.size() <= INLINE_ITEMS);
  }

  /** A job submitted earlier (by anyone): its results from the start, its status, its cancellation. */
  public JobHandle job(String id) {
    status(id);
    return new RemoteJob(id);
  }

  public JobStatus status(String id) {
    return read(call("GET", jobPath(id), null), JobStatus.class);
  }

  /** Cancels a job; a job that has ended keeps its final state. Returns the status after. */
  public JobStatus cancel(String id) {
    return read(call("DELETE", jobPath(id), null), JobStatus.class);
  }

  /** The coordinator's jobs, newest first: those running and the last finished ones. */
  public List<JobStatus> jobs() {
    return read(json("/jobs").get("jobs"), new TypeReference<>() {});
  }

  public ClusterView cluster() {
    return read(json("/cluster"), ClusterView.class);
  }

  @Override
  public List<FunctionInfo> functions() {
    return read(json("/functions").get("functions"), new TypeReference<>() {});
  }

  /** The API's JSON answer to {@code GET path}, as it came. */
  public JsonNode json(String path) {
    return call("GET", path, null);
  }

  /** Nothing to release: every request is complete in itself. */
  @Override
  public void close() {}

  // --- HTTP ---

  private InputStream openResults(String id) {
    HttpRequest request = authorized(HttpRequest.newBuilder(uri(jobPath(id) + "/results")).GET()).build();
    HttpResponse<InputStream> r = send(request, BodyHandlers.ofInputStream());
    if (r.statusCode() != 200) {
      try (InputStream in = r.body()) {
        throw failure(r.statusCode(), in.readAllBytes(), jobPath(id));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return r.body();
  }

  private JsonNode call(String method, String path, byte[] body) {
    HttpRequest request = authorized(HttpRequest.newBuilder(uri(path)))
        .method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofByteArray(body))
        .header("Content-Type", "application/json")
        .timeout(timeout)
        .build();
    HttpResponse<byte[]> r = send(request, BodyHandlers.ofByteArray());
    if (r.statusCode() >= 300) {
      throw failure(r.statusCode(), r.body(), path);
    }
    try {
      return JSON.readTree(r.body());
    } catch (IOException e) {
      throw new IllegalStateException("the coordinator at " + base + " answered " + path + " with something not JSON: "
          + e.getMessage(), e);
    }
  }

  private HttpRequest.Builder authorized(HttpRequest.Builder request) {
    return authorization == null ? request : request.header("Authorization", authorization);
  }

  private <T> HttpResponse<T> send(HttpRequest request, BodyHandler<T> handler) {
    try {
      return http.send(request, handler);
    } catch (ConnectException e) {
      throw new CoordinatorUnreachableException(url(), "connection refused", e);
    } catch (HttpTimeoutException e) {
      throw new CoordinatorUnreachableException(url(), "no answer within " + timeout.toSeconds() + " s", e);
    } catch (IOException e) {
      throw new CoordinatorUnreachableException(url(), e.getMessage() == null ? e.toString() : e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the coordinator", e);
    }
  }

  private RuntimeException failure(int status, byte[] body, String path) {
    String error;
    try {
      JsonNode e = JSON.readTree(body).get("error");
      error = e != null && e.isTextual() ? e.asText() : new String(body, StandardCharsets.UTF_8);
    } catch (IOException e) {
      error = new String(body, StandardCharsets.UTF_8);
    }
    if (status == 401 || status == 403) {
      return new AccessDeniedException("the coordinator at " + base + " refused the request: " + error
          + (authorization == null ? " (no API token was given)" : ""));
    }
    if (status == 400 || status == 413) {
      return new IllegalArgumentException(error);
    }
    if (status == 429) {
      return new RejectedExecutionException(error);
    }
    if (status == 404 && path.startsWith("/jobs/")) {
      return new UnknownJobException(error);
    }
    return new IllegalStateException("the coordinator at " + base + " answered " + status + " to " + path + ": " + error);
  }

  private URI uri(String path) {
    return URI.create(base + path);
  }

  private static String jobPath(String id) {
    if (!id.matches("[A-Za-z0-9_-]+")) {
      throw new UnknownJobException("no job '" + id + "' (a job id is letters and digits)");
    }
    return "/jobs/" + id;
  }

  private static <T> T read(JsonNode json, Class<T> type) {
    return read(json, JSON.constructType(type));
  }

  private static <T> T read(JsonNode json, TypeReference<T> type) {
    return read(json, JSON.getTypeFactory().constructType(type));
  }

  private static <T> T read(JsonNode json, JavaType type) {
    try {
      return JSON.convertValue(json, type);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("unexpected answer from the coordinator: " + e.getMessage(), e);
    }
  }

  /** Only what differs from the defaults, so a body to an older coordinator stays as it was. */
  private static void writeScheduling(JsonGenerator g, Scheduling s) throws IOException {
    if (s.priority() != Scheduling.DEFAULT.priority()) {
      g.writeNumberField("priority", s.priority());
    }
    if (s.weight() != Scheduling.DEFAULT.weight()) {
      g.writeNumberField("weight", s.weight());
    }
    if (s.maxInFlight() > 0) {
      g.writeNumberField("maxInFlight", s.maxInFlight());
    }
    if (s.ratePerSecond() > 0) {
      g.writeNumberField("ratePerSecond", s.ratePerSecond());
    }
  }

  /** The POST /jobs body; a range goes as two numbers, a collection as a JSON array, null items as an upload to come. */
  private static byte[] body(JobRequest request, Items items) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("function", request.function());
      g.writeFieldName("args");
      g.writeRawValue(request.argsJson());
      g.writeNumberField("chunkSize", request.chunkSize());
      g.writeBooleanField("ordered", request.ordered());
      g.writeNumberField("timeoutMs", request.timeoutMs());
      writeRetries(g, request.retries());
      writeScheduling(g, request.scheduling());
      if (items == null) {
        g.writeBooleanField("upload", true);
      } else if (items instanceof Items.Range r) {
        g.writeObjectFieldStart("range");
        g.writeNumberField("start", r.start());
        g.writeNumberField("end", r.end());
        g.writeEndObject();
      } else {
        g.writeArrayFieldStart("items");
        for (Object o : ((Items.Objects) items).items()) {
          g.writeObject(o);
        }
        g.writeEndArray();
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the items: " + e.getMessage(), e);
    }
    return out.toByteArray();
  }

  /** Retries and the failure budget as POST /jobs has them; what is not asked for is left out. */
  private static void writeRetries(JsonGenerator g, Retries r) throws IOException {
    if (r.max() > 0) {
      g.writeObjectFieldStart("retries");
      g.writeNumberField("max", r.max());
      g.writeNumberField("backoffMs", r.backoffMs());
      g.writeNumberField("maxBackoffMs", r.maxBackoffMs());
      g.writeNumberField("jitter", r.jitter());
      g.writeArrayFieldStart("on");
      for (String type : r.on()) {
        g.writeString(type);
      }
      g.writeEndArray();
      g.writeEndObject();
    }
    if (r.maxFailures() >= 0) {
      g.writeNumberField("maxFailures", r.maxFailures());
    }
    if (r.maxFailureRate() >= 0) {
      g.writeNumberField("maxFailureRate", r.maxFailureRate());
      g.writeNumberField("minItemsForRate", r.minItemsForRate());
    }
  }

  /** A job on the cluster; its results stream is opened by the first call that needs it. */
  private final class RemoteJob implements JobHandle {

    private final String id;
    private NdjsonChunks results;
    /** The results stream when read as bytes ({@link #resultBytes()}), else null. */
    private InputStream raw;
    private JobStatus ended;
    private StreamedBody upload;
    /** The upload's outcome: null when it went through, else why not; null stage for a job not uploaded. */
    private CompletableFuture<String> uploaded;

    RemoteJob(String id) {
      this.id = id;
    }

    /** Streams the items up; the job computes them as they arrive. No timeout: it takes as long as the input. */
    void upload(StreamedBody body) {
      upload = body;
      HttpRequest put = authorized(HttpRequest.newBuilder(uri(jobPath(id) + "/items")))
          .PUT(BodyPublishers.fromPublisher(body))
          .version(HttpClient.Version.HTTP_1_1)
          .header("Content-Type", "application/x-ndjson")
          .build();
      uploaded = http.sendAsync(put, BodyHandlers.ofByteArray()).handle((r, failure) -> {
        if (body.failure() != null) {
          Throwable t = body.failure();
          return "cannot read the items: " + (t.getMessage() == null ? t.toString() : t.getMessage());
        }
        if (failure != null) {
          return "the upload to " + base + " broke off: " + (failure.getMessage() == null ? failure : failure.getMessage());
        }
        return r.statusCode() == 200 ? null : failure(r.statusCode(), r.body(), jobPath(id) + "/items").getMessage();
      });
    }

    @Override
    public long itemsSent() {
      return upload == null ? -1 : upload.itemsSent();
    }

    @Override
    public void awaitInput() {
      String problem = uploaded == null ? null : uploaded.join();
      if (problem != null) {
        throw new IllegalStateException("the items of job " + id + " were not all sent: " + problem);
      }
    }

    /** A job that failed because its upload did: the reason seen here, which says more than the coordinator's. */
    private JobStatus explained(JobStatus s) {
      if (uploaded == null || s.state() != dev.shoal.coordinator.job.JobState.FAILED || !uploaded.isDone()
          || s.message() == null || !s.message().contains(INPUT_ENDED)) {
        return s;
      }
      String problem = uploaded.join();
      return problem == null ? s : s.withMessage(INPUT_ENDED + ": " + problem);
    }

    @Override
    public String id() {
      return id;
    }

    @Override
    public synchronized Iterator<ResultChunk> chunks() {
      if (raw != null) {
        throw new IllegalStateException("the results of job " + id + " are being read as bytes");
      }
      if (results == null) {
        results = new NdjsonChunks(openResults(id), id);
      }
      return results;
    }

    @Override
    public synchronized InputStream resultBytes() {
      if (raw != null || results != null) {
        throw new IllegalStateException("the results of job " + id + " are read once");
      }
      raw = openResults(id);
      return raw;
    }

    /** Reads (and drops) whatever results have not been read, then gives the final status. */
    @Override
    public JobStatus await() {
      if (raw == null) {
        for (Iterator<ResultChunk> it = chunks(); it.hasNext(); ) {
          it.next();
        }
      }
      if (ended == null) {
        JobStatus s = RemotePool.this.status(id);
        if (uploaded != null && s.state() == dev.shoal.coordinator.job.JobState.FAILED) {
          uploaded.completeOnTimeout("(no answer to the upload)", 5, java.util.concurrent.TimeUnit.SECONDS).join();
        }
        ended = explained(s);
      }
      return ended;
    }

    @Override
    public JobStatus status() {
      return ended != null ? ended : explained(RemotePool.this.status(id));
    }

    @Override
    public void cancel() {
      if (upload != null) {
        upload.cancel();
      }
      synchronized (this) {
        if (results != null) {
          results.close();
        }
        if (raw != null) {
          try {
            raw.close();
          } catch (IOException ignored) {
            // the stream is abandoned either way
          }
        }
      }
      RemotePool.this.cancel(id);
    }
  }
}
