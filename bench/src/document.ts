import { Environment } from './environment';
import { BatchComposition } from './generator';
import { RunSample } from './measure';
import { Phase, SEED_SIMULATION } from './options';
import { LoadChunk } from './phases';
import { RESULT_SCHEMA, RunResult, Target, caseMedians, runResult, targets } from './report';
import { Summary, Timing, perSecond, sec, summarize, timing } from './stats';
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
  incremental: RunResult & { mode: 'copy-on-write'; summary_rows: number };
  cases: RunResult['cases'];
  full_rebuild: (RunResult & { source_rows: number; summary_rows: number; speedup: number }) | null;
  write_modes: { 'copy-on-write': RunResult; 'merge-on-read': RunResult | null };
  scaling: { table: TablePoint[]; batch: BatchPoint[] };
  overhead: { noop_job_ms: Summary | null; noop_job_wall_ms: Summary | null; bookkeeping_ms: Record<string, number> };
  targets: Target[];
  checks: ResultCheck[];
}

/** Everything one benchmark run measured, before it is summarised. */
export interface Measurements {
  environment: Environment;
  parameters: Parameters;
  base: { accounts: number; sourceRows: number; summaryRows: number; latestRows: number; chunks: LoadChunk[]; buildMs: number };
  batch: BatchComposition;
  copyOnWrite: RunSample[];
  mergeOnRead: RunSample[] | null;
  rebuild: RunSample[] | null;
  checksums: { copyOnWrite?: ChecksumPair; mergeOnRead?: ChecksumPair; rebuild?: ChecksumPair };
  tableSeries: { factor: number; accounts: number; summaryRows: number; buildMs: number | null; samples: RunSample[] }[];
  batchSeries: { rows: number; samples: RunSample[] }[];
  noop: { durationMs: number[]; wallMs: number[] } | null;
  /** Maps a table's plain name to its role (summary, latest, batches, …). */
  tableRole: (plain: string) => string;
}

export type ChecksumPair = { summary: Checksum; latest: Checksum };

const same = (a: ChecksumPair, b: ChecksumPair) =>
  a.summary.rows === b.summary.rows && a.summary.checksum === b.summary.checksum && a.latest.rows === b.latest.rows && a.latest.checksum === b.latest.checksum;
const describe = (c: ChecksumPair) => `summary ${c.summary.rows} rows #${c.summary.checksum}, latest ${c.latest.rows} rows #${c.latest.checksum}`;

/** Result checks: the baselines must produce what the incremental run produced, or their times mean nothing. */
export function resultChecks(c: Measurements['checksums']): ResultCheck[] {
  const out: ResultCheck[] = [];
  if (c.copyOnWrite && c.rebuild) {
    out.push({ name: 'incremental = full rebuild', ok: same(c.copyOnWrite, c.rebuild), detail: `incremental: ${describe(c.copyOnWrite)}; rebuild: ${describe(c.rebuild)}` });
  }
  if (c.copyOnWrite && c.mergeOnRead) {
    out.push({ name: 'copy-on-write = merge-on-read', ok: same(c.copyOnWrite, c.mergeOnRead), detail: `merge-on-read: ${describe(c.mergeOnRead)}` });
  }
  return out;
}

export function buildDocument(m: Measurements): BenchDocument {
  const cow = runResult(m.copyOnWrite, m.tableRole);
  const mor = m.mergeOnRead ? runResult(m.mergeOnRead, m.tableRole) : null;
  const rebuild = m.rebuild ? runResult(m.rebuild, m.tableRole) : null;
  const summaryAfter = m.checksums.copyOnWrite?.summary.rows ?? m.base.summaryRows;
  const table: TablePoint[] = m.tableSeries.map((t) => {
    const r = runResult(t.samples, m.tableRole);
    return { factor: t.factor, accounts: t.accounts, summary_rows: t.summaryRows, batch_rows: r.batch_rows, ...pick(r), records_per_s: r.records_per_s, cases: caseMedians(r), build_s: t.buildMs === null ? null : sec(t.buildMs) };
  });
  const batch: BatchPoint[] = m.batchSeries.map((b) => {
    const r = runResult(b.samples, m.tableRole);
    return { batch_rows: b.rows, summary_rows: m.base.summaryRows, ...pick(r), records_per_s: r.records_per_s, cases: caseMedians(r) };
  });
  const loadS = m.base.chunks.reduce((a, c) => a + c.load_s, 0);
  const bookkeeping = Object.fromEntries(Object.entries(cow.cases).map(([k, v]) => [k, v!.overhead_ms]));
  return {
    schema: RESULT_SCHEMA,
    environment: m.environment,
    parameters: m.parameters,
    data: { accounts: m.base.accounts, source_rows: m.base.sourceRows + m.batch.rows, summary_rows: m.base.summaryRows, latest_rows: m.base.latestRows, batch: m.batch },
    initial_load: { seconds: Math.round(loadS * 1000) / 1000, summary_rows: m.base.summaryRows, rows_per_s: perSecond(m.base.summaryRows, loadS), chunks: m.base.chunks },
    incremental: { ...cow, mode: 'copy-on-write', summary_rows: m.base.summaryRows },
    cases: cow.cases,
    full_rebuild: rebuild ? { ...rebuild, source_rows: rebuild.batch_rows, summary_rows: m.checksums.rebuild?.summary.rows ?? summaryAfter, speedup: Math.round((rebuild.median_s / cow.median_s) * 10) / 10 } : null,
    write_modes: { 'copy-on-write': cow, 'merge-on-read': mor },
    scaling: { table, batch },
    overhead: {
      noop_job_ms: m.noop ? summarize(m.noop.durationMs) : null,
      noop_job_wall_ms: m.noop ? summarize(m.noop.wallMs) : null,
      bookkeeping_ms: bookkeeping,
    },
    targets: targets({
      scale: m.parameters.scale,
      incrementalS: cow.median_s,
      rebuildS: rebuild?.median_s ?? null,
      tableSeries: table.map((t) => ({ summary_rows: t.summary_rows, median_s: t.median_s })),
      noopJobMs: m.noop ? summarize(m.noop.wallMs).median : null,
    }),
    checks: resultChecks(m.checksums),
  };
}

function pick(t: Timing): Timing {
  return timing(t.runs_s.map((s) => s * 1000));
}
