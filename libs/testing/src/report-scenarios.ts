// SPEC §4b rows for the property test: report rows placed around a main scenario's rows (before, with and
// after their main row, in batches of report rows alone), vetoes, both deleted, settled dates, ties,
// invalid rows and cells that never get a main row. Deterministic for a seed.
import type { MixedBatch } from './oracle.report-dates';
import type { Row } from './oracle';

const REPORT_TS = ['2025-01-01 00:00:00', '2025-02-01 00:00:00', '2025-03-01 00:00:00'];
const UPDATE_DT = [null, '2025-01-10', '2025-01-20'];
const MONTH = /^[0-9]{4}-(0[1-9]|1[0-2])$/;

/**
 * The main batches (ALT_CONFIG source rows) with report rows (ALT_CONFIG_REPORT's prepared names) beside
 * them: a batch of report rows alone is inserted in the middle and added at the end. About one main cell
 * in five gets a report row, placed in the same batch, one to three batches before it, a later batch or a
 * report-only batch; with `deletes` some carry a delete code (both deleted, or a re-delete of a vetoed cell).
 *
 * reportScenario([[{id: 1, per: '2024-02', …}]], 7) → [{source: [...], reports: [...]}, {source: [], reports: [...]}, …]
 */
export function reportScenario(batches: Row[][], seed: number, deletes = true): MixedBatch[] {
  let state = seed >>> 0;
  const rnd = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const mid = Math.floor(batches.length / 2);
  const out: MixedBatch[] = batches.map((source) => ({ source, reports: [] }));
  out.splice(mid, 0, { source: [], reports: [] });
  out.push({ source: [], reports: [] });
  const at = (main: number) => (main >= mid ? main + 1 : main);
  const report = (id: unknown, month: string, del: number | null): Row => ({
    acct_id: id as number,
    as_of_dt: `${month}-${String(1 + Math.floor(rnd() * 28)).padStart(2, '0')}`,
    load_ts: pick(REPORT_TS),
    ...(deletes ? { del_cd: del } : {}),
    update_dt: pick(UPDATE_DT),
  });
  batches.forEach((rows, b) => {
    for (const row of rows) {
      if (typeof row.id !== 'number' || typeof row.per !== 'string' || !MONTH.test(row.per) || rnd() > 0.2) continue;
      const where = rnd();
      const target =
        where < 0.3
          ? at(b)
          : where < 0.55
            ? Math.max(0, at(b) - 1 - Math.floor(rnd() * 3))
            : where < 0.85
              ? Math.min(out.length - 1, at(b) + 1 + Math.floor(rnd() * 2))
              : mid;
      const del = deletes && rnd() < 0.25 ? 4 : null;
      const r = report(row.id, row.per, del);
      out[target].reports.push(r);
      // A tie inside one batch: same base_ts and ordering columns, another date (the greater wins).
      if (rnd() < 0.15)
        out[target].reports.push({
          ...r,
          as_of_dt: `${row.per}-${String(1 + Math.floor(rnd() * 28)).padStart(2, '0')}`,
        });
    }
  });
  out.forEach((batch, i) => {
    // Invalid rows (each to rejects with its reason) and a cell that never gets a main row (waits).
    batch.reports.push(
      { ...report(900000 + i, '2024-06', null), acct_id: null },
      { ...report(900000 + i, '2024-06', null), as_of_dt: '0999-01-01' },
      { ...report(900000 + i, '2024-06', null), load_ts: null },
      report(900000 + i, '2024-06', null),
    );
  });
  return out;
}
