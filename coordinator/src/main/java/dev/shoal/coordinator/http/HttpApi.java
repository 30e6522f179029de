package dev.shoal.coordinator.http;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.completeOK;
import static org.apache.pekko.http.javadsl.server.Directives.completeWithFuture;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.delete;
import static org.apache.pekko.http.javadsl.server.Directives.entity;
import static org.apache.pekko.http.javadsl.server.Directives.extractMethod;
import static org.apache.pekko.http.javadsl.server.Directives.extractRequestEntity;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.getFromResource;
import static org.apache.pekko.http.javadsl.server.Directives.getFromResourceDirectory;
import static org.apache.pekko.http.javadsl.server.Directives.handleExceptions;
import static org.apache.pekko.http.javadsl.server.Directives.handleRejections;
import static org.apache.pekko.http.javadsl.server.Directives.optionalHeaderValueByName;
import static org.apache.pekko.http.javadsl.server.Directives.parameterOptional;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathEndOrSingleSlash;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.apache.pekko.http.javadsl.server.Directives.pathSingleSlash;
import static org.apache.pekko.http.javadsl.server.Directives.post;
import static org.apache.pekko.http.javadsl.server.Directives.put;
import static org.apache.pekko.http.javadsl.server.Directives.withoutSizeLimit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shoal.api.ClusterView;
import dev.shoal.coordinator.Coordinator;
import dev.shoal.coordinator.http.SubmitBody.Submission;
import dev.shoal.coordinator.job.JobDetail;
import dev.shoal.api.JobState;
import dev.shoal.api.JobStatus;
import dev.shoal.coordinator.metrics.ShoalMetrics;
import dev.shoal.protocol.CoordinatorProtocol;
import dev.shoal.api.FunctionInfo;
import dev.shoal.api.ResultFrames;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import javax.net.ssl.SSLContext;
import org.apache.pekko.http.javadsl.ConnectionContext;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBuilder;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.marshalling.sse.EventStreamMarshalling;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpCharsets;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.RequestEntity;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.Location;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.model.headers.RetryAfter;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.MalformedRequestContentRejection;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.settings.ServerSettings;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.util.ByteString;
import dev.shoal.coordinator.job.ItemSource;
import dev.shoal.coordinator.durable.Durability;
import dev.shoal.coordinator.durable.ItemStore;
import dev.shoal.coordinator.durable.StoredJob;
import dev.shoal.coordinator.durable.StoredReader;
import dev.shoal.coordinator.job.LinesSource;
import dev.shoal.coordinator.job.ListSource;
import dev.shoal.coordinator.job.RangeSource;
import dev.shoal.protocol.ItemBatch;

