import { PipelineConfig, TableName, quoteIdent as q } from '@app/config';
import { RunnerClient } from '@app/runner-client';

/** The tables `stats` and `optimize` name on the command line. */
export const PIPELINE_TABLE_KEYS = ['source', 'summary', 'latest', 'ledger', 'batches', 'rejects', 'audit'] as const;
export type PipelineTableKey = (typeof PIPELINE_TABLE_KEYS)[number];

export function pipelineTable(config: PipelineConfig, key: PipelineTableKey): TableName {
  if (key === 'source') return config.sourceTable;
  if (key === 'summary') return config.summaryTable;
  if (key === 'latest') return config.latestTable;
  return config.tables[key];
}

/** One row of `<table>.snapshots`; ids and times as strings (64-bit ids do not fit a JSON number). */
export interface SnapshotRow {
  id: string;
  parent: string | null;
  /** UTC, as Spark prints a timestamp: '2025-01-31 10:00:00.123'; usable in a TIMESTAMP literal. */
  committedAt: string;
  summary: Record<string, string>;
}

export function snapshotsQuery(table: TableName): string {
  return (
    `SELECT CAST(snapshot_id AS STRING) AS id, CAST(parent_id AS STRING) AS parent, ` +
    `CAST(committed_at AS STRING) AS committed_at, summary FROM ${table.sql}.${q('snapshots')}`
  );
}

export async function readSnapshots(runner: RunnerClient, table: TableName): Promise<SnapshotRow[]> {
  const rows = await runner.query(snapshotsQuery(table), 1_000_000);
  return rows.map((r) => ({
    id: String(r.id),
    parent: r.parent === null || r.parent === undefined ? null : String(r.parent),
    committedAt: String(r.committed_at),
    summary: (r.summary ?? {}) as Record<string, string>,
  }));
}

/**
 * The snapshots after `since` up to and including `current`, following parent links (so a rolled-back
 * snapshot is not counted). `complete` is false when the chain breaks before reaching `since` (its
 * ancestors were expired): the ids are then a lower bound.
 * Example: chain 1 ← 2 ← 3, since 1, current 3 → {ids: [2, 3], complete: true}; since null → [1, 2, 3].
 */
export function snapshotsAfter(
  rows: SnapshotRow[],
  since: string | null,
  current: string | null,
): { ids: string[]; complete: boolean } {
  const byId = new Map(rows.map((r) => [r.id, r]));
  const ids: string[] = [];
  let id = current;
  while (id !== null && id !== since) {
    const row = byId.get(id);
    if (!row) return { ids: ids.reverse(), complete: false };
    ids.push(id);
    id = row.parent;
  }
  return { ids: ids.reverse(), complete: id === since };
}
