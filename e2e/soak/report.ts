import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FaultKind, Topology } from './plan';

/** One daily batch as the soak saw it. */
export interface BatchRecord {
  day: number;
  batchId: string;
  rows: number;
  ingestedAt: string;
  completedAt: string;
  /** From the ingest's commit to the BatchCompleted event. */
  seconds: number;
  status: string;
}

export interface FaultRecord {
  index: number;
  kind: FaultKind;
  target: string;
  /** The day whose batch was running (or had just completed) when it struck. */
  day: number;
  struckAt: string;
  /** What the strike did, e.g. "SIGKILL pid 1234 (python -m summary_runner serve …)". */
  detail: string;
  /** Why it could not land (strike.ts Strike.missed), if it did not. */
  missed: 'no-target' | 'failed' | null;
  /** Seconds from the strike to the next BatchCompleted; null if none came (the run failed). */
  recoverySeconds: number | null;
}

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface SoakReport {
  seed: number;
  replay: string;
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  accounts: number;
  rowsIngested: number;
  /** Null when the run failed before its end checks. */
  rowsLost: number | null;
  equalToOracle: boolean;
  passed: boolean;
  /** How often each situation of the generated data occurs (libs/testing describeScenario). */
  data: Record<string, number>;
  batches: BatchRecord[];
  faults: FaultRecord[];
  faultsByKind: Partial<Record<FaultKind, number>>;
  /** `local`: the stack's REST catalog on local disk, case jobs in the dispatcher's runner; `cluster`: `--cluster`. */
  topology: Topology;
  /** Kinds the injector knows and this run did not plan (the other topology's, or disk-full without root). */
  notImplementedKinds: FaultKind[];
  recoverySeconds: Stats | null;
  /** Services that exited and were started again (by a fault's kill, or by themselves). */
  restarts: Array<{ service: string; at: string; cause: string }>;
  checks: Check[];
}

export interface Stats {
  n: number;
  median: number;
  p95: number;
  max: number;
}

/**
 * Median, 95th percentile (nearest rank) and maximum; null for no values.
 *
 * stats([4, 1, 3, 2]) → { n: 4, median: 2.5, p95: 4, max: 4 }
 */
export function stats(values: number[]): Stats | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  const p95 = sorted[Math.ceil(0.95 * sorted.length) - 1];
  return { n: sorted.length, median: round(median), p95: round(p95), max: round(sorted[sorted.length - 1]) };
}

const round = (x: number) => Math.round(x * 10) / 10;

/**
 * Seconds from each strike to the first completion after it: `completions` are epoch ms of the
 * BatchCompleted events. recoveries([1000], [500, 4000, 9000]) → [3]
 */
export function recoveries(strikes: number[], completions: number[]): Array<number | null> {
  const sorted = [...completions].sort((a, b) => a - b);
  return strikes.map((t) => {
    const next = sorted.find((c) => c > t);
    return next === undefined ? null : round((next - t) / 1000);
  });
}

export function countByKind(faults: FaultRecord[]): Partial<Record<FaultKind, number>> {
  const out: Partial<Record<FaultKind, number>> = {};
  for (const f of faults) out[f.kind] = (out[f.kind] ?? 0) + 1;
  return out;
}

export function renderMarkdown(r: SoakReport): string {
  const s = r.recoverySeconds;
  const lines = [
    `# Soak: ${r.batches.length} batches, ${r.faults.length} faults, seed ${r.seed} — ${r.passed ? 'PASSED' : 'FAILED'}`,
    '',
    `${r.startedAt} → ${r.finishedAt} (${(r.durationSeconds / 60).toFixed(1)} min). The four services ran as processes on the local stack`,
    r.topology === 'cluster'
      ? '(Kafka, registry, the S3 REST catalog with its tables on the object store, a Spark standalone master and ' +
        'two workers running every case job as a driver)'
      : '(Kafka, registry, Iceberg REST catalog)',
    `over ${r.batches.length} daily batches of generated mixed data (${r.accounts} accounts,`,
    `${r.rowsIngested} rows) while the seeded injector struck; nobody intervened. Replay: \`${r.replay}\`.`,
    '',
    `- rows lost: **${r.rowsLost ?? 'not checked (the run failed)'}**; summary and latest equal to the oracle: **${r.equalToOracle ? 'yes' : 'no'}**`,
    `- time from a fault to the next completed batch: ${s ? `median ${s.median} s, p95 ${s.p95} s, max ${s.max} s (n = ${s.n})` : 'no faults'}`,
    `- faults struck, by kind: ${
      Object.entries(r.faultsByKind)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ') || 'none'
    }` + (r.notImplementedKinds.length ? ` (not in this run: ${r.notImplementedKinds.join(', ')})` : ''),
    `- service restarts: ${r.restarts.length} (${r.restarts.map((x) => `${x.service}: ${x.cause}`).join('; ') || 'none'})`,
    '',
    '## Checks',
    '',
    '| check | result | detail |',
    '|---|---|---|',
    ...r.checks.map((c) => `| ${c.name} | ${c.ok ? 'ok' : '**FAILED**'} | ${cell(c.detail)} |`),
    '',
    '## Faults',
    '',
    '| # | day | struck at (UTC) | kind | target | what it did | to next completed batch (s) |',
    '|---|---|---|---|---|---|---|',
    ...r.faults.map(
      (f) =>
        `| ${f.index} | ${f.day} | ${f.struckAt.slice(11, 23)} | ${f.kind} | ${cell(f.target)} | ${cell(f.detail)} | ${f.recoverySeconds ?? '—'} |`,
    ),
    '',
    '## Batches',
    '',
    '| day | batch | rows | ingested (UTC) | completed (UTC) | seconds | status |',
    '|---|---|---|---|---|---|---|',
    ...r.batches.map(
      (b) =>
        `| ${b.day} | ${b.batchId} | ${b.rows} | ${b.ingestedAt.slice(11, 19)} | ${b.completedAt.slice(11, 19)} | ${b.seconds} | ${b.status} |`,
    ),
    '',
    '## The data',
    '',
    Object.entries(r.data)
      .map(([k, n]) => `${k} ${n}`)
      .join(', '),
    '',
  ];
  return lines.join('\n');
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function writeReport(dir: string, report: SoakReport): { json: string; markdown: string } {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, 'soak.json');
  const markdown = join(dir, 'soak.md');
  writeFileSync(json, JSON.stringify(report, null, 2) + '\n');
  writeFileSync(markdown, renderMarkdown(report));
  return { json, markdown };
}
