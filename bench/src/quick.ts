import { CASE_ORDER } from '@app/domain';
import { BenchDocument, ChecksumPair, Parameters, ResultCheck } from './document';
import { Environment } from './environment';
import { ColdRunResult } from './cold-run';
import { ProfileRow, RESULT_SCHEMA, Target, caseMedians, stepLine } from './report';
import { Timing } from './stats';

export const QUICK_SCHEMA = 'summary-pipeline-bench-quick/1';

/** Figures of an earlier run of the same workload, shown beside this run's (and its result compared). */
export interface QuickReference {
  /** 'previous quick run' (the quick.json this run replaces) or 'full run' (latest.json). */
  source: string;
  date: string;
  batch: Timing;
  cases: Record<string, number>;
  maintenance_s: number;
  write_amplification: number | null;
  cold_run: Pick<Timing, 'median_s' | 'min_s' | 'max_s'> | null;
  /** Summary and latest after the batch; from latest.json only when its full rebuild confirmed it. */
  result: ChecksumPair | null;
}

/** quick.json: the full benchmark's keys for what `--quick` measures (same shapes as latest.json's), and the comparison. */
export interface QuickDocument {
  schema: string;
  profile: 'quick';
  /** Wall time of the whole run: runner start, initial load, the batch, the cold run. */
  duration_s: number;
  environment: Environment;
  parameters: Parameters;
  data: BenchDocument['data'];
  initial_load: BenchDocument['initial_load'];
  incremental: BenchDocument['incremental'];
  /** Issue 22: per job kind and step of the batch, its median seconds, Spark jobs and commits. */
  step_profile: ProfileRow[];
  write_amplification: BenchDocument['write_amplification'];
  cold_run: ColdRunResult | null;
  /** Row count and checksum (xxhash64 over every column) of summary and latest after the batch. */
  result: ChecksumPair | null;
  /** Issue #9's targets this profile measures. */
  targets: Target[];
  checks: ResultCheck[];
  compared_with: QuickReference[];
}

/** The same data and batch: the scale, the seed, the config and so the sizes. */
export function sameWorkload(a: Parameters, b: Parameters): boolean {
  return (
    a.scale === b.scale &&
    a.seed === b.seed &&
    a.config === b.config &&
    a.accounts === b.accounts &&
    a.batch_rows === b.batch_rows
  );
}

const sameResult = (a: ChecksumPair, b: ChecksumPair) =>
  a.summary.rows === b.summary.rows &&
  a.summary.checksum === b.summary.checksum &&
  a.latest.rows === b.latest.rows &&
  a.latest.checksum === b.latest.checksum;
const describeResult = (c: ChecksumPair) =>
  `summary ${c.summary.rows} rows #${c.summary.checksum}, latest ${c.latest.rows} rows #${c.latest.checksum}`;

/** The incremental result in latest.json, from its "incremental = full rebuild" check (only when that check held). */
const REBUILD_DETAIL = /^incremental \([^)]*\): summary (\d+) rows #(-?\d+), latest (\d+) rows #(-?\d+);/;

function verifiedResult(d: BenchDocument): ChecksumPair | null {
  const check = (d.checks ?? []).find((c) => c.name === 'incremental = full rebuild' && c.ok);
  const m = check ? REBUILD_DETAIL.exec(check.detail) : null;
  return m ? { summary: { rows: Number(m[1]), checksum: m[2] }, latest: { rows: Number(m[3]), checksum: m[4] } } : null;
}

const timingOf = (t: Timing): Timing => ({ median_s: t.median_s, min_s: t.min_s, max_s: t.max_s, runs_s: t.runs_s });

/**
 * An earlier result file (parsed JSON) as a reference for `params`' workload: a quick.json or a latest.json
 * of the same scale, seed and config; null for anything else (another workload, another format, no batch).
 */
