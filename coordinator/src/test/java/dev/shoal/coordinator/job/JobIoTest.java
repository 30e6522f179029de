package dev.shoal.coordinator.job;

import dev.shoal.api.JobState;
import dev.shoal.api.JobStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shoal.api.ChunkResults;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A job's source and sink as the job and the coordinator share them. */
class JobIoTest {

  private final ExecutorService sinkThreads = Executors.newFixedThreadPool(2);
  private final List<String> calls = Collections.synchronizedList(new ArrayList<>());
  private final CountDownLatch firstWriteMayEnd = new CountDownLatch(1);
  private boolean sourceClosed;

  private final ResultSink sink = new ResultSink() {
    @Override
    public void write(long firstIndex, ChunkResults results) throws IOException {
      if (firstIndex == 0) {
        await(firstWriteMayEnd);
      }
      if (firstIndex == 13) {
        throw new IOException("disk full");
      }
      calls.add("write " + firstIndex);
    }

    @Override
    public void close(JobStatus status) {
      calls.add("close " + status.state());
    }
  };

  private final ItemSource source = new ItemSource() {
    @Override
    public long total() {
      return 10;
    }

    @Override
    public java.util.concurrent.CompletionStage<dev.shoal.protocol.ItemBatch> next(int max) {
      throw new AssertionError("JobIo never reads");
    }

    @Override
    public void close() {
      sourceClosed = true;
    }
  };

  private final JobIo io = new JobIo(source, sink, sinkThreads);

  @AfterEach
  void tearDown() {
    sinkThreads.shutdownNow();
  }

  @Test
  void theSinkClosesOnceAfterEveryWriteAskedBeforeWithTheFirstClosersStatus() throws Exception {
    io.write(0, results());
    io.write(5, results());
    assertTrue(io.close(status(JobState.FAILED)));
    assertTrue(sourceClosed);
    assertFalse(io.close(status(JobState.SUCCEEDED)), "a second close counts");
    io.write(9, results());
    assertEquals(JobState.FAILED, io.closedWith().state());

    assertFalse(io.closed().isDone(), "the sink closed while a write was still running");
    firstWriteMayEnd.countDown();
    assertEquals(JobState.FAILED, io.closed().get(30, TimeUnit.SECONDS).state());
    assertEquals(List.of("write 0", "write 5", "close FAILED"), calls);
  }

  @Test
  void aFailedWriteFailsItsStageButDoesNotHoldTheCloseBack() throws Exception {
    firstWriteMayEnd.countDown();
    assertNull(io.closedWith());
    var failed = io.write(13, results());
    io.close(status(JobState.FAILED));
    assertEquals(JobState.FAILED, io.closed().get(30, TimeUnit.SECONDS).state());
    assertTrue(failed.isCompletedExceptionally());
    assertEquals(List.of("close FAILED"), calls);
  }

  private static ChunkResults results() {
    return new ChunkResults(new long[] {1}, null, List.of());
  }

  private static JobStatus status(JobState state) {
    return new JobStatus("j", "square", state, 10, 0, 0, 0, 0, 0, 0, 0, true, null, 0, 1, 0);
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(30, TimeUnit.SECONDS)) {
        throw new AssertionError("gave up waiting after 30 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
