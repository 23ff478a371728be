import { coldBreakdown, medianBreakdown } from './cold-run';

const line = (atMs: number, text: string) => ({ atMs, text: `[summary-pipeline] ${text}` });

describe('coldBreakdown', () => {
  // What `summary-pipeline run` prints (apps/cli main.ts withPipeline, SummaryPipeline.runPending), arrival times in ms.
  const lines = [
    line(400, 'starting Spark (local[*]; warehouse /tmp/w; log /tmp/runner.log)'),
    line(9_400, 'Spark ready in 9.0 s'),
    line(9_900, 'batch b-000002: classifying source snapshots (1, 2]'),
    line(
      12_900,
      'batch b-000002: 1053 input row(s), 3 rejected (null_key 1); CASE_III 100, CASE_I 50, CASE_II 900; watermark 2025-02-01',
    ),
    line(13_000, 'batch b-000002: CASE_III running (100 row(s), months 2024-01..2024-11)'),
    line(17_000, 'batch b-000002: CASE_III committed in 3.9 s: 100 applied, 0 stale, 700 row(s) written'),
    line(17_100, 'batch b-000002: CASE_I running (50 row(s), months 2024-10..2024-12)'),
    line(19_100, 'batch b-000002: CASE_I committed in 1.9 s: 50 applied, 0 stale, 120 row(s) written'),
    line(19_200, 'batch b-000002: CASE_II running (900 row(s), months 2025-01..2025-04)'),
    line(21_200, 'batch b-000002: CASE_II committed in 1.9 s: 900 applied, 0 stale, 900 row(s) written'),
    line(23_000, 'maintenance: local.demo.summary: compacted 4 data file(s) into 1 in 1.5 s'),
    line(23_500, 'nothing pending: every source snapshot is processed'),
    line(24_000, 'batch b-000002 done in 11.3 s'),
    line(24_100, 'run: 1 batch(es) committed'),
  ];

  it('splits spawn → exit into start-up, each job, maintenance, orchestration and shutdown', () => {
    expect(coldBreakdown(lines, 24_500)).toEqual({
      node_start_s: 0.4,
      spark_start_s: 9,
      orchestration_s: 1.6, // ready → classify 0.5, counts → CASE_III 0.1, between the jobs 0.1 + 0.1, after CASE_II 2.3 − the 1.5 s maintenance reports
      classify_s: 3,
      CASE_III_s: 4,
      CASE_I_s: 2,
      CASE_II_s: 2,
      maintenance_s: 1.5,
      shutdown_s: 1,
    });
  });

  it('leaves a maintenance that printed nothing in orchestration', () => {
    const b = coldBreakdown(
      lines.filter((l) => !l.text.includes('maintenance:')),
      24_500,
    );
    expect([b.orchestration_s, b.maintenance_s]).toEqual([3.1, undefined]);
  });

  it('adds up to the process time', () => {
    const b = coldBreakdown(lines, 24_500);
    expect(Object.values(b).reduce((a, x) => a + x, 0)).toBeCloseTo(24.5, 6);
  });

  it('counts connecting to a Spark Connect server as the Spark start', () => {
    const lines = [
      line(300, 'connecting to Spark Connect at sc://127.0.0.1:15002; warehouse /tmp/w'),
      line(900, 'Spark ready in 0.6 s'),
    ];
    expect(coldBreakdown(lines, 1_000)).toEqual({ node_start_s: 0.3, spark_start_s: 0.6, orchestration_s: 0.1 });
  });

  it('ignores lines that are not progress lines (Spark noise, JSON)', () => {
    expect(
      coldBreakdown(
        [
          line(100, 'starting Spark (x)'),
          { atMs: 200, text: 'WARN NativeCodeLoader: …' },
          line(1_100, 'Spark ready in 1.0 s'),
        ],
        1_500,
      ),
    ).toEqual({ node_start_s: 0.1, spark_start_s: 1, orchestration_s: 0.4 });
  });
});

describe('medianBreakdown', () => {
  it('takes the median per phase, a missing phase counting 0', () => {
    expect(medianBreakdown([{ a_s: 1, b_s: 2 }, { a_s: 3 }, { a_s: 2, b_s: 4 }])).toEqual({ a_s: 2, b_s: 2 });
  });
});
