package dev.shoal.api;

/** The error of one item: {@code offset} within its chunk, an error type and a message. */
public record ItemError(int offset, String type, String message) {}
