package dev.shoal.coordinator.durable;

import dev.shoal.api.JobRequest;
import dev.shoal.api.FunctionKind;

/**
 * What a durable job was accepted with: enough to run it again from the start on any coordinator.
 *
 * @param itemsKey where its items are in the {@link ItemStore}; null for a range or an upload
 * @param rangeStart the first item of a range job
 * @param rangeEnd the end (exclusive) of a range job
 * @param upload its items come by {@code PUT /jobs/{id}/items}
 * @param total its items, -1 when unknown (an upload)
 */
public record JobRecord(String id, JobRequest request, FunctionKind kind, String itemsKey, long rangeStart,
    long rangeEnd, boolean upload, long total, long submittedAt) {

  public boolean isRange() {
    return itemsKey == null && !upload;
  }
}
