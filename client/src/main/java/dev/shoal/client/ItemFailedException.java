package dev.shoal.client;

/** Thrown by {@code Pool.map} when an item failed, like Python's {@code Pool.map} raises; names the first. */
public final class ItemFailedException extends RuntimeException {

  private static final long serialVersionUID = 1L;
  private final long index;
  private final String type;
  private final long failedItems;

  public ItemFailedException(long index, String type, String message, long failedItems) {
    super("item " + index + " failed with " + type + ": " + message
        + (failedItems > 1 ? " (and " + (failedItems - 1) + " more items failed)" : ""));
    this.index = index;
    this.type = type;
    this.failedItems = failedItems;
  }

  public long index() {
    return index;
  }

  public String type() {
    return type;
  }

  public long failedItems() {
    return failedItems;
  }
}
