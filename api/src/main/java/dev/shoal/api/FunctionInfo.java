package dev.shoal.api;

/** A function as nodes advertise it: workers send these so the coordinator knows what runs where. */
public record FunctionInfo(String name, FunctionKind kind, String description) {}