/**
 * Shoal's HTTP job API, on the coordinator's node:
 *
 * <ul>
 *   <li>{@code POST /jobs} {@code {function, items | range:{start,end}, args, chunkSize, ordered,
 *       timeoutMs}} → 202, the job's status at submission and {@code Location: /jobs/{id}}; with
 *       {@code "upload": true} instead of items, the job takes its items from its upload (below);
 *       {@code POST /jobs?wait=true} → 200, {@code Location} and the job's results in the same
 *       response, streamed as {@code GET /jobs/{id}/results} streams them (JSON Lines, or frames for
 *       {@code Accept: application/x-shoal-results}) and ending when the job ends: one request for a
 *       small job instead of two (not with an upload, whose items come after the answer);
 *   <li>{@code PUT /jobs/{id}/items}: the job's items as JSON Lines, a body of any size streamed
 *       (chunked or not) while the job computes; its end closes the input. One upload per job;
 *       bytes wait in a file under the results folder until the job reads them, and the upload is
 *       slowed when {@code upload-buffer} bytes wait unread. A body that breaks off fails the job
 *       ("input ended before it was closed"); so does an upload not begun, or silent, for {@code
 *       upload-timeout}. 200 with the bytes and lines received; 409 a second upload or a job that
 *       takes none or has ended; 507 when the coordinator cannot store the items;
 *   <li>{@code GET /jobs} (newest first), {@code GET /jobs/{id}}, {@code DELETE /jobs/{id}} (cancels;
 *       a job that had ended keeps its final state);
 *   <li>{@code GET /jobs/{id}/results[?from=N][&frameItems=K]}: the job's results as JSON Lines ({@code
 *       application/x-ndjson}), the very bytes {@code shoal run} writes, streamed as they are made
 *       and ending when the job ends; the same for a job that has ended; {@code from} starts at the
 *       {@code N}-th line (0-based), for a client resuming a stream that broke off ({@link StoredReader});
 *       with {@code Accept: application/x-shoal-results}, the stored {@link dev.shoal.api.ResultFrames}
 *       instead, sent without decoding (Shoal's own clients), cut into frames of at most {@code K}
 *       items if asked (a client whose connection keeps breaking inside a frame asks for smaller ones),
 *       and with {@code end=status} ending in a frame of the job's final status (so a client that read
 *       its results needs no second request for the outcome);
 *   <li>{@code GET /jobs/{id}/detail}: the job's {@link JobDetail} (throughput over time, items per
 *       worker node, first errors, chunk size, re-sent chunks, lost workers);
 *   <li>{@code POST /jars}, {@code GET /jars}, {@code GET|DELETE /jars/{sha256}}: job jars ({@link JarRoutes}); a
 *       job runs a function of one with {@code "jar": "<sha256>"};
 *   <li>{@code GET /cluster}, {@code GET /functions};
 *   <li>{@code GET /events[?job=ID]}: the dashboard's Server-Sent Events ({@link DashboardEvents});
 *   <li>{@code GET /} and {@code GET /dashboard/*}: the dashboard's page and assets, the only routes
 *       served without a token (they hold no data; the page asks for the token and sends it);
 *   <li>{@code GET /metrics}: the coordinator's {@link ShoalMetrics} and the JVM's, in Prometheus'
 *       text format (the read-only token is enough, as for every GET).
 * </ul>
 *
 * <p>Every other route needs {@code Authorization: Bearer <token>} as {@link ApiAccess} decides: 401 with
 * {@code WWW-Authenticate: Bearer} without a valid token, 403 for a write with the read-only token.
 * The API is served over HTTPS when given an {@link SSLContext}.
 *
 * <p>Guarantees: every answer is JSON; bad input is a 4xx with {@code {"error": "..."}} naming the
 * problem (400 bad body, unknown function or a job over a {@link dev.shoal.coordinator.job.JobLimits
 * limit}, 404 unknown job or path, 405 wrong method, 413 body over {@code max-body}, 429 with {@code
 * Retry-After} when {@code max-queued-jobs} jobs are already held), never a 5xx. Every job is
 * durable ({@link Durability}): its items (a range is two numbers) are stored and the job is in the
 * journal before the {@code 202}; its results go to the journal database a batch at a time, never
 * into memory, so a job of any size streams through, and a results stream sees a line once the
 * job's journal has recorded it, woken by that record, not by polling. {@code ?from=N} starts the
 * stream at line N, so a client cut off by a restart asks again from the lines it has.
 *
 * <p>Caveats: the API talks to the coordinator in-process ({@link Coordinator.SubmitJob} carries
 * the job's items and sink factory, which do not cross nodes), so it runs on the node that runs
 * the coordinator (a standby serves nothing until it takes over). An upload's items are stored in
 * a file on this node while the job reads them: a coordinator that stops mid-upload fails that job
 * when it recovers.
 */
public final class HttpApi {

  /** JSON Lines; fixed UTF-8, as JSON is. */
  static final ContentType NDJSON = ContentTypes.create(
      MediaTypes.customWithFixedCharset("application", "x-ndjson", HttpCharsets.UTF_8, Map.of(), false));

  /** Shoal's binary results ({@link dev.shoal.api.ResultFrames}), for clients that accept them. */
  static final ContentType FRAMES = ContentTypes.create(
      MediaTypes.applicationBinary("x-shoal-results", false));

  /** Prometheus' text format, version 0.0.4. */
  static final ContentType PROMETHEUS_TEXT = ContentTypes.create(
      MediaTypes.customWithOpenCharset("text", "plain", Map.of("version", "0.0.4"), true), HttpCharsets.UTF_8);

