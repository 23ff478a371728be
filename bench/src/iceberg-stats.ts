import { TableName, quoteIdent as q } from '@app/config';
import { RunnerClient } from '@app/runner-client';

/** One row of `<table>.snapshots`. */
export interface SnapshotRow {
  id: string;
  parent: string | null;
  operation: string;
  summary: Record<string, string>;
  /** Epoch ms of the commit (the committing driver's clock: this machine's). */
  committedAtMs: number | null;
}

/** What a job's commits on one table did, from the Iceberg snapshot summaries. */
export interface WriteStats {
  snapshots: number;
  operations: string[];
  addedRecords: number;
  deletedRecords: number;
  addedDataFiles: number;
  removedDataFiles: number;
  addedDeleteFiles: number;
  addedPositionDeletes: number;
  addedBytes: number;
  removedBytes: number;
}

export const NO_WRITES: WriteStats = {
  snapshots: 0,
  operations: [],
  addedRecords: 0,
  deletedRecords: 0,
  addedDataFiles: 0,
  removedDataFiles: 0,
  addedDeleteFiles: 0,
  addedPositionDeletes: 0,
  addedBytes: 0,
  removedBytes: 0,
};

export async function readSnapshots(runner: RunnerClient, table: TableName): Promise<SnapshotRow[]> {
  const rows = await runner.query(
    `SELECT CAST(snapshot_id AS STRING) AS id, CAST(parent_id AS STRING) AS parent, operation, summary, ` +
      `unix_millis(committed_at) AS committed_ms FROM ${table.sql}.${q('snapshots')}`,
    1_000_000,
  );
  return rows.map((r) => ({
    id: String(r.id),
    parent: r.parent === null ? null : String(r.parent),
    operation: String(r.operation),
    summary: (r.summary ?? {}) as Record<string, string>,
    committedAtMs: r.committed_ms === null || r.committed_ms === undefined ? null : Number(r.committed_ms),
  }));
}

/**
 * The snapshots committed after `before` up to and including `after`, oldest first, following parent
 * links from `after` (rolled-back snapshots stay in the table but are not on that chain).
 * Example: chain 1 ← 2 ← 3, before 1, after 3 → [2, 3]. Throws when `before` is not an ancestor of `after`.
 */
export function snapshotsBetween(rows: SnapshotRow[], before: string | null, after: string | null): SnapshotRow[] {
  const byId = new Map(rows.map((r) => [r.id, r]));
  const out: SnapshotRow[] = [];
  let id = after;
  while (id !== before) {
    if (id === null) throw new Error(`snapshot ${before} is not an ancestor of ${after}`);
    const row = byId.get(id);
    if (!row) throw new Error(`snapshot ${id} is not in the snapshots table`);
    out.push(row);
    id = row.parent;
  }
  return out.reverse();
}

const n = (s: Record<string, string>, key: string) => Number(s[key] ?? 0);

export function writeStats(snapshots: SnapshotRow[]): WriteStats {
  return snapshots.reduce<WriteStats>(
    (acc, { operation, summary: s }) => ({
      snapshots: acc.snapshots + 1,
      operations: [...acc.operations, operation],
      addedRecords: acc.addedRecords + n(s, 'added-records'),
      deletedRecords: acc.deletedRecords + n(s, 'deleted-records'),
      addedDataFiles: acc.addedDataFiles + n(s, 'added-data-files'),
      removedDataFiles: acc.removedDataFiles + n(s, 'deleted-data-files'),
      addedDeleteFiles: acc.addedDeleteFiles + n(s, 'added-delete-files'),
      addedPositionDeletes: acc.addedPositionDeletes + n(s, 'added-position-deletes'),
      addedBytes: acc.addedBytes + n(s, 'added-files-size'),
      removedBytes: acc.removedBytes + n(s, 'removed-files-size'),
    }),
    { ...NO_WRITES, operations: [] },
  );
}

export function addWrites(a: WriteStats, b: WriteStats): WriteStats {
  return {
    snapshots: a.snapshots + b.snapshots,
    operations: [...a.operations, ...b.operations],
    addedRecords: a.addedRecords + b.addedRecords,
    deletedRecords: a.deletedRecords + b.deletedRecords,
    addedDataFiles: a.addedDataFiles + b.addedDataFiles,
    removedDataFiles: a.removedDataFiles + b.removedDataFiles,
    addedDeleteFiles: a.addedDeleteFiles + b.addedDeleteFiles,
    addedPositionDeletes: a.addedPositionDeletes + b.addedPositionDeletes,
    addedBytes: a.addedBytes + b.addedBytes,
    removedBytes: a.removedBytes + b.removedBytes,
  };
}

/**
 * How many of `commits` (epoch ms) fall in each step: a commit belongs to the last step that started at or
 * before it; one before the first step (or without a time) belongs to none.
 * Example: steps starting at 100, 200, 300; commits at 250, 310, 320 → [0, 1, 2].
 */
export function commitsPerStep(stepStarts: (number | undefined)[], commits: (number | null)[]): number[] {
  const counts = stepStarts.map(() => 0);
  for (const at of commits) {
    if (at === null) continue;
    let owner = -1;
    stepStarts.forEach((start, i) => {
      if (start !== undefined && start <= at) owner = i;
    });
    if (owner >= 0) counts[owner] += 1;
  }
  return counts;
}
