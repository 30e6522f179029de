package dev.shoal.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Shoal's binary results format: what is written is read back, and a cut or damaged stream says so. */
class ResultFramesTest {

  @Test
  void integersTextsAndErrorsComeBackEqual() throws IOException {
    ChunkResults longs = new ChunkResults(new long[] {Long.MIN_VALUE, 0, 42, Long.MAX_VALUE}, null,
        List.of(new ItemError(1, "ArithmeticException", "/ by zero")));
    ChunkResults texts = new ChunkResults(null, Arrays.asList("\"h\u00e9llo \u2603\"", null, "{\"a\":[1,2]}"),
        List.of(new ItemError(1, "Timeout", null)));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ResultFrames.encode(7, longs, out);
    ResultFrames.encode(11, texts, out);

    List<ResultFrames.Frame> frames = ResultFrames.readAll(new ByteArrayInputStream(out.toByteArray()));
    assertEquals(List.of(new ResultFrames.Frame(7, longs), new ResultFrames.Frame(11, texts)), frames);
  }

  @Test
  void aFrameIsSkippedByItsHeaderWithoutDecodingIt() {
    byte[] a = ResultFrames.encode(100, new ChunkResults(new long[] {1, 2, 3}, null, List.of()));
    byte[] b = ResultFrames.encode(103, new ChunkResults(null, List.of("true"), List.of()));
    byte[] both = new byte[a.length + b.length];
    System.arraycopy(a, 0, both, 0, a.length);
    System.arraycopy(b, 0, both, a.length, b.length);

    assertEquals(a.length, ResultFrames.frameLength(both, 0));
    assertEquals(100, ResultFrames.firstIndex(both, 0));
    assertEquals(3, ResultFrames.count(both, 0));
    assertEquals(103, ResultFrames.firstIndex(both, a.length));
    assertEquals(List.of("true"), ResultFrames.decode(both, a.length).results().json());
  }

  @Test
  void aLargeChunkIsCutIntoFramesOfAtMostMaxItems() throws IOException {
    long[] v = new Random(1).longs(ResultFrames.MAX_ITEMS * 2 + 5).toArray();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ResultFrames.encode(0, new ChunkResults(v, null, List.of(new ItemError(ResultFrames.MAX_ITEMS + 1, "E", "m"))), out);

    List<ResultFrames.Frame> frames = ResultFrames.readAll(new ByteArrayInputStream(out.toByteArray()));
    assertEquals(3, frames.size());
    assertEquals(List.of(0L, (long) ResultFrames.MAX_ITEMS, 2L * ResultFrames.MAX_ITEMS),
        frames.stream().map(ResultFrames.Frame::firstIndex).toList());
    assertEquals(List.of(new ItemError(1, "E", "m")), frames.get(1).results().errors(), "offsets are the frame's");
    long[] back = frames.stream().flatMapToLong(f -> Arrays.stream(f.results().longs())).toArray();
    assertTrue(Arrays.equals(v, back));
  }

  @Test
  void aStreamCutInsideAFrameIsAnEofAndOneEndingBetweenFramesIsTheEnd() throws IOException {
    byte[] frame = ResultFrames.encode(0, new ChunkResults(new long[] {1, 2}, null, List.of()));
    assertNull(ResultFrames.read(new DataInputStream(new ByteArrayInputStream(new byte[0]))));
    for (int cut = 1; cut < frame.length; cut++) {
      DataInputStream in = new DataInputStream(new ByteArrayInputStream(Arrays.copyOf(frame, cut)));
      assertThrows(EOFException.class, () -> ResultFrames.read(in), "cut at byte " + cut);
    }
  }

  @Test
  void bytesThatAreNotFramesAreRefusedWithAReason() {
    byte[] text = "{\"index\":0,\"value\":1}\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    IOException e = assertThrows(IOException.class,
        () -> ResultFrames.read(new DataInputStream(new ByteArrayInputStream(text))));
    assertTrue(e.getMessage().contains("not a results frame"), e.getMessage());

    byte[] frame = ResultFrames.encode(0, new ChunkResults(new long[] {1}, null, List.of()));
    frame[16] = 9;
    assertThrows(IllegalArgumentException.class, () -> ResultFrames.decode(frame, 0));
  }

  /** The frame that ends a stream with the job's status reads back as that status, after the results. */
  @Test
  void anEndFrameCarriesTheStatusAfterTheResults() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ResultFrames.encode(0, new ChunkResults(new long[] {4, 9}, null, java.util.List.of()), out);
    byte[] end = ResultFrames.encodeEnd(2, "{\"id\":\"j\",\"state\":\"SUCCEEDED\"}");
    out.write(end, 0, end.length);
    java.util.List<ResultFrames.Frame> frames = ResultFrames.readAll(new ByteArrayInputStream(out.toByteArray()));
    assertEquals(2, frames.size());
    assertFalse(frames.get(0).isEnd());
    ResultFrames.Frame last = frames.get(1);
    assertTrue(last.isEnd());
    assertEquals(2, last.firstIndex());
    assertEquals(0, last.results().size(), "no items");
    assertEquals("{\"id\":\"j\",\"state\":\"SUCCEEDED\"}", last.endStatus());
    assertEquals(last, ResultFrames.decode(end, 0));
  }
}