  private static final ObjectMapper JSON = new ObjectMapper();
  /** The dashboard's page and assets, on the class path. */
  private static final String DASHBOARD = "dev/shoal/dashboard";
  /**
   * Bodies up to this size keep their items in the job's journal record ({@link #inline}); larger
   * ones store them in the journal database's items table first.
   */
  private static final int INLINE_ITEMS_BODY = 8 * 1024;
  /** Bodies up to this size are read on the request's thread; larger ones on a blocking-I/O thread. */
  private static final int INLINE_BODY = 1 << 20;

  private final ActorSystem<?> system;
  private final ActorRef<CoordinatorProtocol.Command> coordinator;
  private final HttpSettings settings;
  private final Durability durability;
  private final Executor io;
  private final ApiAccess access;
  private final ShoalMetrics metrics;
  private final DashboardEvents events;
  private final JarRoutes jars;
  /** The uploads begun or awaited, by job id; an entry leaves when its upload ends. */
  private final Map<String, Upload> uploads = new ConcurrentHashMap<>();

  /** An upload job's items and, once its body streams in, the switch that breaks the body off. */
  private static final class Upload {
    final ItemUpload items;
    final long createdNanos = System.nanoTime();
    volatile UniqueKillSwitch body;

    Upload(ItemUpload items) {
      this.items = items;
    }
  }

  private HttpApi(ActorSystem<?> system, ActorRef<CoordinatorProtocol.Command> coordinator, HttpSettings settings,
      Durability durability, ApiAccess access, ShoalMetrics metrics) {
    this.system = system;
    this.metrics = metrics;
    this.access = access;
    this.coordinator = coordinator;
    this.settings = settings;
    this.durability = durability;
    this.io = system.dispatchers().lookup(DispatcherSelector.blocking());
    this.jars = new JarRoutes(durability.jars(), io, settings.maxJarBytes(),
        sha -> ask(replyTo -> new Coordinator.ListJobsOfJar(sha, replyTo)));
    this.events = new DashboardEvents(this::ask, "(finished jobs are remembered up to the last " + settings.history() + ")");
  }

  /**
   * Serves the API on {@code host:port} (port 0 picks a free one; see the binding's local address).
   * The stage fails if the port cannot be bound or the results folder cannot be created. {@code
   * metrics} must be the coordinator's ({@link dev.shoal.coordinator.CoordinatorSettings#metrics()}):
   * it is what {@code /metrics} shows.
   */
  public static CompletionStage<ServerBinding> start(ActorSystem<?> system, ActorRef<CoordinatorProtocol.Command> coordinator,
      String host, int port, ApiAccess access, Optional<SSLContext> https, ShoalMetrics metrics, Durability durability) {
    HttpSettings settings = HttpSettings.fromConfig(system.settings().config());
    durability.onBytesWritten(metrics::resultBytesWritten);
    HttpApi api = new HttpApi(system, coordinator, settings, durability, access, metrics.withJvm());
    Duration sweep = settings.uploadTimeout().dividedBy(4);
    system.scheduler().scheduleAtFixedRate(sweep, sweep, api::expireUploads, system.executionContext());
    ServerBuilder server = Http.get(system).newServerAt(host, port)
        .withSettings(ServerSettings.create(settings.serverConfig())
            .withParsingErrorHandler(ParseErrorAnswer.class.getName()));
    if (https.isPresent()) {
      server = server.enableHttps(ConnectionContext.httpsServer(https.get()));
    }
    return server.bind(api.route())
        .thenApply(binding -> {
          system.log().info("jobs and their results are kept in {}", durability.describe());
          return binding;
        });
  }

