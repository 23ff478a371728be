import { COUNTS, CompiledJob, compileClassify, compileClassifyDryRun, isDeleted } from '@app/compiler';
import { CASE_ORDER } from '@app/domain';
import { PipelineConfig, TableName, columnModel, historyColumn, quoteIdent as q } from '@app/config';
import { nextBatch } from '@app/lifecycle';
import { BatchCounts, batchesFromLedger, ledgerPosition, parseCounts, SummaryPipeline } from '@app/engine';
import { Violation, integrityViolations } from './integrity';

export const EXPORTABLE = ['summary', 'latest_summary', 'unbounded_history', 'rejects', 'audit'] as const;
export type ExportableTable = (typeof EXPORTABLE)[number];

/** The query `export TABLE` runs: every column, sorted by key (then month) so files diff cleanly. */
export function exportQuery(config: PipelineConfig, table: ExportableTable): string {
  const key = q(config.keyColumn);
  const month = q(config.monthColumn);
  switch (table) {
    case 'summary': {
      // SPEC §4b's internal columns (column-model.ts) are the engine's, not the reader's.
      const model = columnModel(config);
      const columns = model.internal.length ? model.summary.map(q).join(', ') : '*';
      return `SELECT ${columns} FROM ${config.summaryTable.sql} ORDER BY ${key}, ${month}`;
    }
    case 'latest_summary':
      return `SELECT * FROM ${config.latestTable.sql} ORDER BY ${key}`;
    case 'unbounded_history': {
      // SPEC §4c's columns; the internal map of months (compiler unbounded.ts) is the engine's.
      if (!config.unboundedHistory)
        throw new Error('export unbounded_history: the config has no unbounded_history (SPEC §4c)');
      return `SELECT ${columnModel(config).unbounded.map(q).join(', ')} FROM ${config.unboundedHistory.table.sql} ORDER BY ${key}`;
    }
    case 'rejects':
      return `SELECT * FROM ${config.tables.rejects.sql} ORDER BY batch_id, key, month, source_row`;
    case 'audit':
      return `SELECT * FROM ${config.tables.audit.sql} ORDER BY occurred_at, event_id`;
  }
}

/** Per key, its summary row with the greatest month that is not deleted (SPEC §4a; every row with soft delete off). */
function latestOfSummary(config: PipelineConfig, t: TableName): string {
  const key = q(config.keyColumn);
  const deleted = isDeleted(config, '');
  return (
    `SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY ${key} ` +
    `ORDER BY ${q(config.monthColumn)} DESC) AS __rank ` +
    `FROM ${t.sql}${deleted ? ` WHERE NOT ${deleted}` : ''}) WHERE __rank = 1`
  );
}

/** SPEC §6 invariants as queries: each returns the offending rows. */
export function validationQueries(config: PipelineConfig): Record<string, string> {
  const model = columnModel(config);
  const key = q(config.keyColumn);
  const month = q(config.monthColumn);
  const sizes = config.rolling.map((r) => `coalesce(size(${q(historyColumn(r.name))}), -1) <> ${r.length}`);
  const differs = model.latest.map((c) => `NOT (l.${q(c)} <=> s.${q(c)})`).join(' OR ');
  return {
    'duplicate (key, month) in summary': `SELECT ${key}, ${month}, count(*) AS n FROM ${config.summaryTable.sql} GROUP BY ${key}, ${month} HAVING count(*) > 1`,
    'history array of wrong length in summary': sizes.length
      ? `SELECT ${key}, ${month} FROM ${config.summaryTable.sql} WHERE ${sizes.join(' OR ')}`
      : 'SELECT 1 WHERE false',
    'duplicate key in latest': `SELECT ${key}, count(*) AS n FROM ${config.latestTable.sql} GROUP BY ${key} HAVING count(*) > 1`,
    'latest differs from the newest summary row': `SELECT coalesce(l.${key}, s.${key}) AS ${key}, l.${month} AS latest_month, s.${month} AS summary_month
      FROM ${config.latestTable.sql} l FULL OUTER JOIN (${latestOfSummary(config, config.summaryTable)}) s ON l.${key} = s.${key}
      WHERE l.${key} IS NULL OR s.${key} IS NULL OR ${differs}`,
  };
}

/** The tables' invariants, then the ledger's and the staged batches' (integrity.ts): a jammed pipeline fails too. */
export async function validate(pipeline: SummaryPipeline): Promise<Violation[]> {
  const out: Violation[] = [];
  for (const [check, sql] of Object.entries(validationQueries(pipeline.config))) {
    const count = Number((await pipeline.runner.query(`SELECT count(*) AS n FROM (${sql})`))[0].n);
    const sample = count ? await pipeline.runner.query(`${sql} LIMIT 5`) : [];
    out.push({ check, count, sample });
  }
  return [...out, ...(await integrityViolations(pipeline))];
}

export interface DryRunPlan {
  batchId: string | null;
  sourceStartSnapshotId: string | null;
  sourceEndSnapshotId: string | null;
  counts: BatchCounts | null;
  jobs: CompiledJob[];
}

/** What `run` would do next, without writing: the pending range, its counts, and every compiled job. */
export async function planDryRun(pipeline: SummaryPipeline): Promise<DryRunPlan> {
  const position = ledgerPosition(batchesFromLedger(await pipeline.ledger()));
  const end = await pipeline.currentSnapshot(pipeline.config.sourceTable);
  const next = nextBatch(position, end);
  const start = position?.sourceEndSnapshotId ?? null;
  if (!next) return { batchId: null, sourceStartSnapshotId: start, sourceEndSnapshotId: end, counts: null, jobs: [] };
  const { batchId: id, sourceEndSnapshotId } = next;
  const dry = compileClassifyDryRun(pipeline.config, {
    batchId: id,
    sourceStartSnapshotId: start,
    sourceEndSnapshotId,
  });
  const result = await pipeline.mustCommit(dry);
  const counts = parseCounts(result.collected[COUNTS] ?? []);
  const jobs = [compileClassify(pipeline.config, { batchId: id, sourceStartSnapshotId: start, sourceEndSnapshotId })];
  for (const c of CASE_ORDER) if (counts.cases[c].rows > 0) jobs.push(pipeline.compileCase(id, c, counts));
  return { batchId: id, sourceStartSnapshotId: start, sourceEndSnapshotId, counts, jobs };
}
