import { Amplification } from './amplification';
import { WriteMode } from './bench-jobs';
import { ColdRunRaw, ColdRunResult, coldRunResult } from './cold-run';
import { CostModel, Projection, fitCostModel, project, unprojectable } from './cost-model';
import { Environment } from './environment';
import { BatchComposition } from './generator';
import { RunSample } from './measure';
import { Phase, SEED_SIMULATION } from './options';
import { LoadChunk } from './phases';
import { ReportBatchCounts } from '@app/engine';
import { ReportComposition } from './generator';
import {
  ProfileRow,
  RESULT_SCHEMA,
  RunResult,
  Target,
  caseMedians,
  reportRatio,
  runResult,
  stepProfile,
  targets,
} from './report';
import { Summary, Timing, perSecond, sec, summarize, timing } from './stats';
import { SustainedRaw, SustainedResult, sustainedResult } from './sustained';
import { Checksum } from './table-set';

export interface Parameters {
  scale: number;
  repeat: number;
  seed: number;
  config: string;
  accounts: number;
  batch_rows: number;
  batch_sizes: number[];
  table_factors: number[];
  load_chunk_accounts: number;
  sustained_batches: number;
  /** The write mode `init` gives summary and latest: the headline `incremental` runs in it. */
  default_write_mode: WriteMode;
  skipped: Phase[];
  /** The seed 000 §9 simulation `--scale 1` reproduces (its figures are the seeds', not ours). */
  reference: typeof SEED_SIMULATION;
}

export interface TablePoint extends Timing {
  factor: number;
  accounts: number;
  summary_rows: number;
  batch_rows: number;
  records_per_s: number;
  cases: Record<string, number>;
  build_s: number | null;
}

export interface BatchPoint extends Timing {
  batch_rows: number;
  summary_rows: number;
  records_per_s: number;
  cases: Record<string, number>;
}

export interface ReportBatchDocument extends RunResult {
  records: number;
  report_rows: number;
  vetoes: number;
  /** Report rows on the batch's other cells and on existing cells of accounts the batch leaves alone. */
  batch_cells: number;
  existing_cells: number;
  deletes: number;
  deleted: number;
  /** Classify's report counts of the first run. */
  report: ReportBatchCounts;
  unbounded_rows: number;
  latest_rows: number;
  /** Data files of the base summary before any batch and of the copy the report batch runs on (their layouts compared). */
  summary_data_files?: { base: number | null; copy: number | null };
  /** The plain delete batch of the same run (delete_batch.median_s); null when it was not measured. */
  plain_median_s: number | null;
  /** median_s ÷ plain_median_s (target ≤ 1.3). */
  ratio: number | null;
}

export interface ResultCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface BenchDocument {
  schema: string;
  environment: Environment;
  parameters: Parameters;
  data: { accounts: number; source_rows: number; summary_rows: number; latest_rows: number; batch: BatchComposition };
  initial_load: { seconds: number; summary_rows: number; rows_per_s: number; chunks: LoadChunk[] };
  incremental: RunResult & { mode: WriteMode; summary_rows: number };
  cases: RunResult['cases'];
  /** Issue 22: per job kind and step of the incremental batch, its median seconds, Spark jobs and commits. */
  profile: ProfileRow[];
  full_rebuild: (RunResult & { source_rows: number; summary_rows: number; speedup: number }) | null;
  write_modes: Record<WriteMode, RunResult | null>;
  /** `summary`: the default mode's ratio (issue #9); per mode: the counts behind it. */
  write_amplification: { summary: number | null; mode: WriteMode } & Partial<Record<WriteMode, Amplification>>;
  scaling: { table: TablePoint[]; batch: BatchPoint[] };
  /** SPEC §4a: the main batch with `deletes` of its backfills replaced by deletes of existing months (soft delete on). */
  delete_batch?: (RunResult & { deletes: number; deleted: number; vs_incremental: number }) | null;
  /**
   * Issue 23 (SPEC §4b, §4c): the delete batch with `report_rows` report rows beside it (`vetoes` of them
   * vetoes of its deletes) and unbounded history on, against the plain delete batch of the same run.
   */
  report_batch?: ReportBatchDocument | null;
  sustained: SustainedResult | null;
  cold_run: ColdRunResult | null;
  /** Fitted on scaling.table and scaling.batch; `projection` is a projection, not a measurement. */
  cost_model: (CostModel & { projection: Projection | null; projection_note?: string }) | null;
  overhead: { noop_job_ms: Summary | null; noop_job_wall_ms: Summary | null; bookkeeping_ms: Record<string, number> };
  targets: Target[];
  checks: ResultCheck[];
}

