import { PipelineConfig, TableName, quoteIdent as q, quoteString as lit } from '@app/config';
import { JsonRow, RunnerClient, RunnerError } from '@app/runner-client';
import { reportWinnersTable } from '@app/compiler';

/**
 * The maintenance the pipeline schedules itself after every batch it commits (README "Table layout and
 * maintenance"). Summary and latest are merge-on-read (TABLE_LAYOUT in the compiler): a batch appends its
 * changed rows and one position-delete file per data file it touched, so each touched month partition
 * gains files and deletes every day. Applying them every day would be copy-on-write again; never applying
 * them makes every read slower. The policy in between: Iceberg's rewrite_data_files (bin-pack) rewrites a
 * partition once it has `filesPerPartition` data files, or a data file of it has `deleteFilesPerDataFile`
 * delete files or `deleteRatio` of its rows deleted. So a partition touched daily is rewritten about every
 * `filesPerPartition` batches: its amortized cost is that fraction of a rewrite, and a read never applies
 * more than that many delete files per data file. Manifests are rewritten once a table has
 * `manifestsPerTable` of them (each commit adds at least one; planning reads them all).
 */
export interface MaintenancePolicy {
  enabled: boolean;
  filesPerPartition: number;
  deleteFilesPerDataFile: number;
  deleteRatio: number;
  manifestsPerTable: number;
}

export const DEFAULT_MAINTENANCE: MaintenancePolicy = {
  enabled: true,
  filesPerPartition: 6,
  deleteFilesPerDataFile: 6,
  deleteRatio: 0.2,
  manifestsPerTable: 48,
};

/** A bad SUMMARY_MAINTENANCE* setting; nothing ran. Not retriable. */
export class MaintenancePolicyError extends Error {
  readonly retriable = false;
  constructor(message: string) {
    super(message);
    this.name = this.constructor.name;
  }
}

/**
 * The policy from the environment: SUMMARY_MAINTENANCE (`auto` | `off`), SUMMARY_COMPACT_FILES,
 * SUMMARY_COMPACT_DELETE_FILES, SUMMARY_COMPACT_DELETE_RATIO, SUMMARY_REWRITE_MANIFESTS.
 * Example: {SUMMARY_MAINTENANCE: 'off'} → {...DEFAULT_MAINTENANCE, enabled: false}.
 */
export function maintenancePolicyFromEnv(env: NodeJS.ProcessEnv = process.env): MaintenancePolicy {
  const mode = env.SUMMARY_MAINTENANCE ?? 'auto';
  if (mode !== 'auto' && mode !== 'off')
    throw new MaintenancePolicyError(`SUMMARY_MAINTENANCE: expected auto or off; received "${mode}"`);
  const int = (name: string, fallback: number) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    if (!/^[1-9]\d*$/.test(raw))
      throw new MaintenancePolicyError(`${name}: expected an integer ≥ 1; received "${raw}"`);
    return Number(raw);
  };
  const ratioRaw = env.SUMMARY_COMPACT_DELETE_RATIO;
  const ratio = ratioRaw === undefined || ratioRaw === '' ? DEFAULT_MAINTENANCE.deleteRatio : Number(ratioRaw);
  if (!(ratio > 0 && ratio <= 1))
    throw new MaintenancePolicyError(
      `SUMMARY_COMPACT_DELETE_RATIO: expected a number in (0, 1]; received "${ratioRaw}"`,
    );
  return {
    enabled: mode === 'auto',
    filesPerPartition: int('SUMMARY_COMPACT_FILES', DEFAULT_MAINTENANCE.filesPerPartition),
    deleteFilesPerDataFile: int('SUMMARY_COMPACT_DELETE_FILES', DEFAULT_MAINTENANCE.deleteFilesPerDataFile),
    deleteRatio: ratio,
    manifestsPerTable: int('SUMMARY_REWRITE_MANIFESTS', DEFAULT_MAINTENANCE.manifestsPerTable),
  };
}

/**
 * rewrite_data_files options of the policy. `min-input-files` counts the candidate files of a partition
 * (every file below 75% of the 512 MB target is one); `delete-file-threshold` and `delete-ratio-threshold`
 * make a partition due as soon as one of its files carries that many deletes; `remove-dangling-deletes`
 * drops the delete files the rewrite left pointing at nothing.
 */
export function compactionOptions(p: MaintenancePolicy): Record<string, string> {
  return {
    'min-input-files': String(p.filesPerPartition),
    'delete-file-threshold': String(p.deleteFilesPerDataFile),
    'delete-ratio-threshold': String(p.deleteRatio),
    'remove-dangling-deletes': 'true',
  };
}

const call = (t: TableName, name: string, args = '') =>
  `CALL ${q(t.catalog)}.system.${name}(table => ${lit(`${t.namespace}.${t.table}`)}${args ? `, ${args}` : ''})`;

/** `CALL `local`.system.rewrite_data_files(table => 'demo.summary', options => map('min-input-files', '10', …))` */
export function compactionCall(t: TableName, p: MaintenancePolicy): string {
  return call(
    t,
    'rewrite_data_files',
    `options => map(${Object.entries(compactionOptions(p))
      .map(([k, v]) => `${lit(k)}, ${lit(v)}`)
      .join(', ')})`,
  );
}

/**
 * One cheap metadata read per table (its `partitions` and `manifests` tables) that tells whether any
 * threshold can have been reached; the rewrite_data_files call, which plans over every file, runs only
 * then. A partition's delete-file count bounds the delete files of each of its data files, so "no
 * partition has that many" means "no file is due".
 */
