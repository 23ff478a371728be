import * as fc from 'fast-check';
import { ALT_ORACLE_SPEC } from './alt-config';
import { compareScalars, monthIndex, monthLabel, oracle, rejectReason, type OutputRow, type Row } from './oracle';
import { describeScenario, SCENARIO_FEATURES } from './scenario-features';
import { scenarioArb } from './scenarios';

const SEED = 20250101;
const HISTORY = 6;
const HISTORIES = [
  ['balance_history', 'balance'],
  ['dpd_history', 'days_late'],
  ['rating_history', 'rating'],
] as const;
const LATEST_COLUMNS = [
  'acct_id',
  'period',
  'as_of_dt',
  'load_ts',
  'balance_history',
  'dpd_history',
  'rating_history',
  'rating_grid',
  'balance',
  'status_cd',
];

const cell = (key: unknown, month: unknown): string => `${String(key)}@${String(month)}`;
// ALT_CONFIG.soft_delete, written out: del_cd 1 or 4 withdraws the month (SPEC §4a).
const deleted = (row: OutputRow | undefined): boolean => row !== undefined && (row.del_cd === 1 || row.del_cd === 4);

function sample(accounts: number, batches: number, seed = SEED): Row[][] {
  return fc.sample(scenarioArb({ accounts, batches }), { seed, numRuns: 1 })[0];
}

