import { TableName, quoteIdent as q } from '@app/config';
import { RunnerClient } from '@app/engine';

/** One row of `<table>.snapshots`. */
export interface SnapshotRow {
  id: string;
  parent: string | null;
  operation: string;
  summary: Record<string, string>;
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
  snapshots: 0, operations: [], addedRecords: 0, deletedRecords: 0, addedDataFiles: 0, removedDataFiles: 0, addedDeleteFiles: 0, addedPositionDeletes: 0, addedBytes: 0, removedBytes: 0,
};

export async function readSnapshots(runner: RunnerClient, table: TableName): Promise<SnapshotRow[]> {
  const rows = await runner.query(`SELECT CAST(snapshot_id AS STRING) AS id, CAST(parent_id AS STRING) AS parent, operation, summary FROM ${table.sql}.${q('snapshots')}`, 1_000_000);
  return rows.map((r) => ({ id: String(r.id), parent: r.parent === null ? null : String(r.parent), operation: String(r.operation), summary: (r.summary ?? {}) as Record<string, string> }));
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
