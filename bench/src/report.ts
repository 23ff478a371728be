import { CASE_ORDER, CaseName } from '@app/compiler';
import { WriteStats, NO_WRITES, addWrites } from './iceberg-stats';
import { JobLabel, RunSample, StepSample } from './measure';
import { Timing, median, perSecond, sec, summarize, timing } from './stats';

export const RESULT_SCHEMA = 'summary-pipeline-bench/1';

export interface StepTiming {
  name: string;
  median_ms: number;
  min_ms: number;
  max_ms: number;
  /** Spark jobs the step ran (median over the runs; null where the runner could not count them). */
  spark_jobs: number | null;
  /** Iceberg commits the step made on the job's target tables (first run: the same plan in every repeat). */
  commits: number;
}

/** What a job's commits did on the tables it wrote, from the Iceberg snapshot summaries. */
export interface Writes {
  rows_added: number;
  /** Rows in the data files a commit removed: with copy-on-write, the rows read and written again. */
  rows_removed: number;
  data_files_added: number;
  /** Data files replaced: with copy-on-write, "data files rewritten". */
  data_files_removed: number;
  delete_files_added: number;
  position_deletes_added: number;
  bytes_added: number;
  bytes_removed: number;
}

export interface JobResultSummary extends Timing, Writes {
  /** The batch's records of this case (classify: every input row). */
  rows: number;
  records_per_s: number;
  /** Median of the job's duration minus the sum of its steps: the runner's ledger and snapshot bookkeeping. */
  overhead_ms: number;
  steps: StepTiming[];
  /** Per table written (summary, latest, batches, …). */
  tables: Record<string, Writes>;
}

export interface RunResult extends Timing, Writes {
  batch_rows: number;
  records_per_s: number;
  /** Wall time outside the jobs: the pipeline's ledger and snapshot queries, the protocol. */
  orchestration_s: Timing;
  /** The maintenance runPending ran after the batch (not in the batch's time); 0 when none was due. */
  maintenance_s: Timing;
  jobs_per_run: number;
  /** Per table written, over all the run's jobs. */
  tables: Record<string, Writes>;
  cases: Partial<Record<JobLabel, JobResultSummary>>;
}

export function writes(w: WriteStats): Writes {
  return {
    rows_added: w.addedRecords,
    rows_removed: w.deletedRecords,
    data_files_added: w.addedDataFiles,
    data_files_removed: w.removedDataFiles,
    delete_files_added: w.addedDeleteFiles,
    position_deletes_added: w.addedPositionDeletes,
    bytes_added: w.addedBytes,
    bytes_removed: w.removedBytes,
  };
}

function stepTimings(runs: StepSample[][]): StepTiming[] {
  const names = [...new Set(runs.flatMap((r) => r.map((s) => s.name)))];
  return names.map((name) => {
    const s = summarize(runs.map((r) => r.filter((x) => x.name === name).reduce((a, x) => a + x.durationMs, 0)));
    const jobs = runs
      .map((r) => r.filter((x) => x.name === name))
      .filter((xs) => xs.length && xs.every((x) => x.sparkJobs !== null));
    const commits = runs[0].filter((x) => x.name === name).reduce((a, x) => a + x.commits, 0);
    return {
      name,
      median_ms: s.median,
      min_ms: s.min,
      max_ms: s.max,
      spark_jobs: jobs.length ? median(jobs.map((xs) => xs.reduce((a, x) => a + (x.sparkJobs ?? 0), 0))) : null,
      commits,
    };
  });
}

/**
 * The per-step profile of a run (issue 22): one row per job kind and step with its median seconds, Spark jobs and
 * commits, in the order the batch runs them.
 */
export function stepProfile(r: RunResult): ProfileRow[] {
  return Object.entries(r.cases).flatMap(([job, c]) =>
    c!.steps.map((st) => ({
      job,
      step: st.name,
      median_s: sec(st.median_ms),
      spark_jobs: st.spark_jobs,
      commits: st.commits,
    })),
  );
}

export interface ProfileRow {
  job: string;
  step: string;
  median_s: number;
  spark_jobs: number | null;
  commits: number;
}

