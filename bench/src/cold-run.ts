import { ChildProcess, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { IN_PROCESS, repoRoot } from '@app/runner-client';
import { Log } from './phases';
import { median, sec } from './stats';

/** One line the CLI wrote on stderr, with when it arrived (ms after the process was spawned). */
export interface TimedLine {
  atMs: number;
  text: string;
}

export interface CliRun {
  wallMs: number;
  code: number | null;
  lines: TimedLine[];
}

/** Where a cold `run` spends its time, seconds per phase (see coldBreakdown). */
export type Breakdown = Record<string, number>;

/** The state a CLI progress line starts (withPipeline's and SummaryPipeline's messages), or null: no change. */
function stateAfter(text: string): string | null {
  const m = /^\[summary-pipeline\] (.*)$/.exec(text.trim());
  if (!m) return null;
  const line = m[1];
  // In-process: "starting Spark (local[*]; …)"; on a Spark Connect server (issue 21): "connecting to Spark Connect at …".
  if (line.startsWith('starting Spark') || line.startsWith('connecting to Spark Connect')) return 'spark_start';
  if (line.startsWith('Spark ready')) return 'orchestration';
  if (/: classifying source snapshots/.test(line)) return 'classify';
  const job = /: (CASE_[IV]+) (running|committed|already_committed|skipped)/.exec(line);
  if (job) return job[2] === 'running' ? job[1] : 'orchestration';
  if (/ input row\(s\), /.test(line)) return 'orchestration';
  if (line.startsWith('nothing pending')) return 'shutdown';
  return null;
}

/** SummaryPipeline prints "maintenance: <table>: compacted … in 1.5 s" after the maintenance, one line per table that did something. */
const MAINTENANCE_LINE = /^\[summary-pipeline\] maintenance: .* in (\d+(?:\.\d+)?) s$/;

/**
 * Time per phase of one CLI process, from the arrival times of its progress lines: spawn → "starting
 * Spark" is node_start (Node, the config), then spark_start (JVM + Spark session until the runner's ready
 * line), classify and each case job from its "running" line to its "committed" line, maintenance from a
 * shutdown from "nothing pending" to the exit (runner stop, printing the outcome), and orchestration for
 * the rest (ledger and snapshot queries, audit). Maintenance prints its lines when it is over, with each
 * table's seconds: those move from orchestration to maintenance (a maintenance with nothing due prints
 * nothing and stays in orchestration). The phases add up to `exitMs`.
 * Example: lines at 0.3 s "starting Spark", 9.3 s "Spark ready", exit at 10 s → node_start 0.3, spark_start 9, orchestration 0.7.
 */
export function coldBreakdown(lines: TimedLine[], exitMs: number): Breakdown {
  const out: Record<string, number> = { node_start: 0, spark_start: 0 };
  let state = 'node_start';
  let since = 0;
  const close = (at: number) => {
    out[state] = (out[state] ?? 0) + Math.max(0, at - since);
    since = Math.max(since, at);
  };
  for (const l of lines) {
    const maintenance = MAINTENANCE_LINE.exec(l.text.trim());
    if (maintenance) {
      close(l.atMs);
      const ms = Math.min(Number(maintenance[1]) * 1000, out.orchestration ?? 0);
      out.orchestration = (out.orchestration ?? 0) - ms;
      out.maintenance = (out.maintenance ?? 0) + ms;
      continue;
    }
    const next = stateAfter(l.text);
    if (next === null || next === state) continue;
    close(l.atMs);
    state = next;
  }
  close(exitMs);
  return Object.fromEntries(Object.entries(out).map(([k, ms]) => [`${k}_s`, sec(ms)]));
}

/** Medians per phase over the runs (a phase missing from a run counts 0 there). */
export function medianBreakdown(runs: Breakdown[]): Breakdown {
  const keys = [...new Set(runs.flatMap((r) => Object.keys(r)))];
  return Object.fromEntries(keys.map((k) => [k, median(runs.map((r) => r[k] ?? 0))]));
}

/** The CLI processes running now: a bench stopped by a signal stops them too (`stopCliRuns`). */
const running = new Set<ChildProcess>();

/** Sends `signal` to every CLI process a cold run started and that still runs; their runners follow them. */
export function stopCliRuns(signal: NodeJS.Signals = 'SIGTERM'): number {
  for (const child of running) child.kill(signal);
  return running.size;
}

/** `node bin/summary-pipeline.js --config … --warehouse … <args>`, timed from spawn to exit, stderr lines timestamped. */
export function runCli(config: string, warehouse: string, args: string[]): Promise<CliRun> {
  return new Promise((done, fail) => {
    const began = Date.now();
    const child = spawn(
      process.execPath,
      [join(repoRoot(), 'bin', 'summary-pipeline.js'), '--config', config, '--warehouse', warehouse, ...args],
      {
        cwd: repoRoot(),
        stdio: ['ignore', 'ignore', 'pipe'],
        // The bench's own engine (SUMMARY_SPARK_REMOTE or in-process), not whatever server the CLI would find.
        env: { ...process.env, SUMMARY_SPARK_REMOTE: process.env.SUMMARY_SPARK_REMOTE?.trim() || IN_PROCESS },
      },
    );
    running.add(child);
    const lines: TimedLine[] = [];
    let partial = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      const atMs = Date.now() - began;
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const text of parts) lines.push({ atMs, text });
    });
    child.on('error', fail);
    child.on('close', (code) => {
      running.delete(child);
      const wallMs = Date.now() - began;
      if (partial) lines.push({ atMs: wallMs, text: partial });
      done({ wallMs, code, lines });
    });
  });
}

