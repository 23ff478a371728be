import { CostPoint, fitCostModel, project, unprojectable } from './cost-model';

const at = (batch: number, rows: number, f: (b: number, r: number) => number): CostPoint => ({
  batch_rows: batch,
  summary_rows: rows,
  median_s: f(batch, rows),
});

describe('fitCostModel', () => {
  const exact = (b: number, r: number) => 2 + 0.001 * b + 0.000_01 * r;
  // The two scaling series: the batch against 1×, 3×, 10× the table, and 3 batch sizes against 1×.
  const series = [
    at(200, 47_000, exact),
    at(200, 141_000, exact),
    at(200, 470_000, exact),
    at(20, 47_000, exact),
    at(200, 47_000, exact),
    at(2_000, 47_000, exact),
  ];

  it('recovers fixed, per-record and per-row costs from exact points', () => {
    const m = fitCostModel(series)!;
    expect(m.fixed_s).toBeCloseTo(2, 9);
    expect(m.per_batch_record_s).toBeCloseTo(0.001, 12);
    expect(m.per_table_row_s).toBeCloseTo(0.000_01, 14);
    expect(m.r2).toBe(1);
  });

  it('counts the point both series share once', () => {
    expect(fitCostModel(series)!.points).toHaveLength(5);
  });

  it('fits noisy points by least squares, R² below 1', () => {
    const noise = [0.3, -0.2, 0.1, -0.3, 0, 0.2];
    const m = fitCostModel(series.map((p, i) => ({ ...p, median_s: p.median_s + noise[i] })))!;
    expect(m.r2).toBeGreaterThan(0.9);
    expect(m.r2).toBeLessThan(1);
    expect(m.per_table_row_s).toBeGreaterThan(0);
  });

  it('gives no model when the points cannot separate the terms', () => {
    expect(fitCostModel(series.slice(3))).toBeNull(); // one table size: fixed and per-row cost are the same thing
    expect(fitCostModel(series.slice(0, 2))).toBeNull();
  });
});

describe('project', () => {
  it('divides the variable terms by the core ratio and keeps the fixed term, marked as a projection', () => {
    const m = { fixed_s: 3, per_batch_record_s: 1e-4, per_table_row_s: 1e-8, r2: 1, points: [] };
    const p = project(m, 2, { name: 'test cluster', executors: 50, coresPerExecutor: 16 });
    expect(p).toMatchObject({ projection: true, cores: 800, summary_rows: 500e9, batch_rows: 10e6, seconds: 18 }); // 3 + (1,000 + 5,000) / 400
    expect(p.assumption).toContain('linear scaling');
  });
});

describe('unprojectable', () => {
  it('refuses a fit with a negative term (a bigger table would be cheaper)', () => {
    expect(
      unprojectable({ fixed_s: 18, per_batch_record_s: -0.0015, per_table_row_s: 1e-6, r2: 0.09, points: [] }),
    ).toBe(
      'not projected: negative per_batch_record_s (R² 0.09): the scaling points are dominated by noise; measure with more repeats at a larger scale',
    );
    expect(
      unprojectable({ fixed_s: 3, per_batch_record_s: 1e-4, per_table_row_s: 1e-8, r2: 0.98, points: [] }),
    ).toBeNull();
  });
});