describe('scenarioArb at 200 accounts × 5 batches (seed 20250101)', () => {
  const batches = sample(200, 5);
  const features = describeScenario(batches);
  const result = oracle(ALT_ORACLE_SPEC, batches);
  const byCell = new Map<string, OutputRow>(result.summary.map((r) => [cell(r.acct_id, r.period), r]));

  it('gives every account at least one valid row', () => {
    expect(features.accounts).toBe(200);
  });

  it('is reproducible from its seed', () => {
    expect(sample(200, 5)).toEqual(batches);
  });

  it.each([...SCENARIO_FEATURES])('covers %s', (feature) => {
    expect(features[feature]).toBeGreaterThan(0);
  });

  it('emits raw rows with the source names only, well-formed dates and timestamps', () => {
    const malformed = batches
      .flat()
      .filter(
        (row) =>
          Object.keys(row).join() !== 'id,per,lts,aod,bal,dpd,st,opn,del' ||
          (row.lts !== null && !/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(String(row.lts))) ||
          [row.aod, row.opn].some((date) => date !== null && !/^\d{4}-\d{2}-\d{2}$/.test(String(date))),
      );
    expect(malformed).toEqual([]);
  });

  it('spans months around 2022–2025', () => {
    const months = batches
      .flat()
      .filter((r) => typeof r.per === 'string' && /^\d{4}-\d{2}$/.test(r.per))
      .map((r) => String(r.per));
    const sorted = [...months].sort();
    expect(sorted[0] >= '2019-01' && sorted[0] <= '2022-01').toBe(true);
    expect(sorted[sorted.length - 1] >= '2024-12' && sorted[sorted.length - 1] <= '2027-12').toBe(true);
  });

  it('oracle: no two summary rows share a (key, month), and the cells are exactly the valid input cells', () => {
    expect(byCell.size).toBe(result.summary.length);
    const validCells = new Set(
      batches
        .flat()
        .map((raw) => ALT_ORACLE_SPEC.prepare(raw))
        .filter((row) => rejectReason(ALT_ORACLE_SPEC, row) === null)
        .map((row) => cell(row.acct_id, row.period)),
    );
    expect(new Set(byCell.keys())).toEqual(validCells);
  });

  it('oracle: every winner carries the greatest ts seen for its cell, and is one of the rows delivered with it', () => {
    const delivered = new Map<string, Row[]>();
    for (const raw of batches.flat()) {
      const row = ALT_ORACLE_SPEC.prepare(raw);
      if (rejectReason(ALT_ORACLE_SPEC, row) !== null) continue;
      const id = cell(row.acct_id, row.period);
      delivered.set(id, [...(delivered.get(id) ?? []), row]);
    }
    for (const [id, rows] of delivered) {
      const winner = byCell.get(id) as OutputRow;
      const maxTs = rows.map((r) => r.load_ts).reduce((a, b) => (compareScalars(a, b) >= 0 ? a : b));
      expect(winner.load_ts).toBe(maxTs);
      const scalars = Object.fromEntries(Object.keys(rows[0]).map((c) => [c, winner[c]]));
      expect(rows).toContainEqual(scalars);
    }
  });

  it('oracle: every history has 6 elements, each the value of the row i months back or NULL (never older, never deleted)', () => {
    // Collected and asserted once: ~30 000 single expect() calls take seconds.
    const mismatches: string[] = [];
    for (const row of result.summary) {
      const month = monthIndex(String(row.period));
      for (const [history, column] of HISTORIES) {
        const values = row[history] as unknown[];
        if (values.length !== HISTORY)
          mismatches.push(`${cell(row.acct_id, row.period)} ${history} has ${values.length} elements`);
        values.forEach((value, i) => {
          const earlier = byCell.get(cell(row.acct_id, monthLabel(month - i)));
          const expected = earlier === undefined || deleted(earlier) ? null : earlier[column];
          if (value !== expected)
            mismatches.push(
              `${cell(row.acct_id, row.period)} ${history}[${i}] = ${String(value)}, expected ${String(expected)}`,
            );
        });
      }
      if (String(row.rating_grid).split('|').length !== HISTORY)
        mismatches.push(`${cell(row.acct_id, row.period)} rating_grid ${String(row.rating_grid)}`);
    }
    expect(mismatches).toEqual([]);
    expect(result.summary.length).toBeGreaterThan(1000);
  });

  it('oracle: latest holds, per key, its summary row with the greatest month that is not deleted', () => {
    const greatest = new Map<string, OutputRow>();
    for (const row of result.summary) {
      if (deleted(row)) continue;
      const key = String(row.acct_id);
      const current = greatest.get(key);
      if (current === undefined || String(row.period) > String(current.period)) greatest.set(key, row);
    }
    expect(result.latest).toHaveLength(greatest.size);
    for (const latest of result.latest) {
      expect(Object.keys(latest)).toEqual(LATEST_COLUMNS);
      const row = greatest.get(String(latest.acct_id)) as OutputRow;
      for (const column of LATEST_COLUMNS) expect(latest[column]).toEqual(row[column]);
    }
  });

  it('oracle: rejects every invalid row and only those', () => {
    const invalid =
      features.invalidNullKey +
      features.invalidMonthNull +
      features.invalidMonthMalformed +
      features.invalidMonthOutOfRange +
      features.invalidNullTs;
    expect(result.rejects).toHaveLength(invalid);
    expect(features.rows - features.validRows).toBe(invalid);
  });
});

describe('oracle properties on small scenarios', () => {
  const small = scenarioArb({ accounts: 12, batches: 4 });

  it('does not depend on the order of rows inside a batch', () => {
    fc.assert(
      fc.property(small, fc.nat(), (batches, salt) => {
        const reordered = batches.map((batch) => [...batch].sort((a, b) => order(a, salt) - order(b, salt)));
        expect(oracle(ALT_ORACLE_SPEC, reordered).summary).toEqual(oracle(ALT_ORACLE_SPEC, batches).summary);
      }),
      { seed: SEED, numRuns: 25 },
    );
  });

  it('is unchanged when an earlier batch is delivered again', () => {
    fc.assert(
      fc.property(small, fc.nat(), (batches, pick) => {
        const again = [...batches, batches[pick % batches.length]];
        const before = oracle(ALT_ORACLE_SPEC, batches);
        const after = oracle(ALT_ORACLE_SPEC, again);
        expect(after.summary).toEqual(before.summary);
        expect(after.latest).toEqual(before.latest);
      }),
      { seed: SEED, numRuns: 25 },
    );
  });
});

function order(row: Row, salt: number): number {
  let h = salt | 0;
  for (const ch of JSON.stringify(row)) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return h >>> 0;
}
