import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PipelineConfig, parseConfig } from '@app/config';
import { DEFAULT_ENGINE, EngineOptions, RunnerClient, runnerEngineConfig, sparkRemote } from '@app/runner-client';
import { IngestTarget, SummaryPipeline } from '@app/engine';
import { exportQuery } from '@app/table-ops';
import type { OutputRow, Row } from './oracle';

/** One Spark runner per test module (STYLE.md §9), on a warehouse in a fresh temp dir. */
export interface SparkHarness {
  config: PipelineConfig;
  pipeline: SummaryPipeline;
  runner: RunnerClient;
  dir: string;
  /**
   * Writes rows as a JSON-lines file and ingests it as one commit of the source (or of SPEC §4b's
   * report-date table); returns the commit's snapshot id.
   */
  ingest(rows: Row[], into?: IngestTarget): Promise<string | null>;
  summary(): Promise<OutputRow[]>;
  latest(): Promise<OutputRow[]>;
  /** SPEC §4c's table as `export unbounded_history` gives it. */
  unbounded(): Promise<OutputRow[]>;
  /** Current snapshot id of a table (cat.ns.table), to prove a re-run wrote nothing. */
  snapshot(table: 'summary' | 'latest'): Promise<string | null>;
  /** Stops the runner; `keepData` leaves the warehouse for a new runner (crash tests). */
  close(keepData?: boolean): Promise<void>;
  /** A second runner on the same warehouse (after a crash). */
  restart(env?: NodeJS.ProcessEnv): Promise<void>;
}

export async function startHarness(
  rawConfig: unknown,
  env: NodeJS.ProcessEnv = {},
  dir = mkdtempSync(join(tmpdir(), 'summary-it-')),
  engineOverrides: Partial<EngineOptions> = {},
): Promise<SparkHarness> {
  const config = parseConfig(rawConfig, 'test config');
  // SUMMARY_SPARK_REMOTE runs the suites' jobs on a Spark Connect server (issue 21) instead of an in-process Spark.
  const remote = sparkRemote(process.env.SUMMARY_SPARK_REMOTE);
  const engine = runnerEngineConfig(config, {
    ...DEFAULT_ENGINE,
    warehouse: join(dir, 'warehouse'),
    shufflePartitions: 2,
    driverMemory: '2g',
    remote,
    ...engineOverrides,
  });
  let files = 0;
  const progress = process.env.TEST_PROGRESS ? (m: string) => process.stderr.write(`${m}\n`) : () => undefined;
  const h: SparkHarness = {
    config,
    dir,
    runner: undefined as unknown as RunnerClient,
    pipeline: undefined as unknown as SummaryPipeline,
    async ingest(rows, into = 'source') {
      const file = join(dir, `ingest-${++files}.jsonl`);
      writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
      return (await h.pipeline.ingest(file, {}, into)).snapshotId;
    },
    summary: () => h.runner.query(exportQuery(config, 'summary'), 10_000_000) as Promise<OutputRow[]>,
    latest: () => h.runner.query(exportQuery(config, 'latest_summary'), 10_000_000) as Promise<OutputRow[]>,
    unbounded: () => h.runner.query(exportQuery(config, 'unbounded_history'), 10_000_000) as Promise<OutputRow[]>,
    snapshot: (table) => h.pipeline.currentSnapshot(table === 'summary' ? config.summaryTable : config.latestTable),
    async close(keepData = false) {
      await h.runner.close();
      if (!keepData) rmSync(dir, { recursive: true, force: true });
    },
    async restart(restartEnv = {}) {
      h.runner = new RunnerClient(engine, { logFile: join(dir, 'runner.log'), env: restartEnv });
      await h.runner.start();
      h.pipeline = new SummaryPipeline(config, h.runner, progress);
    },
  };
  await h.restart(env);
  return h;
}

/** Sorted-key JSON of a row, so two rows compare independent of column order. */
export function canonical(row: Record<string, unknown>): string {
  return JSON.stringify(
    Object.fromEntries(
      Object.keys(row)
        .sort()
        .map((k) => [k, row[k]]),
    ),
  );
}

/**
 * Differences between actual and expected rows keyed by `keyOf`: missing, unexpected and changed rows,
 * each with both versions, at most `limit`. Empty when equal.
 */
export function diffRows(
  actual: Record<string, unknown>[],
  expected: Record<string, unknown>[],
  keyOf: (r: Record<string, unknown>) => string,
  limit = 10,
): string[] {
  const a = new Map(actual.map((r) => [keyOf(r), r]));
  const e = new Map(expected.map((r) => [keyOf(r), r]));
  const out: string[] = [];
  for (const [k, row] of e) {
    if (!a.has(k)) out.push(`missing ${k}: expected ${canonical(row)}`);
    else if (canonical(a.get(k)!) !== canonical(row))
      out.push(`differs ${k}:\n    actual   ${canonical(a.get(k)!)}\n    expected ${canonical(row)}`);
  }
  for (const [k, row] of a) if (!e.has(k)) out.push(`unexpected ${k}: ${canonical(row)}`);
  if (actual.length !== a.size) out.push(`duplicate keys in actual: ${actual.length} rows, ${a.size} distinct`);
  return out.slice(0, limit);
}
