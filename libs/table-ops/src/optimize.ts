import { TableName, PipelineConfig, quoteIdent as q, quoteString as lit } from '@app/config';
import {
  batchesFromLedger,
  classifiedUpTo,
  SummaryPipeline,
  PipelineTableKey,
  pipelineTable,
  readSnapshots,
} from '@app/engine';
import { JsonRow, RunnerError } from '@app/runner-client';

/** A bad `optimize` option; nothing was run. Not retriable. */
export class OptimizeOptionError extends Error {
  readonly retriable = false;
  constructor(message: string) {
    super(message);
    this.name = this.constructor.name;
  }
}

/** The tables `optimize` maintains by default: every table the pipeline writes. Never the source. */
export const OPTIMIZE_TABLES: PipelineTableKey[] = ['summary', 'latest', 'ledger', 'batches', 'rejects', 'audit'];

export const OPTIMIZE_DEFAULTS = { retainDays: 7, retainLast: 20 } as const;

/**
 * rewrite_data_files options. min-input-files: files to compact per group (partition); Iceberg's default
 * of 5 is too many for daily batches. delete-file-threshold 1: a data file with any position delete
 * (merge-on-read MERGE) is rewritten, so its deletes are applied; remove-dangling-deletes: the delete files
 * that then point at nothing are dropped (partitioned tables; an unpartitioned table drops them at a
 * later commit, once compaction moved its data sequence number past them).
 */
export const REWRITE_OPTIONS: Record<string, string> = {
  'min-input-files': '2',
  'delete-file-threshold': '1',
  'remove-dangling-deletes': 'true',
};

export interface OptimizeOptions {
  tables: PipelineTableKey[];
  /** Snapshots older than this many days are expired (at least `retainLast` are kept). */
  retainDays: number;
  retainLast: number;
  dryRun: boolean;
  includeSource: boolean;
}

/**
 * Command-line strings → options, every problem named.
 * Example: {tables: 'summary,latest', retainDays: '3'} → {tables: ['summary', 'latest'], retainDays: 3, retainLast: 20, ...}.
 */
export function parseOptimizeOptions(raw: {
  tables?: string;
  retainDays?: string;
  retainLast?: string;
  dryRun?: boolean;
  includeSource?: boolean;
}): OptimizeOptions {
  const tables =
    raw.tables === undefined
      ? [...OPTIMIZE_TABLES]
      : raw.tables
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean);
  for (const t of tables) {
    if (t === 'source')
      throw new OptimizeOptionError(
        '--tables: the source is never compacted (the watcher and classify read its append snapshots); use --include-source to expire its old snapshots',
      );
    if (!OPTIMIZE_TABLES.includes(t as PipelineTableKey))
      throw new OptimizeOptionError(
        `--tables: unknown table "${t}"; expected a comma-separated list of ${OPTIMIZE_TABLES.join(', ')}`,
      );
  }
  if (!tables.length && !raw.includeSource)
    throw new OptimizeOptionError(
      `--tables: expected at least one of ${OPTIMIZE_TABLES.join(', ')}; received "${raw.tables}"`,
    );
  if (raw.retainDays !== undefined && !/^\d+(\.\d+)?$/.test(raw.retainDays))
    throw new OptimizeOptionError(`--retain-days: expected a number of days ≥ 0; received "${raw.retainDays}"`);
  if (raw.retainLast !== undefined && !/^[1-9]\d*$/.test(raw.retainLast))
    throw new OptimizeOptionError(`--retain-last: expected an integer ≥ 1; received "${raw.retainLast}"`);
  const retainDays = raw.retainDays === undefined ? OPTIMIZE_DEFAULTS.retainDays : Number(raw.retainDays);
  const retainLast = raw.retainLast === undefined ? OPTIMIZE_DEFAULTS.retainLast : Number(raw.retainLast);
  return {
    tables: [...new Set(tables)] as PipelineTableKey[],
    retainDays,
    retainLast,
    dryRun: Boolean(raw.dryRun),
    includeSource: Boolean(raw.includeSource),
  };
}

/** A Date as a Spark TIMESTAMP literal's text in the runner's session time zone (UTC): '2025-01-31 10:00:00'. */
export function sparkTimestamp(at: Date): string {
  return at.toISOString().slice(0, 19).replace('T', ' ');
}

const procedure = (t: TableName, name: string, args: string) =>
  `CALL ${q(t.catalog)}.system.${name}(table => ${lit(`${t.namespace}.${t.table}`)}, ${args})`;

const optionMap = (o: Record<string, string>) =>
  `options => map(${Object.entries(o)
    .map(([k, v]) => `${lit(k)}, ${lit(v)}`)
    .join(', ')})`;

/** `CALL `local`.system.rewrite_data_files(table => 'demo.summary', options => map('min-input-files', '2', …))` */
export function rewriteDataFilesCall(t: TableName): string {
  return procedure(t, 'rewrite_data_files', optionMap(REWRITE_OPTIONS));
}