export function dueQuery(t: TableName): string {
  return `SELECT max(file_count) AS max_files, max(position_delete_file_count) AS max_delete_files,
  max(position_delete_record_count / greatest(record_count, 1)) AS max_delete_ratio,
  (SELECT count(*) FROM ${t.sql}.${q('manifests')}) AS manifests
FROM ${t.sql}.${q('partitions')}`;
}

/**
 * dueQuery of every table at once, one row per table tagged with its place in `tables` (`i`): one statement
 * after a batch instead of one per table (each a round trip and a Spark job of its own, a fixed cost of
 * every batch, issue 22).
 */
export function dueQueries(tables: TableName[]): string {
  return tables.map((t, i) => `SELECT ${i} AS i, * FROM (${dueQuery(t)})`).join('\nUNION ALL\n');
}

/** Example: {max_files: 3, max_delete_files: 12, …} with the defaults → {compaction: true, manifests: false}. */
export function isDue(facts: JsonRow | undefined, p: MaintenancePolicy): { compaction: boolean; manifests: boolean } {
  return {
    compaction:
      num(facts, 'max_files') >= p.filesPerPartition ||
      num(facts, 'max_delete_files') >= p.deleteFilesPerDataFile ||
      num(facts, 'max_delete_ratio') >= p.deleteRatio,
    manifests: num(facts, 'manifests') >= p.manifestsPerTable,
  };
}

export interface TableMaintenance {
  table: string;
  /** Data files rewritten and written by the compaction (0 / 0 when nothing was due). */
  rewrittenFiles: number;
  addedFiles: number;
  removedDeleteFiles: number;
  manifestsRewritten: number;
  durationMs: number;
  error?: { type: string; message: string; retriable: boolean };
}

export interface MaintenanceOutcome {
  durationMs: number;
  tables: TableMaintenance[];
  /** One line per table that did something or failed, for progress output and the bench. */
  calls: string[];
}

const num = (row: JsonRow | undefined, key: string) => Number(row?.[key] ?? 0);

/**
 * The tables the batches write every day and the policy keeps: summary and latest, and with SPEC §4b/§4c on the
 * report winners (one small file per month a batch's report rows touch) and the unbounded history (a MERGE's
 * rows and position deletes every batch), which would otherwise gain files with every batch for good.
 */
export function maintainedTables(config: PipelineConfig): TableName[] {
  return [
    config.summaryTable,
    config.latestTable,
    ...(config.unboundedHistory ? [config.unboundedHistory.table] : []),
    ...(config.reportDates ? [reportWinnersTable(config)] : []),
  ];
}

/**
 * Runs the policy on the maintained tables (maintainedTables). Iceberg plans which partitions are due, so a call on a table
 * with nothing due commits nothing. A failed call (e.g. a commit conflict with a writer outside the
 * pipeline) is reported, not thrown: the next batch's maintenance tries again, and the data is right
 * either way.
 */
export async function maintainTables(
  runner: RunnerClient,
  config: PipelineConfig,
  policy: MaintenancePolicy,
): Promise<MaintenanceOutcome> {
  const began = Date.now();
  const tables: TableMaintenance[] = [];
  const targets = maintainedTables(config);
  // Which tables are due, read in one statement; if it fails, each table is tried on its own below so that the
  // error is reported against the table it belongs to.
  let facts: Array<JsonRow | undefined> | null = null;
  try {
    const rows = await runner.query(dueQueries(targets));
    facts = targets.map((_, i) => rows.find((r) => Number(r.i) === i));
  } catch (err) {
    if (!(err instanceof RunnerError) || err.type === 'RunnerExited') throw err;
  }
  for (const [i, t] of targets.entries()) {
    const started = Date.now();
    const m: TableMaintenance = {
      table: t.plain,
      rewrittenFiles: 0,
      addedFiles: 0,
      removedDeleteFiles: 0,
      manifestsRewritten: 0,
      durationMs: 0,
    };
    try {
      const due = isDue(facts ? facts[i] : (await runner.query(dueQuery(t)))[0], policy);
      if (due.compaction) {
        const [r] = await runner.query(compactionCall(t, policy));
        m.rewrittenFiles = num(r, 'rewritten_data_files_count');
        m.addedFiles = num(r, 'added_data_files_count');
        m.removedDeleteFiles = num(r, 'removed_delete_files_count');
      }
      if (due.manifests) {
        const [mr] = await runner.query(call(t, 'rewrite_manifests'));
        m.manifestsRewritten = num(mr, 'rewritten_manifests_count');
      }
    } catch (err) {
      if (!(err instanceof RunnerError) || err.type === 'RunnerExited') throw err;
      m.error = { type: err.type, message: err.message, retriable: err.retriable };
    }
    m.durationMs = Date.now() - started;
    tables.push(m);
  }
  const calls = tables.filter((m) => m.error || m.rewrittenFiles || m.manifestsRewritten).map(describeMaintenance);
  return { durationMs: Date.now() - began, tables, calls };
}

export function describeMaintenance(m: TableMaintenance): string {
  if (m.error)
    return `${m.table}: maintenance FAILED: ${m.error.type}: ${m.error.message}${m.error.retriable ? ' (retried after the next batch)' : ''}`;
  const parts: string[] = [];
  if (m.rewrittenFiles)
    parts.push(
      `compacted ${m.rewrittenFiles} data file(s) into ${m.addedFiles}${m.removedDeleteFiles ? `, dropped ${m.removedDeleteFiles} delete file(s)` : ''}`,
    );
  if (m.manifestsRewritten) parts.push(`rewrote ${m.manifestsRewritten} manifest(s)`);
  return `${m.table}: ${parts.join('; ') || 'nothing due'} in ${(m.durationMs / 1000).toFixed(1)} s`;
}
