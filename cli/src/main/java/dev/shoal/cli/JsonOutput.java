package dev.shoal.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine.Option;

/** {@code --json}: the HTTP API's JSON, indented, instead of a table. */
public final class JsonOutput {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Option(names = "--json", description = "print the API's JSON instead of a table")
  boolean json;

  /** True when the caller should print {@code value} as JSON (and did: it is printed). */
  boolean printed(Object value) throws JsonProcessingException {
    if (json) {
      System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(value));
    }
    return json;
  }
}
