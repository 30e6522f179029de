package dev.shoal.api;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * How {@link ChunkResults#longs()} crosses the wire: in a binary format (the workers' CBOR) as one
 * byte string of 8 little-endian bytes per value, in a text format (JSON) as an array of numbers.
 *
 * <p>Why: Jackson reads a CBOR array of longs one token at a time (JMH: 91.5 µs for a chunk of
 * 10,000 values, 23.5 µs as a byte string, 2026-12-07); a byte string is one copy each way.
 * Little-endian because that is the byte order of the machines Shoal runs on, where the bulk copy
 * needs no byte swapping.
 *
 * <p>Guarantees: a reader takes either form in either format, so results written by a node of the
 * previous release (an array) still read. Caveat: a byte string whose length is not a multiple of 8
 * is refused as damaged input.
 */
final class LongColumn {

  private LongColumn() {}

  static byte[] toBytes(long[] values) {
    byte[] bytes = new byte[Math.multiplyExact(values.length, Long.BYTES)];
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().put(values);
    return bytes;
  }

  /** The values of {@code bytes}, whose length the caller has checked to be a multiple of 8. */
  static long[] fromBytes(byte[] bytes) {
    long[] values = new long[bytes.length / Long.BYTES];
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(values);
    return values;
  }

  /** Writes a byte string where the format has them natively, an array of numbers elsewhere. */
  static final class Writer extends StdSerializer<long[]> {
    Writer() {
      super(long[].class);
    }

    @Override
    public void serialize(long[] values, JsonGenerator gen, SerializerProvider provider) throws IOException {
      if (gen.canWriteBinaryNatively()) {
        byte[] bytes = toBytes(values);
        gen.writeBinary(bytes, 0, bytes.length);
      } else {
        gen.writeArray(values, 0, values.length);
      }
    }
  }

  /** Reads a byte string (or, in JSON, its base64 text) or an array of numbers. */
  static final class Reader extends StdDeserializer<long[]> {
    Reader() {
      super(long[].class);
    }

    @Override
    public long[] deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      JsonToken t = p.currentToken();
      if (t == JsonToken.START_ARRAY) {
        // the property's annotation does not apply to the type: this is Jackson's own long[] reader
        return ctxt.readValue(p, long[].class);
      }
      if (t == JsonToken.VALUE_EMBEDDED_OBJECT || t == JsonToken.VALUE_STRING) {
        byte[] bytes = p.getBinaryValue();
        if (bytes.length % Long.BYTES != 0) {
          return ctxt.reportInputMismatch(this, "a column of longs of %d bytes, not a multiple of 8", bytes.length);
        }
        return fromBytes(bytes);
      }
      return (long[]) ctxt.handleUnexpectedToken(long[].class, p);
    }
  }
}