  private Route route() {
    return handleExceptions(exceptionHandler(), () -> handleRejections(rejectionHandler(), () -> concat(dashboard(), authorized(() -> concat(
        pathPrefix("jobs", () -> concat(
            pathEndOrSingleSlash(() -> concat(
                post(() -> parameterOptional("wait", wait -> optionalHeaderValueByName("Accept", accept ->
                    BodyLimit.within(settings.maxBody(), this::tooLarge, () -> entity(Unmarshaller.entityToByteString(),
                        body -> respond(() -> submit(body, waitFor(wait, accept)))))))),
                get(() -> respond(this::listJobs)))),
            pathPrefix(PathMatchers.segment(), id -> concat(
                pathEndOrSingleSlash(() -> concat(
                    get(() -> respond(() -> job(id))),
                    delete(() -> respond(() -> cancel(id))))),
                path("results", () -> get(() -> parameterOptional("from", from -> parameterOptional("frameItems",
                    frameItems -> parameterOptional("end", end -> optionalHeaderValueByName("Accept", accept -> respond(
                        () -> results(id, from, frameItems, endWithStatus(end), StoredReader.Format.of(accept))))))))),
                path("detail", () -> get(() -> respond(() -> detail(id)))),
                path("items", () -> put(() -> withoutSizeLimit(() -> extractRequestEntity(
                    entity -> respond(() -> receiveItems(id, entity)))))))))),
        jars.route(this::respond),
        path("cluster", () -> get(() -> respond(this::cluster))),
        path("functions", () -> get(() -> respond(this::functions))),
        path("events", () -> get(() -> parameterOptional("job",
            job -> completeOK(events.stream(job), EventStreamMarshalling.toEventStream())))),
        path("metrics", () -> get(() -> complete(HttpResponse.create()
            .withEntity(HttpEntities.create(PROMETHEUS_TEXT, metrics.scrape()))))))))));
  }

  /** The dashboard's page and assets: they hold no data, so they load without a token; the page then asks for it. */
  private static Route dashboard() {
    return get(() -> concat(
        pathSingleSlash(() -> getFromResource(DASHBOARD + "/index.html")),
        pathPrefix("dashboard", () -> getFromResourceDirectory(DASHBOARD))));
  }

  /** Lets a request through to {@code inner} only with a token {@link ApiAccess} accepts, before any route runs. */
  private Route authorized(Supplier<Route> inner) {
    return optionalHeaderValueByName("Authorization", header -> extractMethod(method -> {
      boolean write = !(method.equals(HttpMethods.GET) || method.equals(HttpMethods.HEAD));
      ApiAccess.Decision decision = access.check(header, write);
      return switch (decision) {
        case ALLOWED -> inner.get();
        case READ_ONLY -> complete(errorJson(StatusCodes.FORBIDDEN.intValue(), decision.message()));
        case WRONG -> complete(errorJson(StatusCodes.UNAUTHORIZED.intValue(), decision.message())
            .addHeader(RawHeader.create("WWW-Authenticate", "Bearer realm=\"shoal\", error=\"invalid_token\"")));
        default -> complete(errorJson(StatusCodes.UNAUTHORIZED.intValue(), decision.message())
            .addHeader(RawHeader.create("WWW-Authenticate", "Bearer realm=\"shoal\"")));
      };
    }));
  }

  /**
   * The results format a {@code POST /jobs?wait=true} answers with, or empty for a plain submission;
   * fails on a value other than true or false.
   */
  private static Optional<StoredReader.Format> waitFor(Optional<String> wait, Optional<String> accept) {
    if (wait.isEmpty() || wait.get().equals("false")) {
      return Optional.empty();
    }
    if (wait.get().equals("true")) {
      return Optional.of(StoredReader.Format.of(accept));
    }
    throw ApiError.badRequest("wait must be true (answer with the job's results) or false, got '" + wait.get() + "'");
  }