export function rewritePositionDeletesCall(t: TableName): string {
  return procedure(
    t,
    'rewrite_position_delete_files',
    optionMap({ 'min-input-files': REWRITE_OPTIONS['min-input-files'] }),
  );
}

/**
 * Iceberg 1.10.x fails rewrite_position_delete_files on a table with an array column ("Invalid partition
 * field parent: list<int>", apache/iceberg#15080, fixed upstream by #15079): summary and latest hold the
 * history arrays. Their deletes are applied by rewrite_data_files instead (REWRITE_OPTIONS). Drop this
 * when the pinned Iceberg has the fix.
 */
export function hasArrayColumns(config: PipelineConfig, table: PipelineTableKey): boolean {
  return (table === 'summary' || table === 'latest') && config.rolling.length > 0;
}

/** `CALL `local`.system.expire_snapshots(table => 'demo.summary', older_than => TIMESTAMP '2025-01-24 03:30:00', retain_last => 20)` */
export function expireSnapshotsCall(t: TableName, olderThan: string, retainLast: number): string {
  return procedure(t, 'expire_snapshots', `older_than => TIMESTAMP ${lit(olderThan)}, retain_last => ${retainLast}`);
}

export type MaintenanceProcedure = 'rewrite_data_files' | 'rewrite_position_delete_files' | 'expire_snapshots';

export interface MaintenanceCall {
  table: PipelineTableKey;
  name: string;
  procedure: MaintenanceProcedure;
  sql: string;
}

/** What the plan needs to know about the tables: read from metadata, never written. */
export interface OptimizeFacts {
  /** Delete files per table (merge-on-read writes); a table without any needs no delete rewrite. */
  deleteFiles: Partial<Record<PipelineTableKey, number>>;
  /** Commit time of the source snapshot the last classified batch ended at; null before the first batch. */
  sourceKeepFrom: string | null;
  now: Date;
}

export interface OptimizePlan {
  calls: MaintenanceCall[];
  /** Why something is left out, for the log. */
  notes: string[];
}

/**
 * The procedure calls, per table in order: rewrite_data_files, rewrite_position_delete_files (only with
 * delete files, and not on summary/latest: hasArrayColumns), expire_snapshots. The source only with `includeSource`, and then only expire_snapshots:
 * never a rewrite: classify reads a batch with an incremental *append* scan (the files the append snapshots
 * of its window added), and a compaction replaces those files by a `replace` snapshot's that no append scan
 * reads, so rows not yet processed would be skipped. Its cut-off is
 * the earlier of `retainDays` ago and the commit time of the end snapshot of the last classified batch:
 * the next batch is an incremental append scan starting from that snapshot, so it and every later one
 * must survive (expire_snapshots removes only snapshots strictly older than `older_than`).
 */
export function planOptimize(config: PipelineConfig, options: OptimizeOptions, facts: OptimizeFacts): OptimizePlan {
  const calls: MaintenanceCall[] = [];
  const notes: string[] = [];
  const cutoff = sparkTimestamp(new Date(facts.now.getTime() - options.retainDays * 86_400_000));
  const add = (table: PipelineTableKey, p: MaintenanceProcedure, sql: string) =>
    calls.push({ table, name: pipelineTable(config, table).plain, procedure: p, sql });
  for (const key of options.tables) {
    const t = pipelineTable(config, key);
    add(key, 'rewrite_data_files', rewriteDataFilesCall(t));
    const deletes = facts.deleteFiles[key] ?? 0;
    if (deletes === 0) notes.push(`${key}: no delete files, no rewrite_position_delete_files`);
    else if (hasArrayColumns(config, key))
      notes.push(
        `${key}: ${deletes} delete file(s), applied by rewrite_data_files; ` +
          `no rewrite_position_delete_files (fails on array columns in Iceberg 1.10, apache/iceberg#15080)`,
      );
    else add(key, 'rewrite_position_delete_files', rewritePositionDeletesCall(t));
    add(key, 'expire_snapshots', expireSnapshotsCall(t, cutoff, options.retainLast));
  }
  if (options.includeSource) {
    if (facts.sourceKeepFrom === null)
      notes.push('source: no batch classified yet, so every source snapshot may still be read; not expired');
    else {
      const olderThan = facts.sourceKeepFrom < cutoff ? facts.sourceKeepFrom : cutoff;
      add('source', 'expire_snapshots', expireSnapshotsCall(config.sourceTable, olderThan, options.retainLast));
      notes.push(
        `source: expire only, before ${olderThan} (kept: the last classified batch's end snapshot of ${facts.sourceKeepFrom} and everything after it)`,
      );
    }
  }
  return { calls, notes };
}