export function quickReference(doc: unknown, params: Parameters): QuickReference | null {
  const d = doc as Partial<QuickDocument & BenchDocument> | null;
  if (!d || typeof d !== 'object' || !d.parameters || !d.incremental || !d.environment) return null;
  if (!sameWorkload(d.parameters, params)) return null;
  const quick = d.schema === QUICK_SCHEMA;
  if (!quick && d.schema !== RESULT_SCHEMA) return null;
  const cold = d.cold_run ?? null;
  return {
    source: quick ? 'previous quick run' : 'full run',
    date: d.environment.date,
    batch: timingOf(d.incremental),
    cases: caseMedians(d.incremental),
    maintenance_s: d.incremental.maintenance_s?.median_s ?? 0,
    write_amplification: d.write_amplification?.summary ?? null,
    cold_run: cold ? { median_s: cold.small_batch_s, min_s: cold.min_s, max_s: cold.max_s } : null,
    result: quick ? (d.result ?? null) : verifiedResult(d as BenchDocument),
  };
}

/**
 * The quick profile's document from the full benchmark's (built from the same measurements), the
 * incremental result's checksums and the references (earlier runs of the same workload). Checks: the
 * batch as generated (the run stops before this when classify counted another split), each phase that
 * failed on its own, and the same result as each reference that has one.
 */
export function quickDocument(
  full: BenchDocument,
  result: ChecksumPair | null,
  references: QuickReference[],
  durationMs: number,
): QuickDocument {
  const b = full.data.batch;
  const checks: ResultCheck[] = [
    {
      name: 'batch as generated',
      ok: true,
      detail:
        `classify counted ${b.newAccounts} new (CASE_I), ${b.forward} forward ` +
        `(CASE_II), ${b.backfill} backfills (CASE_III) ` +
        `of ${b.rows} records in each of ${full.incremental.runs_s.length} run(s)`,
    },
    ...full.checks,
  ];
  for (const ref of references) {
    if (!result || !ref.result) continue;
    checks.push({
      name: `same result as the ${ref.source} (${ref.date.slice(0, 10)})`,
      ok: sameResult(result, ref.result),
      detail: `this run: ${describeResult(result)}; ${ref.source}: ${describeResult(ref.result)}`,
    });
  }
  return {
    schema: QUICK_SCHEMA,
    profile: 'quick',
    duration_s: Math.round(durationMs / 1000),
    environment: full.environment,
    parameters: full.parameters,
    data: full.data,
    initial_load: full.initial_load,
    incremental: full.incremental,
    step_profile: full.profile,
    write_amplification: full.write_amplification,
    cold_run: full.cold_run,
    result,
    targets: full.targets.filter((t) => t.met !== null),
    checks,
    compared_with: references,
  };
}

const num = (n: number) => n.toLocaleString('en-US');
const s = (x: number) => x.toFixed(2);
const range = (t: Pick<Timing, 'median_s' | 'min_s' | 'max_s'>) => `${s(t.median_s)} (${s(t.min_s)}–${s(t.max_s)})`;
const JOBS = ['classify', ...CASE_ORDER];
const jobs = (cases: Record<string, number>) =>
  JOBS.map((j) => (cases[j] === undefined ? '–' : s(cases[j]))).join(' / ');

