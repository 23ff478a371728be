import { ClusterBenchDocument, clusterSizes, renderClusterMarkdown, topologyResult } from './cluster';
import { JobLabel, JobSample, RunSample } from './measure';
import { CLUSTER_SCALE, DEFAULT_OPTIONS } from './options';

const job = (label: JobLabel, wallMs: number, durationMs: number): JobSample => ({
  label,
  jobId: `${label}-1`,
  durationMs,
  wallMs,
  steps: [],
  overheadMs: 0,
  writes: {},
});

const sample = (wallMs: number, jobs: JobSample[]): RunSample => ({
  wallMs,
  maintenanceMs: 0,
  maintenanceCalls: null,
  batchId: 'b-000002',
  inputRows: 100,
  caseRows: { CASE_III: 10, CASE_I: 5, CASE_II: 85 },
  cases: [],
  jobs,
  queries: 0,
  queryMs: 0,
});

const checksums = { summary: { rows: 23_000, checksum: '42' }, latest: { rows: 1_005, checksum: '7' } };

describe('cluster benchmark', () => {
  it('measures the base table and the headline batch only, at its own small scale', () => {
    expect(clusterSizes({ ...DEFAULT_OPTIONS, scale: CLUSTER_SCALE })).toEqual({
      accounts: 1_000,
      batchRows: 100,
      batchSizes: [100],
      tableFactors: [1],
      loadChunkAccounts: 1_000,
    });
  });

  it('sums each job kind per run, round trip and inside the runner, in seconds', () => {
    const runs = [
      sample(40_000, [
        job('classify', 9_000, 3_000),
        job('CASE_III', 12_000, 5_000),
        job('CASE_II', 8_000, 2_000),
        job('maintenance', 1_000, 900),
      ]),
      sample(44_000, [
        job('classify', 10_000, 3_500),
        job('CASE_III', 11_000, 4_000),
        job('CASE_III', 2_000, 1_000),
        job('CASE_II', 9_000, 2_500),
      ]),
    ];
    const r = topologyResult('cluster', { wallMs: [20_000, 18_000], durationMs: [500, 400] }, runs, checksums);
    expect(r.noop).toEqual({ wall_s: [20, 18], runner_s: [0.5, 0.4] });
    expect(r.batch.wall_s).toEqual([40, 44]);
    expect(r.batch.jobs).toEqual({
      classify: { wall_s: [9, 10], runner_s: [3, 3.5] },
      CASE_III: { wall_s: [12, 13], runner_s: [5, 5] },
      CASE_II: { wall_s: [8, 9], runner_s: [2, 2.5] },
    });
  });

  it('renders one column per topology and says whether every topology ended with the same tables', () => {
    const local = topologyResult(
      'local-disk',
      { wallMs: [300, 100, 200], durationMs: [90, 80, 70] },
      [sample(5_000, [job('classify', 1_000, 900)])],
      checksums,
    );
    const cluster = topologyResult(
      'cluster',
      { wallMs: [20_000, 18_000, 19_000], durationMs: [500, 400, 450] },
      [sample(60_000, [job('classify', 20_000, 3_000)])],
      checksums,
    );
    const doc: ClusterBenchDocument = {
      kind: 'cluster',
      generated_at: '2026-12-02T16:00:00.000Z',
      parameters: {
        scale: 0.01,
        repeat: 3,
        seed: 1,
        config: 'config/seed-000.json',
        accounts: 1_000,
        summary_rows: 23_000,
        batch_rows: 100,
        cluster: {},
      },
      topologies: [local, cluster],
      same_result: true,
    };
    const md = renderClusterMarkdown(doc);
    expect(md).toContain('| median (min–max) s | local-disk | cluster |');
    expect(md).toContain('| no-op job under the ledger, round trip | 0.20 (0.10–0.30) | 19.00 (18.00–20.00) |');
    expect(md).toContain('| classify: round trip / inside the runner | 1.00 / 0.90 | 20.00 / 3.00 |');
    expect(md).toContain('| CASE_I: round trip / inside the runner | – | – |');
    expect(md).toMatch(/every topology \(row count and checksum\): yes/);
    expect(renderClusterMarkdown({ ...doc, same_result: false })).toMatch(/checksum\): \*\*NO\*\*/);
  });
});
