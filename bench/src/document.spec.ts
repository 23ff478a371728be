import { CaseName } from '@app/compiler';
import { BenchDocument, Measurements, buildDocument } from './document';
import { Environment } from './environment';
import { NO_WRITES, WriteStats } from './iceberg-stats';
import { renderMarkdown } from './markdown';
import { JobLabel, JobSample, RunSample } from './measure';
import { SEED_SIMULATION } from './options';
import { runResult, stepLine, stepProfile, targets } from './report';

const w = (added: number, removed = 0, filesAdded = 1, filesRemoved = 0): WriteStats => ({
  ...NO_WRITES,
  snapshots: 1,
  operations: ['overwrite'],
  addedRecords: added,
  deletedRecords: removed,
  addedDataFiles: filesAdded,
  removedDataFiles: filesRemoved,
});

function job(
  label: JobLabel,
  durationMs: number,
  steps: [string, number][],
  writes: Record<string, WriteStats> = {},
): JobSample {
  return {
    label,
    jobId: `b-1-${label}`,
    durationMs,
    wallMs: durationMs + 10,
    steps: steps.map(([name, d], i) => ({
      name,
      durationMs: d,
      sparkJobs: i + 2,
      commits: i === steps.length - 1 ? 1 : 0,
    })),
    overheadMs: durationMs - steps.reduce((a, [, d]) => a + d, 0),
    writes,
  };
}

/** One run of a 100-record batch (5 new, 85 forward, 10 backfill) whose jobs take the given ms. */
function run(wallMs: number, classify: number, backfill: number): RunSample {
  const caseRows: Record<CaseName, number> = { CASE_III: 10, CASE_I: 5, CASE_II: 85 };
  return {
    wallMs,
    maintenanceMs: 0,
    maintenanceCalls: null,
    batchId: 'b-000002',
    inputRows: 100,
    caseRows,
    cases: [],
    queries: 3,
    queryMs: 300,
    jobs: [
      job(
        'classify',
        classify,
        [
          ['prepare', classify - 200],
          ['stage batch', 100],
        ],
        { 'local.b.summary_batches': w(100) },
      ),
      job(
        'CASE_III',
        backfill,
        [
          ['read window', 400],
          ['merge summary', backfill - 600],
        ],
        { 'local.b.summary': w(70, 60, 2, 2), 'local.b.latest_summary': w(5, 5, 1, 1) },
      ),
      job('CASE_I', 1000, [['build rows', 700]], { 'local.b.summary': w(5), 'local.b.latest_summary': w(5) }),
      job('CASE_II', 2000, [['build rows', 1500]], {
        'local.b.summary': w(85),
        'local.b.latest_summary': w(85, 85, 1, 1),
      }),
    ],
  };
}

const role = (plain: string) =>
  ({ 'local.b.summary': 'summary', 'local.b.latest_summary': 'latest', 'local.b.summary_batches': 'batches' })[plain] ??
  plain;