export interface ColdRunRaw {
  summaryRows: number;
  batchRecords: number;
  runs: CliRun[];
}

/** The CLI's sample sizes: ~10K summary rows (1,000 accounts × up to 12 months, some opened later, 5% gaps) and a ~1K mixed batch. */
export const COLD_SAMPLE = {
  accounts: 1000,
  months: 12,
  start: '2024-01',
  historyTs: '2025-01-01 00:00:00',
  batchTs: '2025-02-01 00:00:00',
} as const;

const lineCount = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '').length;

/**
 * Issue #9's cold start: in a scratch warehouse under `dir`, the CLI itself prepares a ~10K-row table
 * (init, sample, ingest, run) and ingests a ~1K-record mixed batch (sample --mixed); the warehouse is
 * then copied aside. Each of `repeat` timed runs is a fresh `summary-pipeline run` process on that state
 * (the copy is put back, at the same path, before every run after the first).
 */
export async function measureColdRun(log: Log, configFile: string, dir: string, repeat: number): Promise<ColdRunRaw> {
  const config = resolve(configFile);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const warehouse = join(dir, 'warehouse');
  const saved = join(dir, 'warehouse.saved');
  const history = join(dir, 'history.jsonl');
  const batch = join(dir, 'batch.jsonl');
  const step = async (args: string[]) => {
    const r = await runCli(config, warehouse, args);
    if (r.code !== 0)
      throw new Error(
        `cold run: summary-pipeline ${args.join(' ')} exited with ${r.code}:\n${r.lines
          .slice(-15)
          .map((l) => l.text)
          .join('\n')}`,
      );
    const mixed = args[0] === 'sample' && args.includes('--mixed') ? '--mixed ' : '';
    log(`cold run setup: summary-pipeline ${args[0]} ${mixed}in ${(r.wallMs / 1000).toFixed(1)} s`);
    return r;
  };
  const sample = [
    '--accounts',
    String(COLD_SAMPLE.accounts),
    '--months',
    String(COLD_SAMPLE.months),
    '--start',
    COLD_SAMPLE.start,
  ];
  await step(['init']);
  await step(['sample', '--out', history, ...sample, '--base-ts', COLD_SAMPLE.historyTs]);
  await step(['ingest', history]);
  await step(['run']);
  await step(['sample', '--out', batch, ...sample, '--mixed', '--base-ts', COLD_SAMPLE.batchTs]);
  await step(['ingest', batch]);
  cpSync(warehouse, saved, { recursive: true });
  const runs: CliRun[] = [];
  for (let r = 0; r < repeat; r++) {
    if (r > 0) {
      rmSync(warehouse, { recursive: true, force: true });
      cpSync(saved, warehouse, { recursive: true });
    }
    const run = await runCli(config, warehouse, ['run']);
    if (run.code !== 0)
      throw new Error(
        `cold run: summary-pipeline run exited with ${run.code}:\n${run.lines
          .slice(-15)
          .map((l) => l.text)
          .join('\n')}`,
      );
    runs.push(run);
    log(`cold run ${r + 1}/${repeat}: ${(run.wallMs / 1000).toFixed(1)} s from spawn to exit`);
  }
  const out = { summaryRows: lineCount(history), batchRecords: lineCount(batch), runs };
  if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  return out;
}

export interface ColdRunResult {
  small_batch_s: number;
  min_s: number;
  max_s: number;
  runs_s: number[];
  summary_rows: number;
  batch_records: number;
  /** Median seconds per phase (coldBreakdown), adding up to about small_batch_s. */
  breakdown: Breakdown;
}

export function coldRunResult(raw: ColdRunRaw): ColdRunResult {
  const runs = raw.runs.map((r) => sec(r.wallMs));
  return {
    small_batch_s: median(runs),
    min_s: Math.min(...runs),
    max_s: Math.max(...runs),
    runs_s: runs,
    summary_rows: raw.summaryRows,
    batch_records: raw.batchRecords,
    breakdown: medianBreakdown(raw.runs.map((r) => coldBreakdown(r.lines, r.wallMs))),
  };
}
