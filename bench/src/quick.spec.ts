import { CaseName } from '@app/compiler';
import { BenchDocument, ChecksumPair, Measurements, buildDocument } from './document';
import { Environment } from './environment';
import { JobLabel, JobSample, RunSample } from './measure';
import { QUICK_PROFILE, SEED_SIMULATION } from './options';
import { QUICK_SCHEMA, quickDocument, quickReference, renderQuickMarkdown } from './quick';

function job(label: JobLabel, durationMs: number): JobSample {
  return {
    label,
    jobId: `b-1-${label}`,
    durationMs,
    wallMs: durationMs,
    steps: [{ name: 'work', durationMs, sparkJobs: 3, commits: 1 }],
    overheadMs: 0,
    writes: {},
  };
}

/** One run of a 100-record batch (5 new, 85 forward, 10 backfill). */
function run(wallMs: number, backfillMs: number): RunSample {
  const caseRows: Record<CaseName, number> = { CASE_III: 10, CASE_I: 5, CASE_II: 85 };
  return {
    wallMs,
    maintenanceMs: 500,
    maintenanceCalls: ['CALL x'],
    batchId: 'b-000002',
    inputRows: 100,
    caseRows,
    cases: [],
    queries: 3,
    queryMs: 300,
    jobs: [job('classify', 1000), job('CASE_III', backfillMs), job('CASE_I', 1000), job('CASE_II', 2000)],
  };
}

const environment: Environment = {
  date: '2026-01-02T03:04:05.000Z',
  cores: 2,
  cpu: 'test cpu',
  memory_gib: 24,
  os: 'linux',
  node: 'v20',
  java: '17',
  python: '3.11',
  spark: '3.5.9',
  iceberg: '1.10.1',
  iceberg_jar: null,
  runner: '0.1.0',
  spark_master: 'local[*]',
  driver_memory: '4g',
  shuffle_partitions: '4',
};
const pair = (summary: string): ChecksumPair => ({
  summary: { rows: 47_090, checksum: summary },
  latest: { rows: 2005, checksum: '-7' },
});

/** What a `--quick --scale 0.02` run measures: the batch in the default mode (merge-on-read) and the cold run, nothing else. */
function quickMeasurements(): Measurements {
  return {
    environment,
    parameters: {
      scale: 0.02,
      repeat: 3,
      seed: 1,
      config: 'config/seed-000.json',
      accounts: 2000,
      batch_rows: 100,
      batch_sizes: [100],
      table_factors: [1],
      load_chunk_accounts: 2000,
      sustained_batches: 30,
      default_write_mode: 'merge-on-read',
      skipped: [...QUICK_PROFILE.skip],
      reference: SEED_SIMULATION,
    },
    base: {
      accounts: 2000,
      sourceRows: 47_000,
      summaryRows: 47_000,
      latestRows: 2000,
      chunks: [{ source_rows: 47_000, generate_s: 5, load_s: 40, classify_s: 15, case_i_s: 22 }],
      buildMs: 46_000,
    },
    batch: { rows: 100, newAccounts: 5, forward: 85, backfill: 10 },
    defaultMode: 'merge-on-read',
    copyOnWrite: null,
    mergeOnRead: [run(9000, 4000), run(8000, 3000), run(10_000, 5000)],
    rebuild: null,
    checksums: { mergeOnRead: pair('42') },
    amplification: { 'merge-on-read': { rows_written: 100, rows_changed: 100, ratio: 1 } },
    sustained: null,
    coldRun: {
      summaryRows: 9800,
      batchRecords: 1050,
      runs: [
        { wallMs: 30_000, code: 0, lines: [] },
        { wallMs: 28_000, code: 0, lines: [] },
        { wallMs: 29_000, code: 0, lines: [] },
      ],
    },
    tableSeries: [],
    batchSeries: [],
    noop: null,
    tableRole: (plain) => plain,
  };
}

/** A full run's latest.json of the same workload, its incremental result confirmed by the full rebuild (or not). */
function fullRun(rebuildSummary: string, incrementalSummary = rebuildSummary): BenchDocument {
  const m = quickMeasurements();
  return buildDocument({
    ...m,
    parameters: { ...m.parameters, skipped: [] },
    environment: { ...environment, date: '2025-12-01T00:00:00.000Z' },
    rebuild: [run(60_000, 0)],
    checksums: { mergeOnRead: pair(incrementalSummary), rebuild: pair(rebuildSummary) },
  });
}

