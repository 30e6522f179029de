package dev.shoal.coordinator.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The upload buffer between a request body and its job: order, end, failure, and how it holds a fast writer back. */
class ItemUploadTest {

  @TempDir
  Path dir;

  private static ByteBuffer bytes(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void theReaderSeesEveryByteInOrderAndThenTheEnd() throws Exception {
    try (ItemUpload upload = ItemUpload.create(dir, 1 << 20)) {
      assertTrue(upload.begin());
      assertFalse(upload.begin(), "one upload per job");
      upload.append(bytes("1\n2\n"));
      upload.append(bytes("3\n"));
      upload.finish();
      assertArrayEquals("1\n2\n3\n".getBytes(StandardCharsets.UTF_8), upload.reader().readAllBytes());
      assertEquals(3, upload.linesReceived());
      assertEquals(6, upload.bytesReceived());
    }
  }

  @Test
  void aFailedUploadFailsTheReaderAfterTheBytesItStored() throws Exception {
    try (ItemUpload upload = ItemUpload.create(dir, 1 << 20)) {
      upload.begin();
      upload.append(bytes("1\n"));
      upload.fail("input ended before it was closed");
      InputStream in = upload.reader();
      assertEquals('1', in.read());
      assertEquals('\n', in.read());
      IOException e = assertThrows(IOException.class, in::read);
      assertEquals("input ended before it was closed", e.getMessage());
    }
  }

  @Test
  void aWriterAheadOfTheJobByMoreThanTheBufferWaitsUntilTheJobHasReadHalfOfIt() throws Exception {
    try (ItemUpload upload = ItemUpload.create(dir, 8)) {
      upload.begin();
      assertTrue(upload.append(bytes("1234")).toCompletableFuture().isDone(), "within the buffer: go on");
      CompletableFuture<Void> room = upload.append(bytes("56789\n")).toCompletableFuture();
      assertFalse(room.isDone(), "10 bytes wait unread, more than 8: the writer is held back");
      assertFalse(upload.idleFor(0), "a writer held back by the job is not idle");
      InputStream in = upload.reader();
      assertEquals(4, in.read(new byte[4]));
      assertFalse(room.isDone(), "6 bytes still wait, more than half the buffer");
      assertEquals(2, in.read(new byte[2]));
      room.get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void whenTheJobStopsReadingTheWriterIsRefusedAndTheFileDeleted() throws Exception {
    ItemUpload upload = ItemUpload.create(dir, 4);
    upload.begin();
    CompletableFuture<Void> room = upload.append(bytes("123456")).toCompletableFuture();
    upload.close();
    assertTrue(room.isCompletedExceptionally(), "a writer waiting for room learns the job has ended");
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> upload.append(bytes("7")));
    assertTrue(e.getMessage().contains("ended before its items were all uploaded"), e.getMessage());
    try (var files = Files.list(dir)) {
      assertEquals(0, files.count(), "the stored items are deleted with the job");
    }
  }

  @Test
  void anUploadNotBegunOrSilentIsIdleOnceItsTimeIsOver() throws Exception {
    try (ItemUpload upload = ItemUpload.create(dir, 1 << 20)) {
      assertTrue(upload.idleFor(-1));
      upload.begin();
      upload.finish();
      assertFalse(upload.idleFor(-1), "a finished upload is never idle");
    }
  }
}
