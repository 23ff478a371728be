import { nextBatchId } from './batch-id';

/** The last batch that was given a window: its id and the source snapshot its window ended at. */
export interface BatchPosition {
  batchId: string;
  sourceEndSnapshotId: string;
  /** SPEC §4b: the report-date snapshot the window ended at (null: none read yet; absent without the report table). */
  reportEndSnapshotId?: string | null;
}

/** The batch to run next: its id and the source snapshots (start, end] it reads. */
export interface PendingBatch {
  batchId: string;
  sourceStartSnapshotId: string | null;
  sourceEndSnapshotId: string;
  /** SPEC §4b: the report-date snapshots (start, end] the batch reads; absent when not asked for. */
  reportStartSnapshotId?: string | null;
  reportEndSnapshotId?: string | null;
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
 * With the report table (SPEC §4b), the third argument: ({b-000003, 7, report 3}, '7', '5') → b-000004
 * reading source (7, 7] (nothing) and report (3, 5].
 */
export function nextBatch(
  last: BatchPosition | null,
  currentSnapshotId: string | null,
  currentReportSnapshotId?: string | null,
): PendingBatch | null {
  const start = last?.sourceEndSnapshotId ?? null;
  if (currentReportSnapshotId === undefined) {
    if (currentSnapshotId === null || currentSnapshotId === start) return null;
    return {
      batchId: nextBatchId(last?.batchId),
      sourceStartSnapshotId: start,
      sourceEndSnapshotId: currentSnapshotId,
    };
  }
  // SPEC §4b: either table's new snapshots make a batch (report rows alone are a batch). Report rows wait
  // while the source has no snapshot at all: a batch's source range needs an end.
  const reportStart = last?.reportEndSnapshotId ?? null;
  const sourceEnd = currentSnapshotId ?? start;
  const reportMoved = currentReportSnapshotId !== null && currentReportSnapshotId !== reportStart;
  if (sourceEnd === null || (sourceEnd === start && !reportMoved)) return null;
  return {
    batchId: nextBatchId(last?.batchId),
    sourceStartSnapshotId: start,
    sourceEndSnapshotId: sourceEnd,
    reportStartSnapshotId: reportStart,
    reportEndSnapshotId: currentReportSnapshotId ?? reportStart,
  };
}

/**
 * Examples: {b-000004, (7, 9]} → 'b-000004 reading source snapshots (7, 9]'; with a report range (SPEC §4b)
 * {b-000005, (9, 9], report (3, 5]} → 'b-000005 reading source snapshots (9, 9] and report-date snapshots (3, 5]'.
 * A report range that is null at both ends (no report table, or none of its snapshots yet) is not named.
 */
export function describeBatch(b: PendingBatch): string {
  const source = `${b.batchId} reading source snapshots (${b.sourceStartSnapshotId ?? 'beginning'}, ${b.sourceEndSnapshotId}]`;
  const reportStart = b.reportStartSnapshotId ?? null;
  const reportEnd = b.reportEndSnapshotId ?? null;
  if (reportStart === null && reportEnd === null) return source;
  return `${source} and report-date snapshots (${reportStart ?? 'beginning'}, ${reportEnd ?? 'none'}]`;
}