  private CompletionStage<HttpResponse> submit(ByteString body, Optional<StoredReader.Format> wait) {
    byte[] bytes = body.toArrayUnsafe();
    CompletionStage<Submission> parsed = bytes.length <= INLINE_BODY
        ? CompletableFuture.completedFuture(SubmitBody.parse(bytes, settings.limits()))
        : CompletableFuture.supplyAsync(() -> SubmitBody.parse(bytes, settings.limits()), io);
    return parsed.thenApply(s -> {
      if (s.upload() && wait.isPresent()) {
        throw ApiError.badRequest("wait=true cannot be used with \"upload\": true: the job's items are PUT after "
            + "the job is accepted, so submit it without wait and read GET /jobs/{id}/results");
      }
      return s;
    }).thenCompose(s -> s.request().jar() == null ? CompletableFuture.completedFuture(s)
        : jars.resolve(s.request().jar(), s.request().function()).thenApply(jar -> s)).thenCompose(s -> {
      Upload upload = s.upload() ? newUpload() : null;
      CompletionStage<Input> input = upload != null
          ? CompletableFuture.completedFuture(new Input(new LinesSource(
              new BufferedReader(new InputStreamReader(upload.items.reader(), StandardCharsets.UTF_8), 1 << 16),
              settings.limits().maxItemBytes()), Coordinator.StoredInput.uploaded()))
          : s.source() instanceof RangeSource r
              ? CompletableFuture.completedFuture(new Input(r, Coordinator.StoredInput.range(r.start(), r.end())))
              : bytes.length <= INLINE_ITEMS_BODY
                  ? CompletableFuture.completedFuture(inline(s.source()))
                  : CompletableFuture.supplyAsync(() -> storeItems(s.source()), io);
      return input.thenCompose(in -> submitStored(s, in, upload, wait));
    });
  }

  /** A job's items and where they are kept for a restart. */
  private record Input(ItemSource source, Coordinator.StoredInput stored) {}

  /** A small body's items, kept in the job's journal record: no commit of their own, no read back. */
  private static Input inline(ItemSource parsed) {
    List<String> items = new ArrayList<>();
    // as the items table would give it back: a lone surrogate cannot be written in UTF-8 (nor in
    // the record's CBOR, which would fail the journal), and becomes '?' there too
    eachItem(parsed, item -> items.add(new String(item.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)));
    return new Input(new ListSource(items), Coordinator.StoredInput.inline(items));
  }

  /** Stores the items of a body in the journal database, to be read back by the job from there (also after a restart). */
  private Input storeItems(ItemSource parsed) {
    ItemStore.Writer w = durability.itemsWriter();
    try {
      // a newline can only be whitespace between the tokens of valid JSON: one line per item
      eachItem(parsed, item -> w.line(item.replace('\n', ' ').replace('\r', ' ').getBytes(StandardCharsets.UTF_8)));
      w.finish();
    } catch (java.io.UncheckedIOException e) {
      throw ApiError.insufficientStorage("the coordinator cannot store the job's items: " + e.getMessage());
    }
    return new Input(durability.items(w), Coordinator.StoredInput.items(w.key()));
  }

  /** Each item of a parsed body, in order; the source is closed after the last. */
  private static void eachItem(ItemSource parsed, Consumer<String> item) {
    try (parsed) {
      for (ItemBatch b = parsed.next(4096).toCompletableFuture().join(); b.count() > 0;
          b = parsed.next(4096).toCompletableFuture().join()) {
        b.json().forEach(item);
      }
    }
  }

  private CompletionStage<HttpResponse> submitStored(Submission s, Input in, Upload upload,
      Optional<StoredReader.Format> wait) {
      ItemSource source = in.source();
      long total = source.total();
      return this.<Coordinator.SubmitReply>ask(
              replyTo -> new Coordinator.SubmitJob(s.request(), source, durability::sinkFor, in.stored(), replyTo))
          .handle((reply, failure) -> {
            if (!(reply instanceof Coordinator.JobAccepted accepted)) {
              if (upload != null) {
                upload.items.close();
              }
              if (in.stored().itemsKey() != null) {
                io.execute(() -> durability.dropItems(in.stored().itemsKey()));
              }
              if (failure != null) {
                throw failure instanceof CompletionException c ? c : new CompletionException(failure);
              }
              Coordinator.JobRejected r = (Coordinator.JobRejected) reply;
              throw r.overloaded()
                  ? ApiError.tooManyRequests(r.reason(), settings.limits().retryAfter().toSeconds())
                  : ApiError.badRequest(r.reason());
            }
            String id = accepted.id();
            if (upload != null) {
              uploads.put(id, upload);
            }
            Location where = Location.create("/jobs/" + id);
            Optional<StoredJob> results = wait.flatMap(f -> durability.find(id));
            if (results.isPresent()) {
              // the job's sink is made before it is accepted, so its results can be followed at once
              return stream(id, results.get(), 0, ResultFrames.MAX_ITEMS, null, wait.get()).addHeader(where);
            }
            JobStatus queued = JobStatus.queued(id, s.request(), total, System.currentTimeMillis());
            return json(StatusCodes.ACCEPTED.intValue(), queued).addHeader(where);
          });
  }

