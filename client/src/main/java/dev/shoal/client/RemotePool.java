package dev.shoal.client;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shoal.api.ClusterView;
import dev.shoal.api.JarInfo;
import dev.shoal.api.JobRequest;
import dev.shoal.api.Retries;
import dev.shoal.api.JobStatus;
import dev.shoal.api.ResultFrames;
import dev.shoal.api.Scheduling;
import dev.shoal.api.FunctionInfo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpClient;
import javax.net.ssl.SSLContext;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;

/**
 * The pool of a Shoal cluster, reached through its coordinator's HTTP API ({@link
 * Shoal#connect(String)}): the same calls as a local pool, with items sent as JSON and results
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
 * <p>Following a restart or failover: the pool is given one URL or the URLs of every coordinator
 * node, and every request goes to the current one. A status, list, cancel or results request that
 * fails (connection refused, reset or timed out, or a 502, 503 or 504) moves on to the next URL and
 * is retried, with a jittered backoff (100 ms doubling to 2 s), until the follow deadline
 * ({@link #withFollowDeadline}, 60 s by default), then ends in a {@link
 * CoordinatorUnreachableException} naming the URLs and the deadline. A results stream that breaks
 * off before the job's end is opened again from the line it had reached ({@code ?from=N}), so its
 * reader sees every line once, in order, as an undisturbed stream gives them; a coordinator that no
 * longer knows the job ends the stream with an {@link UnknownJobException} naming it.
 *
 * <p>A range goes as two numbers and a collection of up to {@value #INLINE_ITEMS} items in the
 * submission itself; any other items (lines, a larger collection, any {@link Iterable} or {@link
 * java.util.stream.Stream}) are uploaded after the job is opened ({@code PUT /jobs/{id}/items}),
 * read lazily as the connection takes them, while results already stream back: memory stays flat
 * whatever the input's size, and a coordinator that falls behind slows the reading. A line that is
 * not JSON is that item's error, as in a local pool.
 *
 * <p>Caveats: an upload cut off (this process dies, the connection breaks, the coordinator
 * restarts or fails over) fails its job; it cannot be resumed. A submission ({@code POST /jobs}) is
 * retried only when its connection was refused or not made, since nothing was sent; one that fails
 * after it was sent may have created the job, so it is not sent again but fails with the reason. In-process lambdas ({@link #map(java.util.function.Function,
 * Iterable)}) cannot be sent to a cluster.
 */
public final class RemotePool implements Pool {

  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  /** Collections up to this size go in the POST /jobs body: one request, no upload. */
  static final int INLINE_ITEMS = 10_000;

  /** How the coordinator words a job whose upload broke off; the client knows why, and says so instead. */
  private static final String INPUT_ENDED = "input ended before it was closed";

  /**
   * How long one request waits for its answer: the coordinator answers within its own ask timeout
   * ({@code shoal.coordinator.http.ask-timeout}, 10 s), and a little longer lets that answer arrive.
   */
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(15);

  /** How long requests follow a lost coordinator unless told otherwise. */
  public static final Duration DEFAULT_FOLLOW_DEADLINE = Duration.ofSeconds(60);

  /** How a request may be retried: any failure when repeating it does no harm, else only when nothing was sent. */
  private enum Retry { IDEMPOTENT, NOT_SENT }

  private final Coordinators coordinators;
  private final HttpClient http;
  private final Duration timeout;
  /** The Authorization header's value, or null; never printed. */
  private final String authorization;
  private final Duration followDeadline;
  private final FollowListener listener;

