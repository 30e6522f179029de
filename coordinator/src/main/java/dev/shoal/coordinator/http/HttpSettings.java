package dev.shoal.coordinator.http;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.shoal.coordinator.job.JobLimits;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The HTTP API's settings, from {@code shoal.coordinator.http}, {@code shoal.coordinator.spool-dir},
 * {@code shoal.coordinator.history} and {@code shoal.coordinator.limits}.
 *
 * @param maxBody largest {@code POST /jobs} body in bytes
 * @param askTimeout how long a request waits for the coordinator
 * @param followCheck how long a results stream waits for news before it checks that its job exists
 * @param history how many finished HTTP jobs keep their results file
 * @param serverConfig the Pekko HTTP server configuration with Shoal's idle timeout on top
 * @param limits what one job may ask for ({@code shoal.coordinator.limits})
 * @param uploadBuffer bytes of an upload stored and not yet read by its job, past which it waits
 * @param uploadTimeout how long an upload job waits for its upload to begin, or for its next bytes
 * @param maxJarBytes largest job jar {@code POST /jars} takes
 */
record HttpSettings(
    long maxBody, Duration askTimeout, Duration followCheck, Path spoolDir, int history, Config serverConfig,
    JobLimits limits, long uploadBuffer, Duration uploadTimeout, long maxJarBytes) {

  static HttpSettings fromConfig(Config config) {
    Config c = config.getConfig("shoal.coordinator");
    Config http = c.getConfig("http");
    Config server = ConfigFactory.empty()
        .withValue("pekko.http.server.idle-timeout", http.getValue("idle-timeout"))
        .withFallback(config);
    return new HttpSettings(
        http.getBytes("max-body"),
        http.getDuration("ask-timeout"),
        http.getDuration("follow-check"),
        Path.of(c.getString("spool-dir")),
        c.getInt("history"),
        server,
        JobLimits.fromConfig(config),
        http.getBytes("upload-buffer"),
        http.getDuration("upload-timeout"),
        http.getBytes("max-jar-bytes"));
  }
}