/** Everything one benchmark run measured, before it is summarised. */
export interface Measurements {
  environment: Environment;
  parameters: Parameters;
  base: {
    accounts: number;
    sourceRows: number;
    summaryRows: number;
    latestRows: number;
    chunks: LoadChunk[];
    buildMs: number;
  };
  batch: BatchComposition;
  /** The headline runs in the tables' default mode; the other mode's runs are the comparison. */
  defaultMode: WriteMode;
  copyOnWrite: RunSample[] | null;
  mergeOnRead: RunSample[] | null;
  rebuild: RunSample[] | null;
  checksums: { copyOnWrite?: ChecksumPair; mergeOnRead?: ChecksumPair; rebuild?: ChecksumPair };
  amplification: Partial<Record<WriteMode, Amplification>>;
  sustained: SustainedRaw | null;
  coldRun: ColdRunRaw | null;
  /** Phases that failed on their own (sustained, cold): reported as failed checks. */
  failures?: { phase: string; message: string }[];
  tableSeries: {
    factor: number;
    accounts: number;
    summaryRows: number;
    buildMs: number | null;
    samples: RunSample[];
  }[];
  batchSeries: { rows: number; samples: RunSample[] }[];
  /** The delete batch's runs (measureDeleteBatch); absent or null when skipped. */
  deleteBatch?: { samples: RunSample[]; deletes: number; deleted: number } | null;
  /** The report batch's runs (measureReportBatch); absent or null when skipped. */
  reportBatch?: {
    samples: RunSample[];
    composition: ReportComposition;
    deletes: number;
    deleted: number;
    report: ReportBatchCounts;
    unboundedRows: number;
    latestRows: number;
    summaryDataFiles?: { base: number | null; copy: number | null };
    checks: ResultCheck[];
  } | null;
  noop: { durationMs: number[]; wallMs: number[] } | null;
  /** Maps a table's plain name to its role (summary, latest, batches, …). */
  tableRole: (plain: string) => string;
}

export type ChecksumPair = { summary: Checksum; latest: Checksum };

const same = (a: ChecksumPair, b: ChecksumPair) =>
  a.summary.rows === b.summary.rows &&
  a.summary.checksum === b.summary.checksum &&
  a.latest.rows === b.latest.rows &&
  a.latest.checksum === b.latest.checksum;
const describe = (c: ChecksumPair) =>
  `summary ${c.summary.rows} rows #${c.summary.checksum}, latest ${c.latest.rows} rows #${c.latest.checksum}`;

/** Result checks: the baselines must produce what the incremental run produced, or their times mean nothing. */
export function resultChecks(c: Measurements['checksums'], defaultMode: WriteMode = 'copy-on-write'): ResultCheck[] {
  const out: ResultCheck[] = [];
  const incremental = defaultMode === 'merge-on-read' ? c.mergeOnRead : c.copyOnWrite;
  const other = defaultMode === 'merge-on-read' ? c.copyOnWrite : c.mergeOnRead;
  if (incremental && c.rebuild) {
    out.push({
      name: 'incremental = full rebuild',
      ok: same(incremental, c.rebuild),
      detail: `incremental (${defaultMode}): ${describe(incremental)}; rebuild: ${describe(c.rebuild)}`,
    });
  }
  if (c.copyOnWrite && c.mergeOnRead) {
    out.push({
      name: 'copy-on-write = merge-on-read',
      ok: same(c.copyOnWrite, c.mergeOnRead),
      detail: `${defaultMode === 'merge-on-read' ? 'copy-on-write' : 'merge-on-read'}: ${describe(other!)}`,
    });
  }
  return out;
}

/** Whether every sustained day was classified as generated (else its counts are in sustained.days). */
function sustainedCheck(s: SustainedResult | null): ResultCheck[] {
  if (!s) return [];
  const off = s.days.filter((d) => !d.as_generated);
  return [
    {
      name: 'sustained batches as generated',
      ok: off.length === 0,
      detail: off.length
        ? `days ${off.map((d) => d.day).join(', ')} differ from the 5/85/10 split (see sustained.days)`
        : `${s.batches} days, each 5/85/10`,
    },
  ];
}