  private RemotePool(Coordinators coordinators, HttpClient http, Duration timeout, String authorization,
      Duration followDeadline, FollowListener listener) {
    this.coordinators = coordinators;
    this.http = http;
    this.timeout = timeout;
    this.authorization = authorization;
    this.followDeadline = followDeadline;
    this.listener = listener;
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
   * https://...}), or one of the comma-separated URLs of every coordinator node ({@code
   * http://a:8080,http://b:8080}: a standby does not forward, so a client is given them all), and
   * accepts {@code token} (null: none); {@code tls} (null: the JVM's trust store) decides which
   * certificates an {@code https} coordinator may show; host names are verified. Requests follow a
   * lost coordinator for {@link #DEFAULT_FOLLOW_DEADLINE} ({@link #withFollowDeadline}). Nothing is
   * sent until the first call.
   */
  public static RemotePool connect(String url, String token, SSLContext tls) {
    List<URI> urls = Coordinators.parse(url);
    if (token != null && token.isBlank()) {
      throw new IllegalArgumentException("the API token is empty");
    }
    Duration timeout = REQUEST_TIMEOUT;
    HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(timeout);
    if (tls != null) {
      b.sslContext(tls);
    }
    return new RemotePool(new Coordinators(urls, System::nanoTime, Thread::sleep), b.build(), timeout,
        token == null ? null : "Bearer " + token.strip(), DEFAULT_FOLLOW_DEADLINE, FollowListener.SILENT);
  }

  /**
   * This pool, following a lost coordinator for {@code deadline} instead: every request is retried
   * over the URLs given, with a jittered backoff, until then; {@link Duration#ZERO} tries each URL
   * once. The deadline counts from the first failure, and a results stream that moves on starts it
   * again.
   */
  public RemotePool withFollowDeadline(Duration deadline) {
    if (deadline.isNegative()) {
      throw new IllegalArgumentException("the follow deadline must be 0 or more, got " + deadline);
    }
    return new RemotePool(coordinators, http, timeout, authorization, deadline, listener);
  }

  /** This pool, telling {@code listener} when it loses the coordinator and when it has it again. */
  public RemotePool withFollowListener(FollowListener listener) {
    return new RemotePool(coordinators, http, timeout, authorization, followDeadline, Objects.requireNonNull(listener));
  }

  /** The URL requests go to now (the first given, until a failure moves on). */
  public String url() {
    return coordinators.current().toString();
  }

  /** How long requests follow a lost coordinator. */
  public Duration followDeadline() {
    return followDeadline;
  }

  /**
   * Submits the job; retried over the URLs only while connections are refused (nothing was sent):
   * a submission cut off after it was sent may have made the job, so it fails instead of making a
   * second one.
   */
  @Override
  public JobHandle submit(JobRequest request, Items items) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(items, "items");
    if (!uploaded(items)) {
      JobStatus submitted = read(call("POST", "/jobs", body(request, items), Retry.NOT_SENT), JobStatus.class);
      return new RemoteJob(submitted.id());
    }
    JobStatus submitted = read(call("POST", "/jobs", body(request, null), Retry.NOT_SENT), JobStatus.class);
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
    return read(call("GET", jobPath(id), null, Retry.IDEMPOTENT), JobStatus.class);
  }

  /** Cancels a job; a job that has ended keeps its final state. Returns the status after. */
  public JobStatus cancel(String id) {
    return read(call("DELETE", jobPath(id), null, Retry.IDEMPOTENT), JobStatus.class);
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

  /**
   * Uploads a job jar (a jar of {@link dev.shoal.api.ShoalFunction}s built against shoal-api) and
   * answers what the coordinator keeps of it; a job runs one of its functions with {@code
   * JobRequest.of(name).withJar(info.sha256())}, on workers that never had it installed. Uploading the
   * same bytes again is harmless (the jar is named by its SHA-256), so it is retried like a read.
   */
  public JarInfo uploadJar(Path jar) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(jar);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the jar " + jar + ": " + e.getMessage(), e);
    }
    String name = URLEncoder.encode(jar.getFileName().toString(), StandardCharsets.UTF_8);
    return read(call("POST", "/jars?name=" + name, bytes, "application/java-archive", Retry.IDEMPOTENT), JarInfo.class);
  }

  /** The job jars the coordinator keeps, newest first. */
  public List<JarInfo> jars() {
    return read(json("/jars").get("jars"), new TypeReference<>() {});
  }

  /** Deletes a job jar; refused (an {@link IllegalStateException} naming them) while jobs not yet ended run it. */
  public void deleteJar(String sha256) {
    call("DELETE", "/jars/" + sha256, null, Retry.IDEMPOTENT);
  }

  /** The API's JSON answer to {@code GET path}, as it came. */
  public JsonNode json(String path) {
    return call("GET", path, null, Retry.IDEMPOTENT);
  }

  /** Nothing to release: every request is complete in itself. */
  @Override
  public void close() {}

  // --- HTTP ---

  /** A job's results, resumed where they broke off ({@link ResumingFrames}). */
  private ResumingFrames results(String id) {
    return new ResumingFrames(id, (from, frameItems, outage) -> openResults(id, from, frameItems, outage),
        item -> coordinators.outage(followDeadline, listener, item), coordinators::current);
  }

  /**
   * The results from item {@code from} on, in frames of at most {@code frameItems} items (0: as
   * stored); {@code outage} is the spell of failures this opening ends, or null.
   */
  private InputStream openResults(String id, long from, int frameItems, Coordinators.Outage outage) {
    // end=status: the stream ends with the job's final status, so await() needs no second request
    String path = jobPath(id) + "/results?from=" + from + (frameItems > 0 ? "&frameItems=" + frameItems : "")
        + "&end=status";
    HttpResponse<InputStream> r = send(base -> authorized(HttpRequest.newBuilder(uri(base, path)).GET())
        .header("Accept", ResultFrames.MEDIA_TYPE).build(), BodyHandlers.ofInputStream(), Retry.IDEMPOTENT, outage);
    if (r.statusCode() == 200) {
      String type = r.headers().firstValue("Content-Type").orElse("none");
      if (!type.startsWith(ResultFrames.MEDIA_TYPE)) {
        try (InputStream ignored = r.body()) {
          throw new IllegalStateException("the coordinator at " + url() + " answered the results of job " + id
              + " as " + type + ", not " + ResultFrames.MEDIA_TYPE + ": it is older than this client");
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
      return r.body();
    }
    RuntimeException refused;
    try (InputStream in = r.body()) {
      refused = failure(r.statusCode(), in.readAllBytes(), jobPath(id));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (outage != null && refused instanceof UnknownJobException) {
      throw new UnknownJobException("job " + id + " is not known to the coordinator at " + url() + " after the reconnect "
          + "(its results broke off after line " + from + "): " + refused.getMessage());
    }
    throw refused;
  }

  private JsonNode call(String method, String path, byte[] body, Retry retry) {
    return call(method, path, body, "application/json", retry);
  }

  private JsonNode call(String method, String path, byte[] body, String contentType, Retry retry) {
    HttpResponse<byte[]> r = send(base -> authorized(HttpRequest.newBuilder(uri(base, path)))
        .method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofByteArray(body))
        .header("Content-Type", contentType)
        .timeout(timeout)
        .build(), BodyHandlers.ofByteArray(), retry, null);
    if (r.statusCode() >= 300) {
      throw failure(r.statusCode(), r.body(), path);
    }
    try {
      return JSON.readTree(r.body());
    } catch (IOException e) {
      throw new IllegalStateException("the coordinator at " + url() + " answered " + path + " with something not JSON: "
          + e.getMessage(), e);
    }
  }

  private HttpRequest.Builder authorized(HttpRequest.Builder request) {
    return authorization == null ? request : request.header("Authorization", authorization);
  }

  /**
   * Sends the request {@code request} makes for a coordinator's base URL, to the current one, and
   * follows a lost coordinator: a failure moves on to the next URL and is retried, with backoff,
   * until the follow deadline ({@link Coordinators.Outage}). {@link Retry#IDEMPOTENT} retries any
   * failure and a 502, 503 or 504 (a proxy or coordinator in the middle of a restart);
   * {@link Retry#NOT_SENT} only a connection refused or not made in time, when nothing reached the
   * server, and throws at once on anything else. {@code outage} continues a spell of failures begun
   * elsewhere (a results stream that broke off), or is null.
   */
  private <T> HttpResponse<T> send(Function<URI, HttpRequest> request, BodyHandler<T> handler, Retry retry,
      Coordinators.Outage outage) {
    while (true) {
      URI base = coordinators.current();
      String why;
      IOException cause = null;
      try {
        HttpResponse<T> r = http.send(request.apply(base), handler);
        if (retry == Retry.NOT_SENT || !GATEWAY_FAILURES.contains(r.statusCode())) {
          if (outage != null) {
            outage.over(base);
          }
          return r;
        }
        why = "answered " + r.statusCode();
        if (r.body() instanceof InputStream in) {
          in.close();
        }
      } catch (ConnectException e) {
        why = "connection refused";
        cause = e;
      } catch (HttpConnectTimeoutException e) {
        why = "no connection within " + timeout.toSeconds() + " s";
        cause = e;
      } catch (IOException e) {
        why = e instanceof HttpTimeoutException ? "no answer within " + timeout.toSeconds() + " s"
            : e.getMessage() == null ? e.toString() : e.getMessage();
        if (retry == Retry.NOT_SENT) {
          throw new CoordinatorUnreachableException(base.toString(), why + " (not retried: the request may have "
              + "reached the coordinator)", e);
        }
        cause = e;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for the coordinator", e);
      }
      if (outage == null) {
        outage = coordinators.outage(followDeadline, listener, -1);
      }
      outage.failed(base, why, cause);
    }
  }

  /** Answers of a gateway, or of a coordinator not ready: the next URL, or the same one later, may do better. */
  private static final java.util.Set<Integer> GATEWAY_FAILURES = java.util.Set.of(502, 503, 504);

  private RuntimeException failure(int status, byte[] body, String path) {
    String error;
    try {
      JsonNode e = JSON.readTree(body).get("error");
      error = e != null && e.isTextual() ? e.asText() : new String(body, StandardCharsets.UTF_8);
    } catch (IOException e) {
      error = new String(body, StandardCharsets.UTF_8);
    }
    if (status == 401 || status == 403) {
      return new AccessDeniedException("the coordinator at " + url() + " refused the request: " + error
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
    return new IllegalStateException("the coordinator at " + url() + " answered " + status + " to " + path + ": " + error);
  }

  private static URI uri(URI base, String path) {
    return URI.create(base + path);
  }

  private static String jobPath(String id) {
    if (!id.matches("[A-Za-z0-9_-]+")) {
      throw new UnknownJobException("no job '" + id + "' (a job id is letters and digits)");
    }
    return "/jobs/" + id;
  }

  /** The final status a results stream ended with. */
  private static JobStatus parsed(String statusJson) {
    try {
      return read(JSON.readTree(statusJson), JobStatus.class);
    } catch (IOException e) {
      throw new IllegalStateException("unexpected end of a results stream from the coordinator: " + e.getMessage(), e);
    }
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
      if (request.jar() != null) {
        g.writeStringField("jar", request.jar());
      }
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
    private ResumingFrames results;
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
      URI base = coordinators.current();
      HttpRequest put = authorized(HttpRequest.newBuilder(uri(base, jobPath(id) + "/items")))
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
      if (uploaded == null || s.state() != dev.shoal.api.JobState.FAILED || !uploaded.isDone()
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
      if (results == null) {
        results = RemotePool.this.results(id);
      }
      return results;
    }

    /** Reads (and drops) whatever results have not been read, then gives the final status. */
    @Override
    public JobStatus await() {
      for (Iterator<ResultChunk> it = chunks(); it.hasNext(); ) {
        it.next();
      }
      if (ended == null) {
        String end = results.endStatus();
        JobStatus s = end != null ? parsed(end) : RemotePool.this.status(id);
        if (uploaded != null && s.state() == dev.shoal.api.JobState.FAILED) {
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
      }
      RemotePool.this.cancel(id);
    }
  }
}
