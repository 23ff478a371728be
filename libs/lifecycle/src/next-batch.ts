import { nextBatchId } from './batch-id';

/** The last batch that was given a window: its id and the source snapshot its window ended at. */
export interface BatchPosition {
  batchId: string;
  sourceEndSnapshotId: string;
}

/** The batch to run next: its id and the source snapshots (start, end] it reads. */
export interface PendingBatch {
  batchId: string;
  sourceStartSnapshotId: string | null;
  sourceEndSnapshotId: string;
}

/**
 * The one rule that hands out batch numbers and windows. The batch after `last` reads the source
 * snapshots after the one `last` ended at, up to the source's current snapshot; there is none while the
 * source has not moved. The watcher asks it with the last window it published (it runs ahead of
 * classification), the CLI with the ledger's last committed classify, and the classifier checks with the
 * ledger that the watcher's event is the batch this rule gives. A batch whose classify never committed
 * has no position yet, so it is handed out again under the same number.
 *
 * Examples: (null, '7') → b-000001 reading (beginning, 7]; ({b-000003, 7}, '9') → b-000004 reading (7, 9];
 * ({b-000003, 7}, '7') → null; (anything, null) → null (an empty source).
 */
export function nextBatch(last: BatchPosition | null, currentSnapshotId: string | null): PendingBatch | null {
  const start = last?.sourceEndSnapshotId ?? null;
  if (currentSnapshotId === null || currentSnapshotId === start) return null;
  return { batchId: nextBatchId(last?.batchId), sourceStartSnapshotId: start, sourceEndSnapshotId: currentSnapshotId };
}

/** Example: {b-000004, (7, 9]} → 'b-000004 reading source snapshots (7, 9]'. */
export function describeBatch(b: PendingBatch): string {
  return `${b.batchId} reading source snapshots (${b.sourceStartSnapshotId ?? 'beginning'}, ${b.sourceEndSnapshotId}]`;
}
