/** A measured batch: its records, the summary rows it ran against, its median seconds. */
export interface CostPoint {
  batch_rows: number;
  summary_rows: number;
  median_s: number;
}

/** seconds ≈ fixed_s + per_batch_record_s × batch records + per_table_row_s × summary rows. */
export interface CostModel {
  fixed_s: number;
  per_batch_record_s: number;
  per_table_row_s: number;
  r2: number;
  points: CostPoint[];
}

/** Solves the 3×3 system A x = b by Gaussian elimination with partial pivoting; null when singular. */
function solve3(a: number[][], b: number[]): number[] | null {
  const m = a.map((row, i) => [...row, b[i]]);
  for (let col = 0; col < 3; col++) {
    let pivot = col;
    for (let r = col + 1; r < 3; r++) if (Math.abs(m[r][col]) > Math.abs(m[pivot][col])) pivot = r;
    if (Math.abs(m[pivot][col]) < 1e-12 * Math.max(1, ...m.map((row) => Math.abs(row[col])))) return null;
    [m[col], m[pivot]] = [m[pivot], m[col]];
    for (let r = 0; r < 3; r++) {
      if (r === col) continue;
      const f = m[r][col] / m[col][col];
      for (let c = col; c < 4; c++) m[r][c] -= f * m[col][c];
    }
  }
  return m.map((row, i) => row[3] / row[i]);
}

/**
 * Ordinary least squares of median_s = fixed + a × batch_rows + b × summary_rows over the distinct
 * (batch_rows, summary_rows) points (the main batch appears in both scaling series: counted once).
 * The columns are scaled to unit maximum before solving, so 10⁴ records and 10⁷ rows stay well
 * conditioned. Null when the points cannot separate the three terms (e.g. only one table size).
 * Example: points from 2 + 0.001·records + 0.0001·rows → {fixed_s: 2, per_batch_record_s: 0.001, per_table_row_s: 0.0001, r2: 1}.
 */
export function fitCostModel(input: CostPoint[]): CostModel | null {
  const seen = new Map<string, CostPoint>();
  for (const p of input)
    if (!seen.has(`${p.batch_rows}/${p.summary_rows}`)) seen.set(`${p.batch_rows}/${p.summary_rows}`, p);
  const points = [...seen.values()];
  if (points.length < 3) return null;
  const sx = Math.max(...points.map((p) => p.batch_rows)) || 1;
  const sz = Math.max(...points.map((p) => p.summary_rows)) || 1;
  const rows = points.map((p) => [1, p.batch_rows / sx, p.summary_rows / sz]);
  const y = points.map((p) => p.median_s);
  const ata = [0, 1, 2].map((i) => [0, 1, 2].map((j) => rows.reduce((a, r) => a + r[i] * r[j], 0)));
  const aty = [0, 1, 2].map((i) => rows.reduce((a, r, k) => a + r[i] * y[k], 0));
  const x = solve3(ata, aty);
  if (!x) return null;
  const [fixed, a, b] = [x[0], x[1] / sx, x[2] / sz];
  const predicted = points.map((p) => fixed + a * p.batch_rows + b * p.summary_rows);
  const meanY = y.reduce((s, v) => s + v, 0) / y.length;
  const ssTot = y.reduce((s, v) => s + (v - meanY) ** 2, 0);
  const ssRes = y.reduce((s, v, i) => s + (v - predicted[i]) ** 2, 0);
  return {
    fixed_s: fixed,
    per_batch_record_s: a,
    per_table_row_s: b,
    r2: ssTot === 0 ? 1 : Math.round((1 - ssRes / ssTot) * 10_000) / 10_000,
    points,
  };
}

/** The cluster a projection assumes: executors × cores each, against the cores of the measuring machine. */
export interface Cluster {
  name: string;
  executors: number;
  coresPerExecutor: number;
}

/** Issue #9's production scale (the seeds'): 500B summary rows, a 10M-record daily batch. */
export const PRODUCTION = { summaryRows: 500e9, batchRows: 10e6 } as const;
export const PROJECTION_CLUSTER: Cluster = {
  name: '50 executors × 16 cores (800 cores; e.g. EMR on EKS, r6i.4xlarge-class nodes)',
  executors: 50,
  coresPerExecutor: 16,
};

export interface Projection {
  projection: true;
  cluster: string;
  cores: number;
  measured_on_cores: number;
  summary_rows: number;
  batch_rows: number;
  seconds: number;
  assumption: string;
}

/**
 * A PROJECTION, not a measurement: the model's variable terms at production size, divided by the core
 * ratio (throughput assumed to scale linearly with cores, no shuffle, skew or S3 effects), plus the fixed
 * term unchanged. Example: fixed 3 s, 1e-4 s/record, 1e-8 s/row on 2 cores → 10M records and 500B rows
 * on 800 cores: 3 + (1,000 + 5,000) / 400 = 18 s.
 */
export function project(
  model: CostModel,
  measuredOnCores: number,
  cluster: Cluster = PROJECTION_CLUSTER,
  size = PRODUCTION,
): Projection {
  const cores = cluster.executors * cluster.coresPerExecutor;
  const variable = model.per_batch_record_s * size.batchRows + model.per_table_row_s * size.summaryRows;
  return {
    projection: true,
    cluster: cluster.name,
    cores,
    measured_on_cores: measuredOnCores,
    summary_rows: size.summaryRows,
    batch_rows: size.batchRows,
    seconds: Math.round(model.fixed_s + (variable * measuredOnCores) / cores),
    assumption:
      `fixed term unchanged; per-record and per-row terms divided by ${cores} / ${measuredOnCores} cores ` +
      `(linear scaling of throughput with cores; no shuffle, skew, S3 or catalog effects)`,
  };
}

/**
 * Why a fit is not projected, or null when it can be: a negative term would make a bigger table or batch
 * cheaper (the points are dominated by noise, e.g. one repeat at a small scale), and so would the projection.
 */
export function unprojectable(model: CostModel): string | null {
  const negative = (['fixed_s', 'per_batch_record_s', 'per_table_row_s'] as const).filter((k) => model[k] < 0);
  return negative.length
    ? `not projected: negative ${negative.join(', ')} (R² ${model.r2}): the scaling points are dominated by noise; measure with more repeats at a larger scale`
    : null;
}