export function buildDocument(m: Measurements): BenchDocument {
  const cow = m.copyOnWrite ? runResult(m.copyOnWrite, m.tableRole) : null;
  const mor = m.mergeOnRead ? runResult(m.mergeOnRead, m.tableRole) : null;
  const inc = m.defaultMode === 'merge-on-read' ? mor : cow;
  if (!inc) throw new Error(`buildDocument: no runs in the default mode (${m.defaultMode})`);
  const rebuild = m.rebuild ? runResult(m.rebuild, m.tableRole) : null;
  const incChecksums = m.defaultMode === 'merge-on-read' ? m.checksums.mergeOnRead : m.checksums.copyOnWrite;
  const summaryAfter = incChecksums?.summary.rows ?? m.base.summaryRows;
  const table: TablePoint[] = m.tableSeries.map((t) => {
    const r = runResult(t.samples, m.tableRole);
    return {
      factor: t.factor,
      accounts: t.accounts,
      summary_rows: t.summaryRows,
      batch_rows: r.batch_rows,
      ...pick(r),
      records_per_s: r.records_per_s,
      cases: caseMedians(r),
      build_s: t.buildMs === null ? null : sec(t.buildMs),
    };
  });
  const batch: BatchPoint[] = m.batchSeries.map((b) => {
    const r = runResult(b.samples, m.tableRole);
    return {
      batch_rows: b.rows,
      summary_rows: m.base.summaryRows,
      ...pick(r),
      records_per_s: r.records_per_s,
      cases: caseMedians(r),
    };
  });
  const loadS = m.base.chunks.reduce((a, c) => a + c.load_s, 0);
  const bookkeeping = Object.fromEntries(Object.entries(inc.cases).map(([k, v]) => [k, v!.overhead_ms]));
  const sustained = m.sustained ? sustainedResult(m.sustained) : null;
  const coldRun = m.coldRun ? coldRunResult(m.coldRun) : null;
  const model = fitCostModel(
    [...table, ...batch].map((p) => ({ batch_rows: p.batch_rows, summary_rows: p.summary_rows, median_s: p.median_s })),
  );
  const amplification = m.amplification[m.defaultMode]?.ratio ?? null;
  const deletes = m.deleteBatch ? runResult(m.deleteBatch.samples, m.tableRole) : null;
  const reportBatch = m.reportBatch
    ? reportBatchDocument(m.reportBatch, runResult(m.reportBatch.samples, m.tableRole), deletes?.median_s ?? null)
    : null;
  return {
    schema: RESULT_SCHEMA,
    environment: m.environment,
    parameters: m.parameters,
    data: {
      accounts: m.base.accounts,
      source_rows: m.base.sourceRows + m.batch.rows,
      summary_rows: m.base.summaryRows,
      latest_rows: m.base.latestRows,
      batch: m.batch,
    },
    initial_load: {
      seconds: Math.round(loadS * 1000) / 1000,
      summary_rows: m.base.summaryRows,
      rows_per_s: perSecond(m.base.summaryRows, loadS),
      chunks: m.base.chunks,
    },
    incremental: { ...inc, mode: m.defaultMode, summary_rows: m.base.summaryRows },
    cases: inc.cases,
    profile: stepProfile(inc),
    full_rebuild: rebuild
      ? {
          ...rebuild,
          source_rows: rebuild.batch_rows,
          summary_rows: m.checksums.rebuild?.summary.rows ?? summaryAfter,
          speedup: Math.round((rebuild.median_s / inc.median_s) * 10) / 10,
        }
      : null,
    write_modes: { 'copy-on-write': cow, 'merge-on-read': mor },
    write_amplification: { summary: amplification, mode: m.defaultMode, ...m.amplification },
    scaling: { table, batch },
    delete_batch:
      deletes && m.deleteBatch
        ? {
            ...deletes,
            deletes: m.deleteBatch.deletes,
            deleted: m.deleteBatch.deleted,
            vs_incremental: Math.round((deletes.median_s / inc.median_s) * 100) / 100,
          }
        : null,
    report_batch: reportBatch,
    sustained,
    cold_run: coldRun,
    cost_model: model ? costModel(model, m.environment.cores) : null,
    overhead: {
      noop_job_ms: m.noop ? summarize(m.noop.durationMs) : null,
      noop_job_wall_ms: m.noop ? summarize(m.noop.wallMs) : null,
      bookkeeping_ms: bookkeeping,
    },
    targets: targets({
      scale: m.parameters.scale,
      incrementalS: inc.median_s,
      rebuildS: rebuild?.median_s ?? null,
      tableSeries: table.map((t) => ({ summary_rows: t.summary_rows, median_s: t.median_s })),
      batchSeries: batch.map((b) => ({ batch_rows: b.batch_rows, median_s: b.median_s })),
      batchRows: m.parameters.batch_rows,
      writeAmplification: amplification,
      sustained,
      coldRunS: coldRun?.small_batch_s ?? null,
      noopJobMs: m.noop ? summarize(m.noop.wallMs).median : null,
      reportBatch: reportBatch ? { median_s: reportBatch.median_s, plain_median_s: reportBatch.plain_median_s } : null,
    }),
    checks: [
      ...resultChecks(m.checksums, m.defaultMode),
      ...(m.reportBatch?.checks ?? []),
      ...sustainedCheck(sustained),
      ...(m.failures ?? []).map((f) => ({ name: `phase ${f.phase} ran`, ok: false, detail: f.message })),
    ],
  };
}

function reportBatchDocument(
  r: NonNullable<Measurements['reportBatch']>,
  run: RunResult,
  plainS: number | null,
): ReportBatchDocument {
  const c = r.composition;
  return {
    ...run,
    records: run.batch_rows,
    report_rows: c.rows,
    vetoes: c.vetoes,
    batch_cells: c.batchCells,
    existing_cells: c.existingCells,
    deletes: r.deletes,
    deleted: r.deleted,
    report: r.report,
    unbounded_rows: r.unboundedRows,
    latest_rows: r.latestRows,
    ...(r.summaryDataFiles ? { summary_data_files: r.summaryDataFiles } : {}),
    plain_median_s: plainS,
    ratio: reportRatio({ median_s: run.median_s, plain_median_s: plainS }),
  };
}

function costModel(model: CostModel, cores: number): NonNullable<BenchDocument['cost_model']> {
  const note = unprojectable(model);
  return note ? { ...model, projection: null, projection_note: note } : { ...model, projection: project(model, cores) };
}

function pick(t: Timing): Timing {
  return timing(t.runs_s.map((s) => s * 1000));
}
