import { CASE_ORDER, CaseName } from '@app/compiler';
import { WriteStats, NO_WRITES, addWrites } from './iceberg-stats';
import { JobLabel, RunSample } from './measure';
import { Timing, median, perSecond, sec, summarize, timing } from './stats';

export const RESULT_SCHEMA = 'summary-pipeline-bench/1';

export interface StepTiming {
  name: string;
  median_ms: number;
  min_ms: number;
  max_ms: number;
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

function stepTimings(runs: { name: string; durationMs: number }[][]): StepTiming[] {
  const names = [...new Set(runs.flatMap((r) => r.map((s) => s.name)))];
  return names.map((name) => {
    const s = summarize(runs.map((r) => r.filter((x) => x.name === name).reduce((a, x) => a + x.durationMs, 0)));
    return { name, median_ms: s.median, min_ms: s.min, max_ms: s.max };
  });
}

/**
 * One job kind over the repeated runs. Write counts come from the first run: the data and the plan are
 * the same in every repeat, so they are too (the timings are what varies).
 */
function jobSummary(samples: RunSample[], label: JobLabel, tableRole: (plain: string) => string): JobResultSummary | undefined {
  const perRun = samples.map((s) => s.jobs.filter((j) => j.label === label));
  if (perRun.every((jobs) => jobs.length === 0)) return undefined;
  const ms = perRun.map((jobs) => jobs.reduce((a, j) => a + j.durationMs, 0));
  const t = timing(ms);
  const first = perRun.find((jobs) => jobs.length)!;
  const tables: Record<string, WriteStats> = {};
  for (const job of first) for (const [plain, w] of Object.entries(job.writes)) tables[tableRole(plain)] = addWrites(tables[tableRole(plain)] ?? NO_WRITES, w);
  const total = Object.values(tables).reduce(addWrites, NO_WRITES);
  const rows = label === 'classify' ? samples[0].inputRows : CASE_ORDER.includes(label as CaseName) ? samples[0].caseRows[label as CaseName] : 0;
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

const LABELS: JobLabel[] = ['classify', ...CASE_ORDER, 'audit', 'other'];

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
  for (const [plain, w] of samples[0].jobs.flatMap((j) => Object.entries(j.writes))) tables[tableRole(plain)] = addWrites(tables[tableRole(plain)] ?? NO_WRITES, w);
  const total = Object.values(tables).reduce(addWrites, NO_WRITES);
  return {
    ...t,
    ...writes(total),
    batch_rows: samples[0].inputRows,
    records_per_s: perSecond(samples[0].inputRows, t.median_s),
    orchestration_s: timing(samples.map((s) => s.wallMs - s.jobs.reduce((a, j) => a + j.wallMs, 0))),
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
  incrementalS: number | null;
  rebuildS: number | null;
  /** [summary rows, median s] of the smallest and largest table of the table series. */
  tableSeries: { summary_rows: number; median_s: number }[];
  noopJobMs: number | null;
}

const fmt = (x: number, digits = 1) => x.toFixed(digits);

/** Issue #4's targets against the measured figures; `met` is null when the run did not measure it. */
export function targets(t: TargetInputs): Target[] {
  const note = t.scale === 1 ? undefined : `measured at --scale ${t.scale}; the targets are stated for --scale 1`;
  const out: Target[] = [];
  out.push({
    id: 'batch_time',
    description: '10K batch over ~2.35M summary rows',
    target: '≤ 20 s',
    measured: t.incrementalS === null ? 'not measured' : `${fmt(t.incrementalS)} s`,
    met: t.incrementalS === null ? null : t.incrementalS <= 20,
    note,
  });
  const speedup = t.incrementalS && t.rebuildS ? t.rebuildS / t.incrementalS : null;
  out.push({
    id: 'vs_full_rebuild',
    description: 'faster than the full rebuild at that size',
    target: '≥ 20×',
    measured: speedup === null ? 'not measured' : `${fmt(speedup)}×`,
    met: speedup === null ? null : speedup >= 20,
    note,
  });
  const series = [...t.tableSeries].sort((a, b) => a.summary_rows - b.summary_rows);
  const growth = series.length >= 2 ? series[series.length - 1].median_s / series[0].median_s : null;
  const rowsFactor = series.length >= 2 ? series[series.length - 1].summary_rows / series[0].summary_rows : null;
  out.push({
    id: 'table_growth',
    description: '10× more summary rows, same batch',
    target: '≤ 1.5× the time',
    measured: growth === null ? 'not measured' : `${fmt(growth, 2)}× the time for ${fmt(rowsFactor!)}× the rows`,
    met: growth === null ? null : growth <= 1.5,
    note,
  });
  out.push({
    id: 'job_overhead',
    description: 'per-job fixed overhead, long-lived local runner',
    target: '≤ 2 s',
    measured: t.noopJobMs === null ? 'not measured' : `${fmt(sec(t.noopJobMs), 2)} s (no-op job under the ledger)`,
    met: t.noopJobMs === null ? null : t.noopJobMs <= 2000,
  });
  return out;
}
