import { readFileSync } from 'node:fs';
import { reportWinnersTable } from '@app/compiler';
import { PipelineConfig, TableName, columnModel, parseConfig } from '@app/config';
import { JobResult } from '@app/runner-client';
import { Progress, SummaryPipeline } from '@app/engine';
import { checksumQuery, dropJob, restoreJob, snapshotProbe } from './bench-jobs';
import { readSnapshots, snapshotsBetween, writeStats } from './iceberg-stats';
import { RecordingRunner } from './recording-runner';

type Json = Record<string, unknown>;

export function readRawConfig(path: string): Json {
  return JSON.parse(readFileSync(path, 'utf8')) as Json;
}

/**
 * The config with its tables moved to other namespaces of the same catalogs: the benchmark's table sets
 * (base, 3×, 10×, rebuild) live side by side. Example: namespace bench_x3 → local.bench_x3.summary, …;
 * `sourceNamespace` lets a set read another set's source (the full rebuild reads the base source).
 */
export function variantConfig(raw: Json, namespace: string, sourceNamespace = namespace): PipelineConfig {
  const catalog = typeof raw.default_catalog === 'string' ? raw.default_catalog : 'local';
  const move = (value: unknown, ns: string) => {
    const t = typeof value === 'string' ? TableName.parse(value, catalog) : undefined;
    return t ? new TableName(t.catalog, ns, t.table).plain : value;
  };
  const out: Json = {
    ...raw,
    source_table: move(raw.source_table, sourceNamespace),
    destination_table: move(raw.destination_table, namespace),
    latest_history_table: move(raw.latest_history_table, namespace),
  };
  if (raw.pipeline_tables && typeof raw.pipeline_tables === 'object') {
    out.pipeline_tables = Object.fromEntries(
      Object.entries(raw.pipeline_tables as Json).map(([k, v]) => [k, move(v, namespace)]),
    );
  }
  // SPEC §4b's report table is a second source: it moves with the source.
  if (raw.hist_rpt_dt_table !== undefined) out.hist_rpt_dt_table = move(raw.hist_rpt_dt_table, sourceNamespace);
  if (raw.unbounded_history && typeof raw.unbounded_history === 'object') {
    const u = raw.unbounded_history as Json;
    out.unbounded_history = { ...u, table: move(u.table, namespace) };
  }
  return parseConfig(out, `benchmark config (${namespace})`);
}

/**
 * The tables a pipeline run writes (everything but the sources): with SPEC §4b's report table also the
 * report winners table, with §4c the unbounded-history table.
 */
export function stateTables(config: PipelineConfig): TableName[] {
  return [
    config.summaryTable,
    config.latestTable,
    config.tables.rejects,
    config.tables.audit,
    config.tables.ledger,
    config.tables.batches,
    ...(config.reportDates ? [reportWinnersTable(config)] : []),
    ...(config.unboundedHistory ? [config.unboundedHistory.table] : []),
  ];
}

/** The tables a pipeline run reads new snapshots of: the source, and SPEC §4b's report table when configured. */
export function inputTables(config: PipelineConfig): TableName[] {
  return [config.sourceTable, ...(config.reportDates ? [config.reportDates.table] : [])];
}

/** Plain table name → its role (summary, latest, rejects, audit, ledger, batches, report winners, unbounded history), for the report. */
export function tableRoles(configs: PipelineConfig[]): Map<string, string> {
  const roles = new Map<string, string>();
  for (const c of configs) {
    const named: Record<string, TableName> = {
      summary: c.summaryTable,
      latest: c.latestTable,
      rejects: c.tables.rejects,
      audit: c.tables.audit,
      ledger: c.tables.ledger,
      batches: c.tables.batches,
    };
    if (c.reportDates) named['report winners'] = reportWinnersTable(c);
    if (c.unboundedHistory) named['unbounded history'] = c.unboundedHistory.table;
    for (const [role, table] of Object.entries(named)) roles.set(table.plain, role);
  }
  return roles;
}

export class BenchJobError extends Error {
  constructor(jobId: string, result: JobResult) {
    super(
      `benchmark job ${jobId} failed at step "${result.error?.step ?? '?'}": ${result.error?.type}: ${result.error?.message}`,
    );
    this.name = this.constructor.name;
  }
}

/** Current snapshot per table (plain name → id or null). */
export type SavedState = Map<string, { table: TableName; id: string | null }>;

export interface Checksum {
  rows: number;
  checksum: string;
}

/** One set of pipeline tables (source, summary, latest, state) with the operations the benchmark needs. */
export class TableSet {
  readonly pipeline: SummaryPipeline;

  constructor(
    readonly label: string,
    readonly config: PipelineConfig,
    readonly runner: RecordingRunner,
    progress: Progress,
  ) {
    this.pipeline = new SummaryPipeline(config, runner, progress);
  }

  async run(job: Parameters<RecordingRunner['runJob']>[0]): Promise<JobResult> {
    const result = await this.runner.runJob(job);
    if (result.status === 'failed') throw new BenchJobError(job.jobId, result);
    return result;
  }

  async save(tables: TableName[] = [...inputTables(this.config), ...stateTables(this.config)]): Promise<SavedState> {
    const result = await this.run(snapshotProbe(tables));
    return new Map(tables.map((t) => [t.plain, { table: t, id: result.snapshots[t.plain]?.after ?? null }]));
  }

  /** Rolls the saved tables back to their saved snapshots (only those that moved). */
  async restore(saved: SavedState): Promise<number> {
    const now = await this.save([...saved.values()].map((s) => s.table));
    const moved = [...saved.values()]
      .filter((s) => now.get(s.table.plain)!.id !== s.id)
      .map((s) => ({ table: s.table, to: s.id }));
    if (moved.length) await this.run(restoreJob(moved));
    return moved.length;
  }

  /** Runs an INSERT into the source (or `into`) as one commit; returns the rows it added (from the snapshot summary). */
  async append(
    sql: string,
    description: string,
    into: TableName = this.config.sourceTable,
  ): Promise<{ rows: number; snapshotId: string | null }> {
    const source = into;
    const result = await this.run({
      ...snapshotProbe([source]),
      jobId: 'bench-generate',
      description,
      steps: [{ name: description, kind: 'sql', sql }],
    });
    const snap = result.snapshots[source.plain];
    const stats = writeStats(snapshotsBetween(await readSnapshots(this.runner, source), snap.before, snap.after));
    return { rows: stats.addedRecords, snapshotId: snap.after };
  }

  async count(table: TableName): Promise<number> {
    return Number((await this.runner.query(`SELECT count(*) AS n FROM ${table.sql}`))[0].n);
  }

  async checksums(): Promise<{ summary: Checksum; latest: Checksum }> {
    const model = columnModel(this.config);
    const one = async (table: TableName, columns: string[]) => {
      const row = (await this.runner.query(checksumQuery(table, columns)))[0];
      return { rows: Number(row.n), checksum: String(row.checksum) };
    };
    return {
      summary: await one(this.config.summaryTable, model.summary),
      latest: await one(this.config.latestTable, model.latest),
    };
  }

  async drop(includeSource: boolean): Promise<void> {
    await this.run(dropJob([...(includeSource ? inputTables(this.config) : []), ...stateTables(this.config)]));
  }
}