describe('quickDocument', () => {
  const full = buildDocument(quickMeasurements());
  const q = quickDocument(full, pair('42'), [], 400_000);

  it("keeps the full benchmark's keys for what the quick profile measures, in the same shapes", () => {
    expect(q).toMatchObject({
      schema: QUICK_SCHEMA,
      profile: 'quick',
      duration_s: 400,
      result: pair('42'),
      compared_with: [],
    });
    expect(q.incremental).toMatchObject({ mode: 'merge-on-read', median_s: 9, min_s: 8, max_s: 10 });
    expect(q.incremental.cases.CASE_III!.median_s).toBe(4);
    expect(q.write_amplification).toMatchObject({ summary: 1, mode: 'merge-on-read' });
    expect(q.cold_run).toMatchObject({ small_batch_s: 29, min_s: 28, max_s: 30 });
    expect(q.parameters.skipped).toEqual(QUICK_PROFILE.skip);
  });

  it('keeps only the targets it measured and the check of the batch split', () => {
    expect(q.targets.map((t) => t.id)).toEqual(['batch_time', 'write_amplification', 'cold_run']);
    expect(q.checks).toEqual([
      {
        name: 'batch as generated',
        ok: true,
        detail:
          'classify counted 5 new (CASE_I), 85 forward (CASE_II), 10 backfills (CASE_III) of 100 records in each of 3 run(s)',
      },
    ]);
  });

  it('carries a phase that failed on its own as a failed check', () => {
    const failed = quickDocument(
      buildDocument({
        ...quickMeasurements(),
        coldRun: null,
        failures: [{ phase: 'cold', message: 'ingest exited with 1' }],
      }),
      pair('42'),
      [],
      1000,
    );
    expect(failed.cold_run).toBeNull();
    expect(failed.checks.map((c) => [c.name, c.ok])).toEqual([
      ['batch as generated', true],
      ['phase cold ran', false],
    ]);
  });
});

describe('quickReference', () => {
  const params = buildDocument(quickMeasurements()).parameters;

  it("takes latest.json's incremental result only when its full rebuild confirmed it", () => {
    expect(quickReference(JSON.parse(JSON.stringify(fullRun('42'))), params)).toMatchObject({
      source: 'full run',
      date: '2025-12-01T00:00:00.000Z',
      batch: { median_s: 9 },
      write_amplification: 1,
      cold_run: { median_s: 29 },
      result: pair('42'),
    });
    expect(quickReference(fullRun('-42'), params)!.result).toEqual(pair('-42'));
    expect(quickReference(fullRun('41', '42'), params)!.result).toBeNull();
  });

  it('takes a previous quick.json with its result', () => {
    const previous = JSON.parse(
      JSON.stringify(quickDocument(buildDocument(quickMeasurements()), pair('43'), [], 1000)),
    );
    expect(quickReference(previous, params)).toMatchObject({
      source: 'previous quick run',
      result: pair('43'),
      cases: { classify: 1, CASE_III: 4, CASE_I: 1, CASE_II: 2 },
      maintenance_s: 0.5,
    });
  });

  it('ignores another workload, another format and no document', () => {
    expect(quickReference(fullRun('42'), { ...params, scale: 1, accounts: 100_000, batch_rows: 10_000 })).toBeNull();
    expect(quickReference(fullRun('42'), { ...params, seed: 2 })).toBeNull();
    expect(quickReference({ ...fullRun('42'), schema: 'other/1' }, params)).toBeNull();
    expect(quickReference({ schema: QUICK_SCHEMA }, params)).toBeNull();
    expect(quickReference(null, params)).toBeNull();
  });
});

describe('comparison with earlier runs', () => {
  const full = buildDocument(quickMeasurements());
  const previous = quickReference(
    JSON.parse(JSON.stringify(quickDocument(full, pair('43'), [], 1000))),
    full.parameters,
  )!;
  const latest = quickReference(fullRun('-42'), full.parameters)!;
  const q = quickDocument(full, pair('-42'), [previous, latest], 400_000);

  it('checks the result against each earlier result of the same workload: a different one fails', () => {
    expect(q.checks.map((c) => [c.name, c.ok])).toEqual([
      ['batch as generated', true],
      ['same result as the previous quick run (2026-01-02)', false],
      ['same result as the full run (2025-12-01)', true],
    ]);
    expect(q.checks[1].detail).toBe(
      'this run: summary 47090 rows #-42, latest 2005 rows #-7; previous quick run: summary 47090 rows #43, latest 2005 rows #-7',
    );
  });

  it('renders the figures beside the earlier ones', () => {
    const md = renderQuickMarkdown(q);
    expect(md).toContain('# Quick benchmark (`--quick`): 2026-01-02, scale 0.02, 3 repeat(s), 400 s in all');
    expect(md).toContain('|  | this run | previous quick run (2026-01-02) | full run (2025-12-01) |');
    expect(md).toContain(
      '| 100-record batch, merge-on-read (default), s | **9.00 (8.00–10.00)** | 9.00 (8.00–10.00) | 9.00 (8.00–10.00) |',
    );
    expect(md).toContain('|   classify / CASE_III / CASE_I / CASE_II, median s | 1.00 / 4.00 / 1.00 / 2.00 |');
    expect(md).toContain('| summary write amplification (rows written ÷ changed) | **1** (100 / 100) | 1 | 1 |');
    expect(md).toContain(
      '| cold `summary-pipeline run`, s | **29.00 (28.00–30.00)** | 29.00 (28.00–30.00) | 29.00 (28.00–30.00) |',
    );
    expect(md).toContain(
      'Left out (run the full benchmark for them): modes, rebuild, batch, table, overhead, sustained, deletes, report.',
    );
    expect(md).toContain('- check **same result as the previous quick run (2026-01-02)**: **FAILED**');
    expect(md).toContain(
      "Issue #9's targets: 10K batch over ~2.35M summary rows, default configuration ≤ 10 s: 9.0 s (met); ",
    );
    expect(md).toContain('(measured at --scale 0.02; the targets are stated for --scale 1).');
  });
});