  private Upload newUpload() {
    try {
      return new Upload(ItemUpload.create(settings.spoolDir().resolve("uploads"), settings.uploadBuffer()));
    } catch (IOException e) {
      throw ApiError.insufficientStorage("the coordinator cannot store the job's items in "
          + settings.spoolDir().resolve("uploads") + ": " + e.getMessage());
    }
  }

  /**
   * Streams the body into the job's {@link ItemUpload}, one write at a time and the next piece only
   * once the job has room for it, so a fast client is slowed to the job's pace by TCP itself.
   */
  private CompletionStage<HttpResponse> receiveItems(String id, RequestEntity entity) {
    Upload upload = uploads.get(id);
    if (upload == null || !upload.items.begin()) {
      entity.discardBytes(system);
      if (upload != null) {
        throw ApiError.conflict("the items of job '" + id + "' are being uploaded or were already: a job takes one upload");
      }
      return this.<Optional<JobStatus>>ask(replyTo -> new Coordinator.GetJob(id, replyTo)).thenApply(s -> {
        throw s.isEmpty() ? unknownJob(id) : ApiError.conflict("job '" + id + "' takes no upload: its items came "
            + "with it, or its upload has ended (" + s.get().state() + ")");
      });
    }
    var running = entity.getDataBytes()
        .viaMat(KillSwitches.single(), Keep.right())
        .mapAsync(1, bytes -> CompletableFuture.supplyAsync(() -> {
          try {
            return upload.items.append(bytes.asByteBuffer());
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }, io).thenCompose(room -> room))
        .toMat(Sink.ignore(), Keep.both())
        .run(system);
    upload.body = running.first();
    return running.second().handle((done, failure) -> {
      uploads.remove(id, upload);
      if (failure == null) {
        upload.items.finish();
        return ok(Map.of("id", id, "bytes", upload.items.bytesReceived(), "lines", upload.items.linesReceived()));
      }
      Throwable t = failure;
      while (t instanceof CompletionException && t.getCause() != null) {
        t = t.getCause();
      }
      if (t instanceof UncheckedIOException disk) {
        String reason = "the coordinator cannot store the job's items: " + disk.getCause().getMessage();
        upload.items.fail(reason);
        return errorJson(StatusCodes.INSUFFICIENT_STORAGE.intValue(), reason);
      }
      if (t instanceof IllegalStateException ended) {
        return errorJson(StatusCodes.CONFLICT.intValue(), "job '" + id + "' takes no more items: " + ended.getMessage());
      }
      String reason = "input ended before it was closed: " + (t.getMessage() == null ? t.toString() : t.getMessage());
      upload.items.fail(reason);
      return errorJson(StatusCodes.BAD_REQUEST.intValue(), reason);
    });
  }

  /** Fails the uploads not begun, or silent while the job waits for them, for {@code upload-timeout}. */
  private void expireUploads() {
    long limit = settings.uploadTimeout().toNanos();
    uploads.forEach((id, upload) -> {
      if (!upload.items.open()) {
        uploads.remove(id, upload);
        return;
      }
      boolean notBegun = !upload.items.begun() && System.nanoTime() - upload.createdNanos > limit;
      if (!notBegun && !upload.items.idleFor(limit)) {
        return;
      }
      String reason = notBegun
          ? "input ended before it was closed: no upload began within " + settings.uploadTimeout().toSeconds()
              + " s of the job's submission (PUT its items to /jobs/" + id + "/items)"
          : "input ended before it was closed: the upload sent nothing for " + settings.uploadTimeout().toSeconds() + " s";
      upload.items.fail(reason);
      uploads.remove(id, upload);
      UniqueKillSwitch body = upload.body;
      if (body != null) {
        body.abort(new IllegalStateException(reason));
      }
    });
  }

  private CompletionStage<HttpResponse> listJobs() {
    return this.<List<JobStatus>>ask(Coordinator.ListJobs::new).thenApply(jobs -> ok(Map.of("jobs", jobs)));
  }

  private CompletionStage<HttpResponse> job(String id) {
    return status(id, replyTo -> new Coordinator.GetJob(id, replyTo));
  }

  private CompletionStage<HttpResponse> cancel(String id) {
    return status(id, replyTo -> new Coordinator.CancelJob(id, replyTo));
  }

  /**
   * A job's status as the coordinator answers {@code command}; a job whose results are complete is
   * answered from its stored final status instead: no round trip, and no race with the job's end.
   */
  private CompletionStage<HttpResponse> status(
      String id, Function<ActorRef<Optional<JobStatus>>, CoordinatorProtocol.Command> command) {
    JobStatus ended = durability.find(id).map(StoredJob::finalStatus).orElse(null);
    if (ended != null) {
      return CompletableFuture.completedFuture(ok(ended));
    }
    return ask(command).thenApply(s -> ok(s.orElseThrow(() -> unknownJob(id))));
  }

  /** Whether a results stream ends with a frame of the job's final status ({@code end=status}; frames only). */
  private static boolean endWithStatus(Optional<String> end) {
    if (end.isEmpty()) {
      return false;
    }
    if (end.get().equals("status")) {
      return true;
    }
    throw ApiError.badRequest("end must be status (the stream of frames ends with the job's final status), got '"
        + end.get() + "'");
  }

  /** The job's results from line {@code from} on (absent: 0), so that a client cut off can resume where it was. */
  private CompletionStage<HttpResponse> results(String id, Optional<String> fromParam, Optional<String> frameItemsParam,
      boolean endWithStatus, StoredReader.Format format) {
    long from = fromLine(fromParam);
    int frameItems = frameItems(frameItemsParam);
    Function<JobStatus, String> end = endWithStatus ? s -> new String(jsonBytes(s), StandardCharsets.UTF_8) : null;
    Optional<StoredJob> job = durability.find(id);
    if (job.isPresent()) {
      return CompletableFuture.completedFuture(stream(id, job.get(), from, frameItems, end, format));
    }
    // a coordinator that is still reading its journal answers once it has: the job's results are known then
    return this.<Optional<JobStatus>>ask(replyTo -> new Coordinator.GetJob(id, replyTo)).thenApply(s -> {
      Optional<StoredJob> recovered = durability.find(id);
      if (recovered.isPresent()) {
        return stream(id, recovered.get(), from, frameItems, end, format);
      }
      throw s.isEmpty() ? unknownJob(id) : ApiError.notFound("job '" + id + "' has no results here: it was not "
          + "submitted over HTTP, or its results were deleted with the jobs beyond the last " + settings.history());
    });
  }

  private HttpResponse stream(String id, StoredJob job, long from, int frameItems, Function<JobStatus, String> end,
      StoredReader.Format format) {
    return HttpResponse.create().withEntity(HttpEntities.createChunked(
        format == StoredReader.Format.FRAMES ? FRAMES : NDJSON,
        StoredReader.follow(job, from, format, frameItems, end, io, settings.followCheck(), () -> jobExists(id))));
  }

  private static int frameItems(Optional<String> frameItems) {
    if (frameItems.isEmpty()) {
      return ResultFrames.MAX_ITEMS;
    }
    try {
      int n = Integer.parseInt(frameItems.get());
      if (n >= 1 && n <= ResultFrames.MAX_ITEMS) {
        return n;
      }
    } catch (NumberFormatException e) {
      // answered below, with the value as given
    }
    throw ApiError.badRequest("frameItems must be a whole number from 1 to " + ResultFrames.MAX_ITEMS
        + " (the most items in one results frame), got '" + frameItems.get() + "'");
  }

  private static long fromLine(Optional<String> from) {
    if (from.isEmpty()) {
      return 0;
    }
    try {
      long n = Long.parseLong(from.get());
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // answered below, with the value as given
    }
    throw ApiError.badRequest("from must be a line number, 0 or more (the lines already read), got '" + from.get() + "'");
  }

  private CompletionStage<HttpResponse> detail(String id) {
    return this.<Optional<JobDetail>>ask(replyTo -> new Coordinator.GetJobDetail(id, replyTo))
        .thenApply(d -> ok(d.orElseThrow(() -> unknownJob(id))));
  }

  private CompletionStage<HttpResponse> cluster() {
    return this.<ClusterView>ask(Coordinator.GetCluster::new).thenApply(this::ok);
  }

  private CompletionStage<HttpResponse> functions() {
    return this.<List<FunctionInfo>>ask(Coordinator.ListFunctions::new).thenApply(fs -> ok(Map.of("functions", fs)));
  }

  private CompletionStage<Boolean> jobExists(String id) {
    return this.<Optional<JobStatus>>ask(replyTo -> new Coordinator.GetJob(id, replyTo))
        .handle((s, failure) -> failure == null && s.isPresent());
  }

  private ApiError unknownJob(String id) {
    return ApiError.notFound("no job '" + id + "' (finished jobs are remembered up to the last " + settings.history() + ")");
  }

  private <T> CompletionStage<T> ask(Function<ActorRef<T>, CoordinatorProtocol.Command> message) {
    return AskPattern.ask(coordinator, message::apply, settings.askTimeout(), system.scheduler());
  }

  // --- responses and errors ---

  /** Completes with the handler's answer; a failure, thrown or in the stage, becomes a JSON error. */
  private Route respond(Supplier<CompletionStage<HttpResponse>> handler) {
    CompletionStage<HttpResponse> response;
    try {
      response = handler.get();
    } catch (RuntimeException e) {
      response = CompletableFuture.failedFuture(e);
    }
    return completeWithFuture(response.exceptionally(this::error));
  }

  private HttpResponse ok(Object body) {
    return json(StatusCodes.OK.intValue(), body);
  }

  static HttpResponse json(int status, Object body) {
    return HttpResponse.create().withStatus(status).withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, jsonBytes(body)));
  }

  private static HttpResponse errorJson(int status, String message) {
    return json(status, Map.of("error", message));
  }

  private HttpResponse error(Throwable failure) {
    Throwable t = failure;
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof ApiError e) {
      HttpResponse r = errorJson(e.status(), e.getMessage());
      return e.retryAfterSeconds() > 0 ? r.addHeader(RetryAfter.create(e.retryAfterSeconds())) : r;
    }
    if (t instanceof EntityStreamSizeException) {
      return tooLarge();
    }
    if (t instanceof TimeoutException) {
      return errorJson(StatusCodes.SERVICE_UNAVAILABLE.intValue(),
          "the coordinator did not answer within " + settings.askTimeout().toMillis() + " ms");
    }
    system.log().error("HTTP API: unexpected failure", t);
    return errorJson(StatusCodes.INTERNAL_SERVER_ERROR.intValue(), "internal error: " + t);
  }

  private HttpResponse tooLarge() {
    return errorJson(StatusCodes.CONTENT_TOO_LARGE.intValue(), "the body is larger than the limit of "
        + settings.maxBody() + " bytes (shoal.coordinator.http.max-body); send a range or fewer items");
  }

  private ExceptionHandler exceptionHandler() {
    return ExceptionHandler.newBuilder().matchAny(e -> complete(error(e))).build();
  }

  /** Pekko's own rejection answers, with their text put into {"error": ...}; an oversized body is a 413. */
  private RejectionHandler rejectionHandler() {
    return RejectionHandler.newBuilder()
        .handle(MalformedRequestContentRejection.class, r -> complete(r.getCause() instanceof EntityStreamSizeException
            ? tooLarge()
            : errorJson(StatusCodes.BAD_REQUEST.intValue(), "the body cannot be read: " + r.message())))
        .build()
        .withFallback(RejectionHandler.defaultHandler())
        .mapRejectionResponse(HttpApi::asJsonError);
  }

  private static HttpResponse asJsonError(HttpResponse response) {
    if (response.entity() instanceof HttpEntity.Strict strict
        && !strict.getContentType().equals(ContentTypes.APPLICATION_JSON)) {
      return response.withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON,
          jsonBytes(Map.of("error", strict.getData().utf8String()))));
    }
    return response;
  }

  private static byte[] jsonBytes(Object body) {
    try {
      return JSON.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write " + body.getClass().getSimpleName() + " as JSON", e);
    }
  }
}
