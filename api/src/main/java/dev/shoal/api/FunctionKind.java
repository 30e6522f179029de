package dev.shoal.api;

/**
 * What a function spends its time on, which decides where workers run it: {@code CPU} functions run
 * one item after another on a pool with at most one thread per core; {@code IO} functions run the
 * items of a chunk concurrently on a high-concurrency executor (virtual threads on JDK 21+).
 */
public enum FunctionKind {
  CPU,
  IO
}
