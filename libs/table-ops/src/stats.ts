import { COUNTS } from '@app/compiler';
import { PipelineConfig, quoteIdent as q } from '@app/config';
import {
  BatchState,
  batchFinished,
  batchesFromLedger,
  classifiedUpTo,
  parseCounts,
  SummaryPipeline,
  PIPELINE_TABLE_KEYS,
  PipelineTableKey,
  pipelineTable,
  readSnapshots,
  snapshotsAfter,
} from '@app/engine';

export interface TableStats {
  table: PipelineTableKey;
  name: string;
  snapshots: number;
  dataFiles: number;
  dataBytes: number;
  /** Position and equality delete files (merge-on-read writes). */
  deleteFiles: number;
}

export interface PipelineStats {
  summary: {
    rows: number;
    accounts: number;
    months: number;
    minMonth: string | null;
    maxMonth: string | null;
    maxBaseTs: string | null;
  };
  latest: { rows: number };
  tables: TableStats[];
  rejects: { total: number; byReason: Record<string, number> };
  /** The newest batch whose classify and every case committed. */
  lastCommittedBatch: { batchId: string; watermark: string | null; sourceEndSnapshotId: string } | null;
  pending: {
    sourceSnapshotId: string | null;
    /** End snapshot of the last classified batch; the next batch starts after it. */
    classifiedUpTo: string | null;
    /** Source snapshots after `classifiedUpTo`; null when their chain is broken (expired ancestors). */
    unclassifiedSnapshots: number | null;
    /** A batch classified (or being classified) whose cases have not all committed; `run` finishes it. */
    unfinishedBatch: { batchId: string; stage: 'classify' | 'cases' } | null;
  };
}

/**
 * Row, account and month counts of summary, and its newest base_ts.
 * Example (seed 000): SELECT count(*) AS `rows`, count(DISTINCT `cons_acct_key`) AS accounts, ...
 */
export function summaryStatsQuery(config: PipelineConfig): string {
  const month = q(config.monthColumn);
  return (
    `SELECT count(*) AS \`rows\`, count(DISTINCT ${q(config.keyColumn)}) AS accounts, count(DISTINCT ${month}) AS months, ` +
    `min(${month}) AS min_month, max(${month}) AS max_month, CAST(max(${q(config.tsColumn)}) AS STRING) AS max_base_ts FROM ${config.summaryTable.sql}`
  );
}

/**
 * Snapshot count, data files and bytes, delete files of each table, from the Iceberg metadata tables
 * `<table>.snapshots` and `<table>.files` (the current snapshot's files; content 0 = data): one query.
 */
export function tableStatsQuery(
  config: PipelineConfig,
  tables: readonly PipelineTableKey[] = PIPELINE_TABLE_KEYS,
): string {
  return tables
    .map((key) => {
      const t = pipelineTable(config, key).sql;
      return (
        `SELECT '${key}' AS tbl, s.snapshots, f.data_files, f.data_bytes, f.delete_files\n` +
        `FROM (SELECT count(*) AS snapshots FROM ${t}.${q('snapshots')}) s\n` +
        `CROSS JOIN (SELECT count_if(content = 0) AS data_files, coalesce(sum(CASE WHEN content = 0 THEN file_size_in_bytes END), 0) AS data_bytes, ` +
        `count_if(content <> 0) AS delete_files FROM ${t}.${q('files')}) f`
      );
    })
    .join('\nUNION ALL\n');
}

export function rejectsByReasonQuery(config: PipelineConfig): string {
  return `SELECT reason, count(*) AS n FROM ${config.tables.rejects.sql} GROUP BY reason ORDER BY reason`;
}

/** What the ledger says: the last fully committed batch, and a batch still to finish. */
export function ledgerStats(
  batches: BatchState[],
): Pick<PipelineStats, 'lastCommittedBatch'> & { unfinishedBatch: PipelineStats['pending']['unfinishedBatch'] } {
  const finished = batches.filter((b) => b.classify.status === 'committed' && batchFinished(b));
  const last = finished[finished.length - 1];
  const newest = batches[batches.length - 1];
  let unfinishedBatch: PipelineStats['pending']['unfinishedBatch'] = null;
  if (newest && newest.classify.status !== 'committed')
    unfinishedBatch = { batchId: newest.batchId, stage: 'classify' };
  else if (newest && !batchFinished(newest)) unfinishedBatch = { batchId: newest.batchId, stage: 'cases' };
  return {
    lastCommittedBatch: last
      ? {
          batchId: last.batchId,
          watermark: parseCounts(last.classify.result?.collected?.[COUNTS] ?? []).watermark,
          sourceEndSnapshotId: classifiedUpTo([last])!,
        }
      : null,
    unfinishedBatch,
  };
}

/** `summary-pipeline stats`: reads metadata tables, summary, latest, rejects and the ledger; writes nothing. */
export async function collectStats(pipeline: SummaryPipeline): Promise<PipelineStats> {
  const { config, runner } = pipeline;
  const [s] = await runner.query(summaryStatsQuery(config));
  const [l] = await runner.query(`SELECT count(*) AS n FROM ${config.latestTable.sql}`);
  const tables = (await runner.query(tableStatsQuery(config))).map((r) => ({
    table: r.tbl as PipelineTableKey,
    name: pipelineTable(config, r.tbl as PipelineTableKey).plain,
    snapshots: Number(r.snapshots),
    dataFiles: Number(r.data_files),
    dataBytes: Number(r.data_bytes),
    deleteFiles: Number(r.delete_files),
  }));
  const byReason = Object.fromEntries(
    (await runner.query(rejectsByReasonQuery(config))).map((r) => [String(r.reason), Number(r.n)]),
  );
  const batches = batchesFromLedger(await pipeline.ledger());
  const { lastCommittedBatch, unfinishedBatch } = ledgerStats(batches);
  const since = classifiedUpTo(batches);
  const current = await pipeline.currentSnapshot(config.sourceTable);
  const after = snapshotsAfter(await readSnapshots(runner, config.sourceTable), since, current);
  return {
    summary: {
      rows: Number(s.rows),
      accounts: Number(s.accounts),
      months: Number(s.months),
      minMonth: (s.min_month as string | null) ?? null,
      maxMonth: (s.max_month as string | null) ?? null,
      maxBaseTs: (s.max_base_ts as string | null) ?? null,
    },
    latest: { rows: Number(l.n) },
    tables,
    rejects: { total: Object.values(byReason).reduce((a, b) => a + b, 0), byReason },
    lastCommittedBatch,
    pending: {
      sourceSnapshotId: current,
      classifiedUpTo: since,
      unclassifiedSnapshots: after.complete ? after.ids.length : null,
      unfinishedBatch,
    },
  };
}