describe('runResult', () => {
  const r = runResult([run(9000, 1500, 4000), run(8000, 1000, 3000), run(10_000, 1200, 5000)], role);

  it('gives the median and min–max of the whole run and of each job', () => {
    expect([r.median_s, r.min_s, r.max_s]).toEqual([9, 8, 10]);
    expect([r.cases.classify!.median_s, r.cases.CASE_III!.median_s, r.cases.CASE_III!.max_s]).toEqual([1.2, 4, 5]);
  });

  it("counts each case's records and records per second at the median", () => {
    expect([r.batch_rows, r.records_per_s]).toEqual([100, 11.1]); // 100 / 9 s
    expect([r.cases.CASE_II!.rows, r.cases.CASE_II!.records_per_s]).toEqual([85, 42.5]); // 85 / 2 s
    expect(r.cases.classify!.rows).toBe(100);
  });

  it('adds up what the commits wrote, per case and per table', () => {
    expect(r.cases.CASE_III!.tables.summary).toMatchObject({ rows_added: 70, rows_removed: 60, data_files_removed: 2 });
    expect(r.cases.CASE_III!).toMatchObject({
      rows_added: 75,
      rows_removed: 65,
      data_files_added: 3,
      data_files_removed: 3,
    });
    // the run also stages the batch: 100 rows into the batches table
    expect(r).toMatchObject({ rows_added: 355, rows_removed: 150, data_files_removed: 4 });
    expect(r.tables.summary).toMatchObject({ rows_added: 160, rows_removed: 60 });
  });

  it('keeps per-step medians and the runner bookkeeping (job time − steps)', () => {
    expect(r.cases.CASE_III!.steps).toEqual([
      { name: 'read window', median_ms: 400, min_ms: 400, max_ms: 400, spark_jobs: 2, commits: 0 },
      { name: 'merge summary', median_ms: 3400, min_ms: 2400, max_ms: 4400, spark_jobs: 3, commits: 1 },
    ]);
    expect(r.cases.CASE_III!.overhead_ms).toBe(200);
    expect(r.cases.CASE_I!.overhead_ms).toBe(300);
  });

  it('profiles every step of every job kind with its Spark jobs and commits (issue 22)', () => {
    expect(stepProfile(r).filter((p) => p.job === 'CASE_III')).toEqual([
      { job: 'CASE_III', step: 'read window', median_s: 0.4, spark_jobs: 2, commits: 0 },
      { job: 'CASE_III', step: 'merge summary', median_s: 3.4, spark_jobs: 3, commits: 1 },
    ]);
    expect(stepLine(r.cases.CASE_III!.steps[1], (n) => n.toLocaleString('en-US'))).toBe(
      'merge summary 3,400 (3 jobs, 1 commit)',
    );
    expect(stepLine({ name: 'plan', median_ms: 5, min_ms: 5, max_ms: 5, spark_jobs: null, commits: 0 }, String)).toBe(
      'plan 5',
    );
  });

  it('reports the wall time outside the jobs', () => {
    // runs: 9000 − 8540, 8000 − 7040, 10000 − 9240 (job round trips: duration + 10 ms each)
    expect(r.orchestration_s.runs_s).toEqual([0.46, 0.96, 0.76]);
    expect(r.orchestration_s.median_s).toBe(0.76);
  });
});

describe('targets', () => {
  const measured = {
    scale: 1,
    incrementalS: 8,
    rebuildS: 100,
    tableSeries: [
      { summary_rows: 1000, median_s: 8 },
      { summary_rows: 10_000, median_s: 13 },
    ],
    batchSeries: [
      { batch_rows: 1000, median_s: 6 },
      { batch_rows: 10_000, median_s: 8 },
      { batch_rows: 100_000, median_s: 19 },
    ],
    batchRows: 10_000,
    writeAmplification: 1.4,
    sustained: { batches: 30, first_s: 8, last_s: 10, full_scan_ratio: 1.1, point_read_ratio: 1.5, daily_cost_s: 12.5 },
    coldRunS: 18,
    noopJobMs: 800,
  };

  it("judges issue #9's targets from the measured figures", () => {
    const t = targets(measured);
    expect(t.map((x) => [x.id, x.met])).toEqual([
      ['batch_time', true],
      ['table_growth', false],
      ['vs_full_rebuild', true],
      ['batch_growth', true],
      ['write_amplification', true],
      ['sustained_growth', false],
      ['sustained_full_scan', true],
      ['sustained_point_read', false],
      ['daily_cost', false],
      ['cold_run', true],
      ['job_overhead', true],
      ['report_batch', null],
    ]);
    const by = (id: string) => t.find((x) => x.id === id)!.measured;
    expect(by('vs_full_rebuild')).toBe('12.5×');
    expect(by('table_growth')).toBe('1.63× the time for 10.0× the rows');
    expect(by('batch_growth')).toBe('2.38× the time for 10.0× the records');
    expect(by('sustained_growth')).toBe('1.25× (8.0 → 10.0 s)');
  });

  it("judges issue 23's report batch against the plain batch of the same run", () => {
    const one = (reportBatch: Parameters<typeof targets>[0]['reportBatch']) =>
      targets({ ...measured, reportBatch }).find((x) => x.id === 'report_batch')!;
    expect(one({ median_s: 12, plain_median_s: 10 })).toMatchObject({
      met: true,
      measured: '1.20× (10.0 → 12.0 s)',
      target: '≤ 1.3× the time',
    });
    expect(one({ median_s: 14, plain_median_s: 10 })).toMatchObject({ met: false, measured: '1.40× (10.0 → 14.0 s)' });
    expect(one({ median_s: 14, plain_median_s: null })).toMatchObject({ met: null, measured: 'not measured' });
  });

  it('compares the batch 10× the main one, else the largest above it', () => {
    const t = targets({
      ...measured,
      batchSeries: [
        { batch_rows: 10_000, median_s: 8 },
        { batch_rows: 50_000, median_s: 24 },
      ],
    });
    expect(t.find((x) => x.id === 'batch_growth')).toMatchObject({
      measured: '3.00× the time for 5.0× the records',
      met: false,
    });
  });

  it('says when a target was not measured, and notes a run at another scale', () => {
    const t = targets({
      scale: 0.02,
      incrementalS: 5,
      rebuildS: null,
      tableSeries: [],
      batchSeries: [],
      batchRows: 200,
      writeAmplification: null,
      sustained: null,
      coldRunS: null,
      noopJobMs: null,
    });
    expect(t.map((x) => x.met)).toEqual([true, null, null, null, null, null, null, null, null, null, null, null]);
    expect(t[0].note).toBe('measured at --scale 0.02; the targets are stated for --scale 1');
    expect(t.find((x) => x.id === 'cold_run')!.note).toBeUndefined(); // its size does not scale
  });
});

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