/** The figures as a markdown table: this run, then each reference (printed at the end of the run, and in quick.md). */
export function quickTable(q: QuickDocument): string[] {
  const a = q.write_amplification;
  const amp = a[a.mode];
  const refs = q.compared_with;
  const head = ['', 'this run', ...refs.map((r) => `${r.source} (${r.date.slice(0, 10)})`)];
  const rows: string[][] = [
    [
      `${num(q.data.batch.rows)}-record batch, ${q.incremental.mode} (default), s`,
      `**${range(q.incremental)}**`,
      ...refs.map((r) => range(r.batch)),
    ],
    [`  ${JOBS.join(' / ')}, median s`, jobs(caseMedians(q.incremental)), ...refs.map((r) => jobs(r.cases))],
    [
      '  maintenance after the batch (not in its time), median s',
      s(q.incremental.maintenance_s.median_s),
      ...refs.map((r) => s(r.maintenance_s)),
    ],
    [
      'summary write amplification (rows written ÷ changed)',
      amp ? `**${amp.ratio ?? '–'}** (${num(amp.rows_written)} / ${num(amp.rows_changed)})` : '–',
      ...refs.map((r) => String(r.write_amplification ?? '–')),
    ],
    [
      'cold `summary-pipeline run`, s',
      q.cold_run
        ? `**${range({ median_s: q.cold_run.small_batch_s, min_s: q.cold_run.min_s, max_s: q.cold_run.max_s })}**`
        : 'left out',
      ...refs.map((r) => (r.cold_run ? range(r.cold_run) : '–')),
    ],
  ];
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ];
}

/** quick.md. */
export function renderQuickMarkdown(q: QuickDocument): string {
  const e = q.environment;
  const p = q.parameters;
  const out: string[] = [];
  out.push(
    `# Quick benchmark (\`--quick\`): ${e.date.slice(0, 10)}, scale ${p.scale}, ${p.repeat} repeat(s), ${num(q.duration_s)} s in all`,
    '',
  );
  out.push(
    `${e.cores} cores (${e.cpu}), ${e.memory_gib} GiB; ` +
      `Spark ${e.spark}, Iceberg ${e.iceberg}, ${e.spark_master}, ` +
      `driver memory ${e.driver_memory}, ${e.shuffle_partitions} shuffle partitions. ` +
      `Config ${p.config}, seed ${p.seed}.`,
    '',
  );
  out.push(
    `Data: ${num(q.data.accounts)} accounts, ${num(q.data.summary_rows)} summary rows built by the ` +
      `pipeline's initial load in ${s(q.initial_load.seconds)} s. ` +
      `Batch: ${num(q.data.batch.rows)} records = ${num(q.data.batch.newAccounts)} ` +
      `new, ${num(q.data.batch.forward)} forward, ${num(q.data.batch.backfill)} backfills. ` +
      `Left out (run the full benchmark for them): ${p.skipped.join(', ')}.`,
    '',
  );
  out.push('Median (min–max) seconds of wall time; every run of the batch starts from the same table snapshots.', '');
  out.push(...quickTable(q), '');
  if (q.result) out.push(`Result after the batch: ${describeResult(q.result)}.`, '');
  if (q.targets.length) {
    const note = q.targets.find((t) => t.note)?.note;
    const targets = q.targets.map(
      (t) => `${t.description} ${t.target}: ${t.measured} (${t.met ? 'met' : '**missed**'})`,
    );
    out.push(`Issue #9's targets: ${targets.join('; ')}${note ? ` (${note})` : ''}.`, '');
  }
  if (q.cold_run) {
    const parts = Object.entries(q.cold_run.breakdown).map(([k, v]) => `${k.replace(/_s$/, '')} ${s(v)}`);
    out.push(
      `Cold run: a ${num(q.cold_run.batch_records)}-record mixed batch ` +
        `over ${num(q.cold_run.summary_rows)} rows; where the time goes (median s): ${parts.join(', ')}.`,
      '',
    );
  }
  for (const c of q.checks) out.push(`- check **${c.name}**: ${c.ok ? 'ok' : '**FAILED**'} (${c.detail})`);
  out.push('');
  out.push('## Where the time goes (per-step medians of the batch, ms; Spark jobs and commits per step)', '');
  for (const [name, c] of Object.entries(q.incremental.cases)) {
    out.push(
      `- **${name}** (${s(c!.median_s)} s): ${c!.steps.map((st) => stepLine(st, num)).join(', ')}; runner bookkeeping ${num(c!.overhead_ms)}`,
    );
  }
  out.push('');
  return out.join('\n');
}