/** "merge summary 2,882 (7 jobs, 1 commit)": a step as the markdown's profile lines show it. */
export function stepLine(st: StepTiming, num: (n: number) => string): string {
  const parts = [
    st.spark_jobs === null ? null : `${num(st.spark_jobs)} job${st.spark_jobs === 1 ? '' : 's'}`,
    st.commits ? `${st.commits} commit${st.commits === 1 ? '' : 's'}` : null,
  ].filter(Boolean);
  return `${st.name} ${num(st.median_ms)}${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

/**
 * One job kind over the repeated runs. Write counts come from the first run: the data and the plan are
 * the same in every repeat, so they are too (the timings are what varies).
 */
function jobSummary(
  samples: RunSample[],
  label: JobLabel,
  tableRole: (plain: string) => string,
): JobResultSummary | undefined {
  const perRun = samples.map((s) => s.jobs.filter((j) => j.label === label));
  if (perRun.every((jobs) => jobs.length === 0)) return undefined;
  const ms = perRun.map((jobs) => jobs.reduce((a, j) => a + j.durationMs, 0));
  const t = timing(ms);
  const first = perRun.find((jobs) => jobs.length)!;
  const tables: Record<string, WriteStats> = {};
  for (const job of first)
    for (const [plain, w] of Object.entries(job.writes))
      tables[tableRole(plain)] = addWrites(tables[tableRole(plain)] ?? NO_WRITES, w);
  const total = Object.values(tables).reduce(addWrites, NO_WRITES);
  const rows =
    label === 'classify'
      ? samples[0].inputRows
      : CASE_ORDER.includes(label as CaseName)
        ? samples[0].caseRows[label as CaseName]
        : 0;
  return {
    ...t,
    ...writes(total),
    rows,
    records_per_s: perSecond(rows, t.median_s),
    overhead_ms: median(perRun.map((jobs) => jobs.reduce((a, j) => a + j.overheadMs, 0))),
    steps: stepTimings(perRun.map((jobs) => jobs.flatMap((j) => j.steps))),
    tables: Object.fromEntries(Object.entries(tables).map(([k, w]) => [k, writes(w)])),
  };
}

const LABELS: JobLabel[] = ['classify', ...CASE_ORDER, 'audit', 'maintenance', 'other'];

/** Repeated runs of one batch → median/min/max per case and in total, with what the commits wrote. */
export function runResult(samples: RunSample[], tableRole: (plain: string) => string): RunResult {
  if (!samples.length) throw new RangeError('runResult of no runs');
  const cases: RunResult['cases'] = {};
  for (const label of LABELS) {
    const s = jobSummary(samples, label, tableRole);
    if (s) cases[label] = s;
  }
  const t = timing(samples.map((s) => s.wallMs));
  const tables: Record<string, WriteStats> = {};
  for (const [plain, w] of samples[0].jobs.flatMap((j) => Object.entries(j.writes)))
    tables[tableRole(plain)] = addWrites(tables[tableRole(plain)] ?? NO_WRITES, w);
  const total = Object.values(tables).reduce(addWrites, NO_WRITES);
  return {
    ...t,
    ...writes(total),
    batch_rows: samples[0].inputRows,
    records_per_s: perSecond(samples[0].inputRows, t.median_s),
    orchestration_s: timing(
      samples.map((s) => s.wallMs - s.jobs.filter((j) => j.label !== 'maintenance').reduce((a, j) => a + j.wallMs, 0)),
    ),
    maintenance_s: timing(samples.map((s) => s.maintenanceMs)),
    jobs_per_run: samples[0].jobs.length,
    tables: Object.fromEntries(Object.entries(tables).map(([k, w]) => [k, writes(w)])),
    cases,
  };
}

/** Median seconds per case, for the scaling series: {classify: 2.1, CASE_III: 5.3, …}. */
export function caseMedians(r: RunResult): Record<string, number> {
  return Object.fromEntries(Object.entries(r.cases).map(([k, v]) => [k, v!.median_s]));
}

export interface Target {
  id: string;
  description: string;
  target: string;
  measured: string;
  met: boolean | null;
  note?: string;
}

export interface TargetInputs {
  scale: number;
  /** The incremental batch in the tables' default mode. */
  incrementalS: number | null;
  rebuildS: number | null;
  /** [summary rows, median s] of the table series. */
  tableSeries: { summary_rows: number; median_s: number }[];
  /** [batch records, median s] of the batch series, and the main batch's size. */
  batchSeries: { batch_rows: number; median_s: number }[];
  batchRows: number;
  writeAmplification: number | null;
  sustained: {
    batches: number;
    first_s: number;
    last_s: number;
    full_scan_ratio: number;
    point_read_ratio: number;
    daily_cost_s: number;
  } | null;
  coldRunS: number | null;
  noopJobMs: number | null;
  /** Issue 23: the delete batch with report rows and unbounded history, and the plain delete batch of the same run (median s). */
  reportBatch?: { median_s: number; plain_median_s: number | null } | null;
}

const fmt = (x: number, digits = 1) => x.toFixed(digits);

function judged(
  id: string,
  description: string,
  target: string,
  value: number | null,
  ok: (v: number) => boolean,
  measured: (v: number) => string,
  note?: string,
): Target {
  return {
    id,
    description,
    target,
    measured: value === null ? 'not measured' : measured(value),
    met: value === null ? null : ok(value),
    ...(note ? { note } : {}),
  };
}

/** The batch of the series 10× the main one (or the largest above it): issue #9's "100K vs 10K". */
function batchGrowth(t: TargetInputs): { ratio: number; rows: number } | null {
  const main = t.batchSeries.find((b) => b.batch_rows === t.batchRows);
  const bigger = t.batchSeries.filter((b) => b.batch_rows > t.batchRows).sort((a, b) => a.batch_rows - b.batch_rows);
  const big = bigger.find((b) => b.batch_rows === 10 * t.batchRows) ?? bigger[bigger.length - 1];
  return main && big ? { ratio: big.median_s / main.median_s, rows: big.batch_rows } : null;
}

/** The report batch's median ÷ the plain batch's, two decimals; null when either was not measured. */
export function reportRatio(r: TargetInputs['reportBatch']): number | null {
  if (!r || r.plain_median_s === null || !(r.plain_median_s > 0)) return null;
  return Math.round((r.median_s / r.plain_median_s) * 100) / 100;
}

/** Issue #9's targets against the measured figures; `met` is null when the run did not measure it. */
export function targets(t: TargetInputs): Target[] {
  const note = t.scale === 1 ? undefined : `measured at --scale ${t.scale}; the targets are stated for --scale 1`;
  const series = [...t.tableSeries].sort((a, b) => a.summary_rows - b.summary_rows);
  const growth = series.length >= 2 ? series[series.length - 1].median_s / series[0].median_s : null;
  const rowsFactor = series.length >= 2 ? series[series.length - 1].summary_rows / series[0].summary_rows : 0;
  const speedup = t.incrementalS && t.rebuildS ? t.rebuildS / t.incrementalS : null;
  const bg = batchGrowth(t);
  const s = t.sustained;
  return [
    judged(
      'batch_time',
      '10K batch over ~2.35M summary rows, default configuration',
      '≤ 10 s',
      t.incrementalS,
      (v) => v <= 10,
      (v) => `${fmt(v)} s`,
      note,
    ),
    judged(
      'table_growth',
      '10× more summary rows, same batch',
      '≤ 1.5× the time',
      growth,
      (v) => v <= 1.5,
      (v) => `${fmt(v, 2)}× the time for ${fmt(rowsFactor)}× the rows`,
      note,
    ),
    judged(
      'vs_full_rebuild',
      'faster than the full rebuild of the same data',
      '≥ 10×',
      speedup,
      (v) => v >= 10,
      (v) => `${fmt(v)}×`,
      note,
    ),
    judged(
      'batch_growth',
      '100K-record batch against the 10K batch',
      '≤ 2.5× the time',
      bg?.ratio ?? null,
      (v) => v <= 2.5,
      (v) => `${fmt(v, 2)}× the time for ${fmt(bg!.rows / t.batchRows)}× the records`,
      note,
    ),
    judged(
      'write_amplification',
      'summary rows written ÷ rows changed, 10K batch',
      '≤ 2',
      t.writeAmplification,
      (v) => v <= 2,
      (v) => fmt(v, 2),
      note,
    ),
    judged(
      'sustained_growth',
      `batch ${s?.batches ?? 30} of ${s?.batches ?? 30} consecutive daily batches against the 1st`,
      '≤ 1.2×',
      s ? s.last_s / s.first_s : null,
      (v) => v <= 1.2,
      (v) => `${fmt(v, 2)}× (${fmt(s!.first_s)} → ${fmt(s!.last_s)} s)`,
      note,
    ),
    judged(
      'sustained_full_scan',
      `full scan of summary after the daily batches, against a freshly compacted table`,
      '≤ 1.2×',
      s?.full_scan_ratio ?? null,
      (v) => v <= 1.2,
      (v) => `${fmt(v, 2)}×`,
      note,
    ),
    judged(
      'sustained_point_read',
      'one-account history read after the daily batches, against a freshly compacted table',
      '≤ 1.2×',
      s?.point_read_ratio ?? null,
      (v) => v <= 1.2,
      (v) => `${fmt(v, 2)}×`,
      note,
    ),
    judged(
      'daily_cost',
      'daily cost: batch + maintenance, mean over the daily batches',
      '≤ 12 s',
      s?.daily_cost_s ?? null,
      (v) => v <= 12,
      (v) => `${fmt(v)} s`,
      note,
    ),
    judged(
      'cold_run',
      'cold `summary-pipeline run` of a 1K batch over ~10K rows, process start to exit',
      '≤ 20 s',
      t.coldRunS,
      (v) => v <= 20,
      (v) => `${fmt(v)} s`,
    ),
    judged(
      'job_overhead',
      'per-job fixed overhead, long-lived local runner (issue #4)',
      '≤ 2 s',
      t.noopJobMs,
      (v) => v <= 2000,
      (v) => `${fmt(sec(v), 2)} s (no-op job under the ledger)`,
    ),
    judged(
      'report_batch',
      '10K batch with 1,000 report rows (100 vetoes) and unbounded history, against the plain batch (the same deletes) in the same run (issue 23)',
      '≤ 1.3× the time',
      reportRatio(t.reportBatch),
      (v) => v <= 1.3,
      (v) => `${fmt(v, 2)}× (${fmt(t.reportBatch!.plain_median_s!)} → ${fmt(t.reportBatch!.median_s)} s)`,
      note,
    ),
  ];
}
