package dev.shoal.protocol;

/**
 * Marker for every message that crosses nodes. Bound to Pekko's {@code jackson-cbor} serializer in
 * {@code application.conf}; Java serialization stays off, so a message without this marker that is
 * sent to another node fails loudly instead of being silently Java-serialized.
 */
public interface CborSerializable {}
