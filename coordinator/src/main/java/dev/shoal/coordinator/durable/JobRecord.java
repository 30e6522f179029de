package dev.shoal.coordinator.durable;

import dev.shoal.api.JobRequest;
import dev.shoal.api.FunctionKind;
import java.util.List;

/**
 * What a durable job was accepted with: enough to run it again from the start on any coordinator.
 *
 * @param itemsKey where its items are in the {@link ItemStore}; null for a range or an upload
 * @param rangeStart the first item of a range job
 * @param rangeEnd the end (exclusive) of a range job
 * @param upload its items come by {@code PUT /jobs/{id}/items}
 * @param total its items, -1 when unknown (an upload)
 * @param items a small job's items themselves (JSON texts), kept in the record instead of the
 *     {@link ItemStore}: one commit fewer before the job is accepted; null otherwise, and once the
 *     job has ended ({@link #withoutItems}), so the journal's list of jobs stays small
 */
public record JobRecord(String id, JobRequest request, FunctionKind kind, String itemsKey, long rangeStart,
    long rangeEnd, boolean upload, long total, long submittedAt, List<String> items) {

  public boolean isRange() {
    return itemsKey == null && !upload && items == null;
  }

  /** The record of an ended job: its items are no longer needed. */
  public JobRecord withoutItems() {
    return items == null ? this
        : new JobRecord(id, request, kind, itemsKey, rangeStart, rangeEnd, upload, total, submittedAt, null);
  }
}