function measurements(): Measurements {
  const cow = [run(8000, 1200, 4000), run(9000, 1200, 4000)];
  const pair = (rows: number, sum: string) => ({
    summary: { rows, checksum: sum },
    latest: { rows: 2000, checksum: '7' },
  });
  return {
    environment,
    parameters: {
      scale: 0.02,
      repeat: 2,
      seed: 1,
      config: 'config/seed-000.json',
      accounts: 2000,
      batch_rows: 100,
      batch_sizes: [100, 1000],
      table_factors: [1, 3],
      load_chunk_accounts: 2000,
      sustained_batches: 2,
      default_write_mode: 'copy-on-write',
      skipped: [],
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
    defaultMode: 'copy-on-write',
    copyOnWrite: cow,
    mergeOnRead: [run(7000, 1200, 3000), run(7000, 1200, 3000)],
    rebuild: [run(90_000, 30_000, 0), run(80_000, 30_000, 0)],
    checksums: { copyOnWrite: pair(47_090, '42'), mergeOnRead: pair(47_090, '42'), rebuild: pair(47_090, '41') },
    tableSeries: [
      { factor: 1, accounts: 2000, summaryRows: 47_000, buildMs: null, samples: cow },
      { factor: 3, accounts: 6000, summaryRows: 141_000, buildMs: 80_000, samples: [run(10_000, 1200, 5000)] },
    ],
    batchSeries: [
      { rows: 100, samples: cow },
      { rows: 1000, samples: [run(20_000, 1200, 9000)] },
    ],
    noop: { durationMs: [300, 400, 350], wallMs: [310, 420, 360] },
    tableRole: role,
    amplification: {
      'copy-on-write': { rows_written: 160, rows_changed: 100, ratio: 1.6 },
      'merge-on-read': { rows_written: 100, rows_changed: 100, ratio: 1 },
    },
    sustained: {
      days: [
        {
          day: 1,
          batchMs: 5000,
          maintenanceMs: 0,
          maintenanceCalls: null,
          inputRows: 100,
          caseRows: { CASE_III: 10, CASE_I: 5, CASE_II: 85 },
        },
        {
          day: 2,
          batchMs: 6000,
          maintenanceMs: 2000,
          maintenanceCalls: ['CALL x'],
          inputRows: 100,
          caseRows: { CASE_III: 9, CASE_I: 5, CASE_II: 86 },
        },
      ],
      batchRows: 100,
      pointKey: 1_000_085,
      summaryRows: 48_000,
      before: { fullScanMs: [1200], pointReadMs: [300] },
      compactionMs: 4000,
      after: { fullScanMs: [1000], pointReadMs: [200] },
    },
    coldRun: {
      summaryRows: 9800,
      batchRecords: 1050,
      runs: [
        {
          wallMs: 30_000,
          code: 0,
          lines: [
            { atMs: 500, text: '[summary-pipeline] starting Spark (local[*])' },
            { atMs: 12_500, text: '[summary-pipeline] Spark ready in 12.0 s' },
          ],
        },
        {
          wallMs: 28_000,
          code: 0,
          lines: [
            { atMs: 300, text: '[summary-pipeline] starting Spark (local[*])' },
            { atMs: 10_300, text: '[summary-pipeline] Spark ready in 10.0 s' },
          ],
        },
      ],
    },
  };
}

describe('buildDocument', () => {
  const d: BenchDocument = buildDocument(measurements());

  it('holds the figures issue #4 asks for', () => {
    expect(d.incremental.median_s).toBe(8.5);
    expect(d.full_rebuild!.median_s).toBe(85);
    expect(d.full_rebuild!.speedup).toBe(10);
    expect(d.cases.CASE_III!.median_s).toBe(4);
    expect(d.scaling.table.map((t) => [t.summary_rows, t.median_s])).toEqual([
      [47_000, 8.5],
      [141_000, 10],
    ]);
    expect(d.scaling.batch.map((b) => [b.batch_rows, b.median_s])).toEqual([
      [100, 8.5],
      [1000, 20],
    ]);
    expect(d.write_modes['merge-on-read']!.median_s).toBe(7);
  });

  it("adds issue #9's keys: write amplification, sustained, cold run, the cost model", () => {
    expect(d.write_amplification).toMatchObject({ summary: 1.6, mode: 'copy-on-write', 'merge-on-read': { ratio: 1 } });
    expect(d.sustained).toMatchObject({
      batches: 2,
      first_s: 5,
      last_s: 6,
      maintenance_s_per_day: 1,
      daily_cost_s: 6.5,
      full_scan_ratio: 1.2,
      point_read_ratio: 1.5,
      batch_s: [5, 6],
      maintenance_s: [0, 2],
    });
    expect(d.sustained!.days.map((x) => x.as_generated)).toEqual([true, false]);
    expect(d.cold_run).toMatchObject({ small_batch_s: 29, runs_s: [30, 28], summary_rows: 9800, batch_records: 1050 });
    expect(d.cold_run!.breakdown).toEqual({ node_start_s: 0.4, spark_start_s: 11, orchestration_s: 17.6 });
    expect(d.cost_model!.points).toHaveLength(3); // (100, 47K) counted once, (100, 141K), (1000, 47K)
    expect(d.cost_model!.projection).toMatchObject({ projection: true, cores: 800 });
    expect(d.checks.find((c) => c.name === 'sustained batches as generated')).toMatchObject({
      ok: false,
      detail: 'days 2 differ from the 5/85/10 split (see sustained.days)',
    });
  });

  it('reports a phase that failed on its own as a failed check', () => {
    const failed = buildDocument({
      ...measurements(),
      coldRun: null,
      failures: [{ phase: 'cold', message: 'summary-pipeline ingest exited with 1' }],
    });
    expect(failed.cold_run).toBeNull();
    expect(failed.checks[failed.checks.length - 1]).toEqual({
      name: 'phase cold ran',
      ok: false,
      detail: 'summary-pipeline ingest exited with 1',
    });
  });

  it('keeps every scaling.batch point shaped {batch_rows, median_s, …}', () => {
    for (const b of d.scaling.batch)
      expect(Object.keys(b)).toEqual(
        expect.arrayContaining(['batch_rows', 'median_s', 'min_s', 'max_s', 'runs_s', 'summary_rows', 'cases']),
      );
  });

  it('keeps every key of the previous documents', () => {
    expect(Object.keys(d)).toEqual(
      expect.arrayContaining([
        'schema',
        'environment',
        'parameters',
        'data',
        'initial_load',
        'incremental',
        'cases',
        'full_rebuild',
        'write_modes',
        'scaling',
        'overhead',
        'targets',
        'checks',
      ]),
    );
    expect(Object.keys(d.write_modes).sort()).toEqual(['copy-on-write', 'merge-on-read']);
  });

  it('runs the headline in the default mode: merge-on-read when init makes it so', () => {
    const m = measurements();
    const md = buildDocument({ ...m, defaultMode: 'merge-on-read' });
    expect(md.incremental).toMatchObject({ mode: 'merge-on-read', median_s: 7 });
    expect(md.write_modes['copy-on-write']!.median_s).toBe(8.5);
    expect(md.write_amplification.summary).toBe(1);
    expect(md.checks.find((c) => c.name === 'incremental = full rebuild')!.detail).toMatch(
      /^incremental \(merge-on-read\)/,
    );
    expect(renderMarkdown(md)).toContain(
      "## Incremental batch (merge-on-read, the tables' default): 7.00 (7.00–7.00) s",
    );
    expect(renderMarkdown(md)).toContain('| merge-on-read (default) |');
  });

  it('records the environment and the parameters', () => {
    expect(d.schema).toBe('summary-pipeline-bench/1');
    expect(d.environment.cores).toBe(2);
    expect(d.parameters).toMatchObject({ scale: 0.02, repeat: 2 });
    expect(d.initial_load).toMatchObject({ seconds: 40, rows_per_s: 1175 });
  });

  it('flags a baseline whose result differs from the incremental one', () => {
    expect(d.checks.map((c) => [c.name, c.ok])).toEqual([
      ['incremental = full rebuild', false],
      ['copy-on-write = merge-on-read', true],
      ['sustained batches as generated', false],
    ]);
  });

  it('uses the no-op job round trip for the overhead target', () => {
    expect(d.overhead.noop_job_wall_ms).toEqual({ median: 360, min: 310, max: 420, n: 3 });
    expect(d.targets.find((t) => t.id === 'job_overhead')!.measured).toBe('0.36 s (no-op job under the ledger)');
  });

  it("reports issue 23's report batch beside the delete batch: latest.json's report_batch, a target, its checks, a section", () => {
    const m = measurements();
    const withReport = (wallMs: number): RunSample => ({
      ...run(wallMs, 1500, 4500),
      report: { read: 20, rejected: 0, unmatched: 0, vetoes: 2, reresolved: 4 },
    });
    const rd = buildDocument({
      ...m,
      deleteBatch: { samples: [run(8000, 1200, 4000), run(10_000, 1200, 4000)], deletes: 2, deleted: 2 },
      reportBatch: {
        samples: [withReport(11_000), withReport(12_000)],
        composition: { rows: 20, vetoes: 2, batchCells: 9, existingCells: 9 },
        deletes: 2,
        deleted: 0,
        report: { read: 20, rejected: 0, unmatched: 0, vetoes: 2, reresolved: 4 },
        unboundedRows: 2005,
        latestRows: 2005,
        summaryDataFiles: { base: 36, copy: 36 },
        checks: [
          {
            name: 'report batch: unbounded rows = latest rows',
            ok: true,
            detail: 'unbounded history 2005 rows, latest 2005',
          },
        ],
      },
    });
    expect(rd.report_batch).toMatchObject({
      records: 100,
      report_rows: 20,
      vetoes: 2,
      batch_cells: 9,
      existing_cells: 9,
      median_s: 11.5,
      plain_median_s: 9,
      ratio: 1.28,
      unbounded_rows: 2005,
      latest_rows: 2005,
    });
    expect(rd.report_batch!.report.reresolved).toBe(4);
    expect(rd.targets.find((t) => t.id === 'report_batch')).toMatchObject({
      met: true,
      measured: '1.28× (9.0 → 11.5 s)',
    });
    expect(rd.checks.map((c) => c.name)).toContain('report batch: unbounded rows = latest rows');
    const md = renderMarkdown(rd);
    expect(md).toContain(
      "## The batch with 20 report rows and unbounded history (SPEC §4b, §4c): 11.50 (11.00–12.00) s — 1.28× the plain batch's 9.00 s (target ≤ 1.3×: met)",
    );
    expect(md).toContain('2 vetoes of its deletes, 9 on its other cells, 9 on existing cells');
    expect(md).toContain('(summary data files: 36 in the base set, 36 in the copy).');
    expect(rd.report_batch!.summary_data_files).toEqual({ base: 36, copy: 36 });
    expect(d.report_batch).toBeNull();
    expect(renderMarkdown(d)).not.toContain('report rows and unbounded history');
  });

  it('renders the same figures as markdown tables', () => {
    const md = renderMarkdown(d);
    expect(md).toContain('# Benchmark: 2026-01-02, scale 0.02, 2 repeat(s)');
    expect(md).toContain("## Incremental batch (copy-on-write, the tables' default): 8.50 (8.00–9.00) s");
    expect(md).toContain('| CASE_III | 10 | 4.00 (4.00–4.00) | 2.5 | 75 | 65 | 3 / 3 | 0 | 200 |');
    expect(md).toContain('## Full rebuild baseline: 85.00 (80.00–90.00) s — the incremental batch is 10× faster');
    expect(md).toContain('| 3× | 141,000 | 100 | 10.00 (10.00–10.00) | 5.00 | 2.00 | 10 |');
    expect(md).toContain('check **incremental = full rebuild**: **DIFFERENT**');
    expect(md).toContain('## Targets (issue #9)');
    expect(md).toContain('## Sustained: 2 consecutive daily batches on one table');
    expect(md).toContain('| 2 | 6.00 | 2.00 | 100 | 9 / 5 / 86 (not as generated) |');
    expect(md).toContain('## Cold run: 29.00 s (28.00–30.00)');
    expect(md).toContain('**Projection, not a measurement:**');
  });
});