/** Reads what planOptimize needs: delete-file counts of the chosen tables and the source's keep-from time. */
export async function optimizeFacts(
  pipeline: SummaryPipeline,
  options: OptimizeOptions,
  now = new Date(),
): Promise<OptimizeFacts> {
  const { config, runner } = pipeline;
  const deleteFiles: OptimizeFacts['deleteFiles'] = {};
  for (const key of options.tables) {
    const [r] = await runner.query(
      `SELECT count(*) AS n FROM ${pipelineTable(config, key).sql}.${q('files')} WHERE content <> 0`,
    );
    deleteFiles[key] = Number(r.n);
  }
  let sourceKeepFrom: string | null = null;
  if (options.includeSource) {
    const end = classifiedUpTo(batchesFromLedger(await pipeline.ledger()));
    if (end !== null) {
      const snapshot = (await readSnapshots(runner, config.sourceTable)).find((s) => s.id === end);
      // The end snapshot is gone only if something else expired it; then nothing older is needed either.
      if (!snapshot)
        throw new OptimizeOptionError(
          `--include-source: the last classified batch ended at source snapshot ${end}, ` +
            `which is no longer in ${config.sourceTable.plain}.snapshots; refusing to expire anything of the source`,
        );
      sourceKeepFrom = snapshot.committedAt;
    }
  }
  return { deleteFiles, sourceKeepFrom, now };
}

export interface CallOutcome {
  call: MaintenanceCall;
  /** Why the call was not made: rewrite_data_files left no delete file to rewrite. */
  skipped?: string;
  /** The procedure's result rows (Iceberg's counts); empty when it failed. */
  rows: JsonRow[];
  /** expire_snapshots: snapshots before and after. */
  snapshots?: { before: number; after: number };
  error?: { type: string; message: string; retriable: boolean };
}

const n = (row: JsonRow | undefined, key: string) => Number(row?.[key] ?? 0);

/** One line per call, from the procedure's own result row. */
export function describeOutcome(o: CallOutcome): string {
  if (o.skipped) return `${o.call.table}: ${o.call.procedure} skipped: ${o.skipped}`;
  if (o.error)
    return `${o.call.table}: ${o.call.procedure} FAILED: ${o.error.type}: ${o.error.message}${o.error.retriable ? ' (retriable: run again)' : ''}`;
  const r = o.rows[0];
  switch (o.call.procedure) {
    case 'rewrite_data_files':
      return (
        `${o.call.table}: rewrote ${n(r, 'rewritten_data_files_count')} data file(s) ` +
        `(${n(r, 'rewritten_bytes_count')} bytes) into ${n(r, 'added_data_files_count')}` +
        (n(r, 'removed_delete_files_count')
          ? `, removed ${n(r, 'removed_delete_files_count')} dangling delete file(s)`
          : '') +
        (n(r, 'failed_data_files_count') ? `, ${n(r, 'failed_data_files_count')} failed` : '')
      );
    case 'rewrite_position_delete_files':
      return `${o.call.table}: rewrote ${n(r, 'rewritten_delete_files_count')} position delete file(s) into ${n(r, 'added_delete_files_count')}`;
    case 'expire_snapshots':
      return (
        `${o.call.table}: expired ${o.snapshots ? o.snapshots.before - o.snapshots.after : '?'} snapshot(s) (${o.snapshots?.after ?? '?'} left); deleted ` +
        `${n(r, 'deleted_data_files_count')} data, ${n(r, 'deleted_position_delete_files_count') + n(r, 'deleted_equality_delete_files_count')} delete, ` +
        `${n(r, 'deleted_manifest_files_count')} manifest and ${n(r, 'deleted_manifest_lists_count')} manifest-list file(s)`
      );
  }
}

/**
 * Runs the calls in order. A call that fails (e.g. a commit conflict with a batch running at the same
 * time) is reported and the next call runs: maintenance of one table does not depend on another's.
 */
export async function runOptimize(
  pipeline: SummaryPipeline,
  plan: OptimizePlan,
  progress: (m: string) => void = () => undefined,
): Promise<CallOutcome[]> {
  const outcomes: CallOutcome[] = [];
  for (const call of plan.calls) {
    let outcome: CallOutcome;
    try {
      outcome = await runCall(pipeline, call);
    } catch (err) {
      if (!(err instanceof RunnerError) || err.type === 'RunnerExited') throw err;
      outcome = { call, rows: [], error: { type: err.type, message: err.message, retriable: err.retriable } };
    }
    outcomes.push(outcome);
    progress(describeOutcome(outcome));
  }
  return outcomes;
}

async function runCall(pipeline: SummaryPipeline, call: MaintenanceCall): Promise<CallOutcome> {
  const count = async (metadata: string, where = 'true') =>
    Number(
      (
        await pipeline.runner.query(
          `SELECT count(*) AS n FROM ${pipelineTable(pipeline.config, call.table).sql}.${q(metadata)} WHERE ${where}`,
        )
      )[0].n,
    );
  // Planned from the delete files before compaction; rewrite_data_files may have removed them all.
  if (call.procedure === 'rewrite_position_delete_files' && (await count('files', 'content <> 0')) === 0) {
    return { call, rows: [], skipped: 'rewrite_data_files left no delete file' };
  }
  if (call.procedure !== 'expire_snapshots') return { call, rows: await pipeline.runner.query(call.sql) };
  const before = await count('snapshots');
  const rows = await pipeline.runner.query(call.sql);
  return { call, rows, snapshots: { before, after: await count('snapshots') } };
}
