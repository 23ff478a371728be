import { SnapshotInfo, TableSnapshots } from '@app/common';
import { PendingBatch, WATERMARK_PROPERTY } from '@app/lifecycle';

/** What the watcher publishes next: source snapshots (start, end] not yet announced. */
export interface SourceWindow {
  start: string | null;
  end: string;
  /** Snapshots in the window, oldest first. */
  snapshots: SnapshotInfo[];
  /** Max of the snapshots' `summary-pipeline.max-base-ts`; null when no snapshot in the window has it. */
  watermark: string | null;
}

export class WindowError extends Error {
  readonly retriable = false;
  constructor(message: string) {
    super(message);
    this.name = this.constructor.name;
  }
}

/**
 * The snapshots of `batch`'s window (lifecycle nextBatch: after the last announced end, up to the
 * current snapshot of main) and their watermark. Walks the end snapshot's ancestry back to the start, so
 * the window is exactly what an incremental append scan (start, end] reads.
 *
 * Example: snapshots 1 ← 2 ← 3, batch reading (1, 3] → {start "1", end "3", snapshots [2, 3]}.
 */
export function windowOf(table: TableSnapshots, batch: PendingBatch): SourceWindow {
  const { sourceStartSnapshotId: position, sourceEndSnapshotId: end } = batch;
  const chain = snapshotsBetween(table, position, end, 'the last announced snapshot');
  let watermark: string | null = null;
  for (const s of chain) {
    const w = s.summary[WATERMARK_PROPERTY];
    if (w && (watermark === null || w > watermark)) watermark = w;
  }
  return { start: position, end, snapshots: chain, watermark };
}

/** SPEC §4b: a batch's snapshots of the report-date table (start, end]; end null while that table has none. */
export interface ReportWindow {
  start: string | null;
  end: string | null;
  /** Snapshots in the window, oldest first; empty for a batch of source rows alone (start = end). */
  snapshots: SnapshotInfo[];
}

/**
 * The report-date table's part of `batch` (asked of nextBatch with that table's current snapshot), checked
 * like the source's: the last announced report snapshot must be an ancestor of the current one. Its
 * snapshots' watermark property is informational (docs/report-dates.md), so the window has none.
 *
 * Example: report snapshots 4 ← 5, batch reading report (4, 5] → {start "4", end "5", snapshots [5]}.
 */
export function reportWindowOf(table: TableSnapshots, batch: PendingBatch): ReportWindow {
  const start = batch.reportStartSnapshotId ?? null;
  const end = batch.reportEndSnapshotId ?? null;
  return {
    start,
    end,
    snapshots: end === null ? [] : snapshotsBetween(table, start, end, 'the last announced report-date snapshot'),
  };
}

/** The ancestry of `end` back to (not including) `position`, oldest first; `what` names the position in errors. */
function snapshotsBetween(table: TableSnapshots, position: string | null, end: string, what: string): SnapshotInfo[] {
  const chain: SnapshotInfo[] = [];
  let id: string | null = end;
  while (id !== null && id !== position) {
    const snapshot = table.snapshots.get(id);
    if (!snapshot) {
      if (position === null) break; // older history expired: the first window reads the table as of `end`
      throw new WindowError(
        `snapshot ${id} in the ancestry of ${end} is not in the table metadata (expired?); ${what} ${position} cannot be reached`,
      );
    }
    chain.push(snapshot);
    id = snapshot.parentId;
  }
  if (position !== null && id !== position) {
    throw new WindowError(
      `${what} ${position} is not an ancestor of the current snapshot ${end} (table rolled back or replaced); an operator must decide where to resume`,
    );
  }
  return chain.reverse();
}
