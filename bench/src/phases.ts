import { CASE_ORDER, CaseName } from '@app/compiler';
import { columnModel } from '@app/config';
import { Amplification, amplification, changedRowsQuery, summaryRowsWritten } from './amplification';
import { WriteMode, noopLedgerJob, writeModeJob } from './bench-jobs';
import { DataShape, batchComposition, batchSql, historySql } from './generator';
import { RunSample, measurePending } from './measure';
import { BenchSizes } from './options';
import { RecordingRunner } from './recording-runner';
import { Checksum, SavedState, TableSet, stateTables, variantConfig } from './table-set';

export type Log = (message: string) => void;

export interface BenchContext {
  runner: RecordingRunner;
  raw: Record<string, unknown>;
  shape: DataShape;
  sizes: BenchSizes;
  repeat: number;
  log: Log;
  /** The pipeline's own progress lines (with -v). */
  pipelineLog: Log;
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Runs `work` as a named phase: "[bench] name …" then "[bench] name: done in 12.3 s". */
export async function phase<T>(log: Log, name: string, work: () => Promise<T>): Promise<T> {
  const began = Date.now();
  log(`${name} …`);
  const out = await work();
  log(`${name}: done in ${secs(Date.now() - began)}`);
  return out;
}

export function tableSet(ctx: BenchContext, namespace: string, sourceNamespace = namespace): TableSet {
  return new TableSet(namespace, variantConfig(ctx.raw, namespace, sourceNamespace), ctx.runner, ctx.pipelineLog);
}

export interface LoadChunk {
  source_rows: number;
  generate_s: number;
  load_s: number;
  classify_s: number;
  case_i_s: number;
}

export interface BuiltTable {
  set: TableSet;
  accounts: number;
  sourceRows: number;
  summaryRows: number;
  latestRows: number;
  chunks: LoadChunk[];
  buildMs: number;
}

const jobSeconds = (s: RunSample, label: string) =>
  s.jobs.filter((j) => j.label === label).reduce((a, j) => a + j.durationMs, 0) / 1000;

/**
 * Creates a set's tables and fills summary and latest through the pipeline's own initial load: history
 * rows generated into the source, then SummaryPipeline.runPending (classify + CASE_I), one batch per
 * chunk of at most loadChunkAccounts accounts (chunks interleave the key range, see historySql).
 */
export async function buildTable(ctx: BenchContext, namespace: string, factor: number): Promise<BuiltTable> {
  const began = Date.now();
  const set = tableSet(ctx, namespace);
  await set.pipeline.init(true);
  const accounts = ctx.sizes.accounts * factor;
  const chunks = Math.ceil(accounts / ctx.sizes.loadChunkAccounts);
  const loads: LoadChunk[] = [];
  for (let chunk = 0; chunk < chunks; chunk++) {
    const what = `${namespace}: initial load${chunks > 1 ? ` ${chunk + 1}/${chunks}` : ''}`;
    const genBegan = Date.now();
    const { rows } = await set.append(
      historySql(set.config, ctx.shape, { accounts, chunks, chunk }),
      'generate history',
    );
    const generateMs = Date.now() - genBegan;
    const sample = await measurePending(set);
    if (sample.caseRows.CASE_II + sample.caseRows.CASE_III > 0)
      throw new Error(
        `${what}: expected only new accounts (CASE_I); classify found ${JSON.stringify(sample.caseRows)}`,
      );
    loads.push({
      source_rows: rows,
      generate_s: generateMs / 1000,
      load_s: sample.wallMs / 1000,
      classify_s: jobSeconds(sample, 'classify'),
      case_i_s: jobSeconds(sample, 'CASE_I'),
    });
    ctx.log(
      `${what}: ${rows.toLocaleString('en-US')} source rows generated in ${secs(generateMs)}, ` +
        `loaded in ${secs(sample.wallMs)} (classify ${jobSeconds(sample, 'classify').toFixed(1)} s, ` +
        `CASE_I ${jobSeconds(sample, 'CASE_I').toFixed(1)} s)`,
    );
  }
  const summaryRows = await set.count(set.config.summaryTable);
  const latestRows = await set.count(set.config.latestTable);
  return {
    set,
    accounts,
    sourceRows: loads.reduce((a, l) => a + l.source_rows, 0),
    summaryRows,
    latestRows,
    chunks: loads,
    buildMs: Date.now() - began,
  };
}

/** Appends one mixed batch of `rows` records (over the base table's accounts) to the set's source. */
export async function appendBatch(ctx: BenchContext, set: TableSet, rows: number): Promise<number> {
  const r = await set.append(
    batchSql(set.config, ctx.shape, rows, ctx.sizes.accounts),
    `generate a batch of ${rows} records`,
  );
  if (r.rows !== rows) throw new Error(`the batch generator appended ${r.rows} rows; expected ${rows}`);
  return r.rows;
}

/**
 * Throws when classify did not see the batch the generator meant to make (5% / 85% / 10%). CASE_III also
 * holds the cells report rows re-resolved (SPEC §4b: staged as CASE_III rows).
 */
export function checkComposition(sample: RunSample, rows: number): void {
  const want = batchComposition(rows);
  const expected: Record<CaseName, number> = {
    CASE_I: want.newAccounts,
    CASE_II: want.forward,
    CASE_III: want.backfill + (sample.report?.reresolved ?? 0),
  };
  const wrong = CASE_ORDER.filter((c) => sample.caseRows[c] !== expected[c]);
  if (wrong.length || sample.inputRows !== rows) {
    throw new Error(
      `batch of ${rows}: classify counted ${sample.inputRows} input rows, ${JSON.stringify(sample.caseRows)}; the generator meant ${JSON.stringify(expected)}`,
    );
  }
}

export interface RepeatResult {
  samples: RunSample[];
  /** Of the last repeat's result, before it was rolled back. */
  checksums?: { summary: Checksum; latest: Checksum };
  /** Of the first repeat, when asked for. */
  amplification?: Amplification;
  /** What `afterRun` returned for each repeat. */
  afterRuns?: unknown[];
}

const caseLine = (s: RunSample) =>
  ['classify', ...CASE_ORDER]
    .filter((c) => s.jobs.some((j) => j.label === c))
    .map((c) => `${c} ${jobSeconds(s, c).toFixed(1)} s`)
    .join(', ');

/**
 * Runs the pending batch `repeat` times, each on the tables as saved in `base` (restored after every run
 * with set_current_snapshot; the source keeps the batch, so the next run classifies the same snapshots).
 * `afterRun` looks at the tables a run left, before they are restored.
 */
export async function repeatBatch(
  ctx: BenchContext,
  set: TableSet,
  base: SavedState,
  what: string,
  opts: {
    rows?: number;
    checksums?: boolean;
    amplification?: boolean;
    afterRun?: (sample: RunSample) => Promise<unknown>;
  } = {},
): Promise<RepeatResult> {
  const samples: RunSample[] = [];
  const afterRuns: unknown[] = [];
  let checksums: RepeatResult['checksums'];
  let amp: Amplification | undefined;
  const state: SavedState = new Map(stateTables(set.config).map((t) => [t.plain, base.get(t.plain)!]));
  for (let r = 0; r < ctx.repeat; r++) {
    const sample = await measurePending(set);
    if (opts.rows !== undefined) checkComposition(sample, opts.rows);
    samples.push(sample);
    const maintenance = sample.maintenanceCalls ? `; maintenance ${secs(sample.maintenanceMs)}` : '';
    ctx.log(`${what}: run ${r + 1}/${ctx.repeat}: ${secs(sample.wallMs)} (${caseLine(sample)})${maintenance}`);
    if (r === 0 && opts.amplification) {
      amp = await summaryAmplification(set, sample, base.get(set.config.summaryTable.plain)!.id);
      ctx.log(
        `${what}: summary write amplification ${amp.ratio ?? '–'} (${amp.rows_written} rows written, ${amp.rows_changed} changed)`,
      );
    }
    if (r === ctx.repeat - 1 && opts.checksums) checksums = await set.checksums();
    if (opts.afterRun) afterRuns.push(await opts.afterRun(sample));
    await set.restore(state);
  }
  return { samples, checksums, amplification: amp, ...(opts.afterRun ? { afterRuns } : {}) };
}

/** The run's summary rows written ÷ changed, comparing summary now with summary at `before` by time travel. */
export async function summaryAmplification(
  set: TableSet,
  sample: RunSample,
  before: string | null,
): Promise<Amplification> {
  const table = set.config.summaryTable;
  const after = (await set.save([table])).get(table.plain)!.id;
  const written = summaryRowsWritten(sample, table.plain);
  if (after === null) return amplification(written, 0);
  const changed =
    before === null
      ? await set.count(table)
      : Number(
          (
            await set.runner.query(
              changedRowsQuery(
                table,
                set.config.keyColumn,
                set.config.monthColumn,
                columnModel(set.config).summary,
                before,
                after,
              ),
            )
          )[0].n,
        );
  return amplification(written, changed);
}

export async function setWriteMode(set: TableSet, mode: WriteMode): Promise<void> {
  await set.run(writeModeJob(set.config, mode));
}

/** The mode summary's MERGE uses as created by `init`: its write.merge.mode, Iceberg's copy-on-write when unset. */
export async function tableWriteMode(set: TableSet): Promise<WriteMode> {
  const rows = await set.runner.query(`SHOW TBLPROPERTIES ${set.config.summaryTable.sql}`, 10_000);
  const value = rows.find((r) => String(r.key) === 'write.merge.mode')?.value;
  return value === 'merge-on-read' ? 'merge-on-read' : 'copy-on-write';
}

/** Runs no-op jobs under the ledger (client-side round trip, ms), then restores the ledger. */
export async function measureNoop(
  set: TableSet,
  base: SavedState,
  count: number,
): Promise<{ durationMs: number[]; wallMs: number[] }> {
  const durationMs: number[] = [];
  const wallMs: number[] = [];
  for (let i = 0; i < count; i++) {
    const began = Date.now();
    const result = await set.run(noopLedgerJob(set.config, i));
    wallMs.push(Date.now() - began);
    durationMs.push(result.durationMs);
  }
  await set.restore(new Map([[set.config.tables.ledger.plain, base.get(set.config.tables.ledger.plain)!]]));
  return { durationMs, wallMs };
}

/**
 * The baseline "recompute everything": fresh summary/latest (and pipeline tables) in another namespace,
 * filled by classify + CASE_I from every source row of the base set (history and batch). Only the
 * runPending is timed; the empty tables are dropped and created again before each repeat.
 */
export async function fullRebuild(ctx: BenchContext, baseNamespace: string): Promise<RepeatResult & { set: TableSet }> {
  const set = tableSet(ctx, `${baseNamespace}_rebuild`, baseNamespace);
  const samples: RunSample[] = [];
  let checksums: RepeatResult['checksums'];
  for (let r = 0; r < ctx.repeat; r++) {
    await set.drop(false);
    await set.pipeline.init(false);
    const sample = await measurePending(set);
    samples.push(sample);
    ctx.log(
      `full rebuild: run ${r + 1}/${ctx.repeat}: ${secs(sample.wallMs)} for ${sample.inputRows.toLocaleString('en-US')} source rows (${caseLine(sample)})`,
    );
    if (r === ctx.repeat - 1) checksums = await set.checksums();
  }
  await set.drop(false);
  return { set, samples, checksums };
}

/**
 * SPEC §4a's config for the delete batch: the config's own `soft_delete`, or else soft delete on the
 * first STRING source column that is no key, with a code the generator never writes ('D'; generated
 * strings are digits), so every other row stays an ordinary row.
 */
export function softDeleteRaw(raw: Record<string, unknown>): Record<string, unknown> {
  if (raw.soft_delete && typeof raw.soft_delete === 'object') return raw;
  const probe = variantConfig(raw, 'probe');
  const roles = new Set(
    [probe.keyColumn, probe.monthColumn, probe.tsColumn, probe.dateColumn].map((c) => c.toLowerCase()),
  );
  const mappers = new Set(probe.rolling.map((r) => r.mapperColumn.toLowerCase()));
  const column = probe.sourceSchema
    .filter((c) => c.type === 'STRING')
    .map((c) => probe.columns.find((x) => x.source.toLowerCase() === c.name.toLowerCase())?.dest)
    .find(
      (dest): dest is string =>
        dest !== undefined && !roles.has(dest.toLowerCase()) && !mappers.has(dest.toLowerCase()),
    );
  if (!column)
    throw new Error('the delete batch needs a STRING source column for soft_delete (SPEC §4a); the config has none');
  return { ...raw, soft_delete: { column, codes: ['D'] } };
}

export interface DeleteBatchResult extends RepeatResult {
  deletes: number;
  deleted: number;
}

/**
 * The main batch with `deletes` of its backfills replaced by deletes of existing months (SPEC §4a), on the
 * base table with soft delete on: the source goes back to before any batch, this batch is appended and
 * measured like the main one, and the set ends with the main batch pending again (`withBatch`).
 */
export async function measureDeleteBatch(
  ctx: BenchContext,
  set: TableSet,
  namespace: string,
  main: { empty: SavedState; withBatch: SavedState; rows: number; deletes: number },
): Promise<DeleteBatchResult> {
  const sd = new TableSet(namespace, variantConfig(softDeleteRaw(ctx.raw), namespace), ctx.runner, ctx.pipelineLog);
  await set.restore(main.empty);
  try {
    const r = await sd.append(
      batchSql(sd.config, ctx.shape, main.rows, ctx.sizes.accounts, main.deletes),
      `generate a batch of ${main.rows} records with ${main.deletes} deletes`,
    );
    if (r.rows !== main.rows) throw new Error(`the batch generator appended ${r.rows} rows; expected ${main.rows}`);
    const result = await repeatBatch(ctx, sd, await sd.save(), `batch with ${main.deletes} deletes`, {
      rows: main.rows,
    });
    const sample = result.samples[0];
    const deleted = sample.cases.reduce((n, c) => n + (c.deleted ?? 0), 0);
    if (deleted !== main.deletes)
      throw new Error(
        `the delete batch deleted ${deleted} month(s); the generator meant ${main.deletes} deletes of existing months`,
      );
    return { ...result, deletes: main.deletes, deleted };
  } finally {
    await set.restore(main.withBatch);
  }
}
