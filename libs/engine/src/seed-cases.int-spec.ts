import { OutputRow, Row, SEED_ORACLE_SPEC, SparkHarness, diffRows, oracle, startHarness } from '@app/testing';
import { validate } from '@app/table-ops';
import seed000 from '../../../config/seed-000.json';

// The seeds' TC-001 … TC-015 (seed 000 §8) on real Spark + Iceberg with the seed 000 layout (36-month
// bal/dpd/payment/status histories). Bulk cases run at small scale. Two batches: the first lays down
// the histories, the second carries every case at once, as a daily batch would.

const H = 36;
const nulls = (n: number) => Array<null>(n).fill(null);
const pad = (xs: (number | null)[]) => [...xs, ...nulls(H - xs.length)];

function row(key: number, month: string, balance: number | null, baseTs: string, extra: Partial<Row> = {}): Row {
  return {
    cons_acct_key: key,
    acct_dt: `${month}-15`,
    rpt_as_of_mo: month,
    current_balance: balance,
    current_dpd: balance === null ? null : balance % 90,
    payment_am: 100,
    status_cd: 'OPEN',
    account_status: 'ACTIVE',
    created_ts: baseTs,
    updated_ts: baseTs,
    base_ts: baseTs,
    ...extra,
  };
}
const T1 = '2025-07-15 12:00:00';
const T2 = '2025-07-20 12:00:00';
const T0 = '2025-07-10 12:00:00';

function months(from: string, count: number): string[] {
  const [y, m] = from.split('-').map(Number);
  return Array.from({ length: count }, (_, i) => {
    const n = y * 12 + m - 1 + i;
    return `${Math.floor(n / 12)}-${String((n % 12) + 1).padStart(2, '0')}`;
  });
}

// Batch 1: histories.
const first: Row[] = [
  ...months('2025-04', 3).map((m, i) => row(1, m, [4600, 4800, 5000][i], T1)), // TC-003
  ...months('2025-04', 3).map((m, i) => row(2, m, [4600, 4800, 5000][i], T1)), // TC-004
  row(5, '2025-03', 3000, T1),
  row(5, '2025-05', 4000, T1),
  row(5, '2025-06', 4500, T1), // TC-006/007/008
  row(11, '2024-01', 700, T1), // TC-011
  ...months('2023-01', 3).map((m, i) => row(12, m, 10 + i, T1)), // TC-012
  ...Array.from({ length: 300 }, (_, i) => row(1000 + i, '2025-05', 2000 + i, T1)), // TC-005 / TC-009 bases
];
// Batch 2: every case.
const second: Row[] = [
  row(100000001, '2025-06', 5000, T2), // TC-001
  ...Array.from({ length: 500 }, (_, i) => row(200000 + i, '2025-06', i, T2)), // TC-002 (bulk new, small scale)
  row(1, '2025-07', 8000, T2), // TC-003
  row(2, '2025-09', 8000, T2), // TC-004
  row(5, '2025-04', 3500, T2), // TC-006
  row(5, '2025-05', 4100, T2), // TC-007
  row(5, '2025-03', 2999, T0), // TC-008 (older base_ts: loses)
  ...Array.from({ length: 200 }, (_, i) => row(1000 + i, '2025-06', 3000 + i, T2)), // TC-005 bulk forward
  ...Array.from({ length: 100 }, (_, i) => row(1200 + i, '2025-03', 1000 + i, T2)), // TC-009 bulk backfill
  row(11, '2027-02', 900, T2), // TC-011: 37 months later
  row(12, '2019-01', 1, T2), // TC-012: ancient, > 36 months before the first month
  ...months('2023-01', 30).map((m, i) => row(13, m, i, T2)), // TC-013: one skewed key with 30 months...
  ...Array.from({ length: 30 }, (_, i) => row(1300 + i, '2025-06', i, T2)), // ...as many rows as 30 other keys
];

describe('seed 000 test cases TC-001 … TC-015', () => {
  let h: SparkHarness;
  let summary: OutputRow[];
  const at = (key: number, month: string) => summary.find((r) => r.cons_acct_key === key && r.rpt_as_of_mo === month);

  beforeAll(async () => {
    h = await startHarness(seed000);
    await h.pipeline.init();
    await h.ingest(first);
    await h.pipeline.runPending();
    await h.ingest(second);
    const [outcome] = await h.pipeline.runPending();
    // TC-010 (mixed batch): all three cases in one batch, run in order.
    expect(outcome.cases.map((c) => [c.case, c.status])).toEqual([
      ['CASE_III', 'committed'],
      ['CASE_I', 'committed'],
      ['CASE_II', 'committed'],
    ]);
    expect(outcome.cases.find((c) => c.case === 'CASE_III')!.stale).toBe(1);
    summary = await h.summary();
  });
  afterAll(async () => h?.close());

  it('TC-001 single new account: [5000, NULL × 35]', () => {
    expect(at(100000001, '2025-06')!.bal_history).toEqual(pad([5000]));
  });

  it('TC-002 bulk new accounts: 500 rows, each [v, NULL × 35]', () => {
    const rows = summary.filter((r) => (r.cons_acct_key as number) >= 200000 && (r.cons_acct_key as number) < 200500);
    expect(rows).toHaveLength(500);
    for (const r of rows) expect(r.bal_history).toEqual(pad([(r.cons_acct_key as number) - 200000]));
  });

  it('TC-003 forward, adjacent month: [8000, 5000, 4800, 4600, …]', () => {
    expect(at(1, '2025-07')!.bal_history).toEqual(pad([8000, 5000, 4800, 4600]));
  });

  it('TC-004 forward with a 3-month gap: [8000, NULL, NULL, 5000, 4800, 4600, …]', () => {
    expect(at(2, '2025-09')!.bal_history).toEqual(pad([8000, null, null, 5000, 4800, 4600]));
  });

  it('TC-005 bulk forward: every new row carries the previous month at index 1', () => {
    for (let i = 0; i < 200; i++) expect(at(1000 + i, '2025-06')!.bal_history).toEqual(pad([3000 + i, 2000 + i]));
  });

  it('TC-006 backfill into a gap rebuilds the later rows; TC-007 a newer correction wins', () => {
    expect(at(5, '2025-03')!.bal_history).toEqual(pad([3000]));
    expect(at(5, '2025-04')!.bal_history).toEqual(pad([3500, 3000]));
    expect(at(5, '2025-05')!.bal_history).toEqual(pad([4100, 3500, 3000]));
    expect(at(5, '2025-05')!.base_ts).toBe(T2);
    expect(at(5, '2025-06')!.bal_history).toEqual(pad([4500, 4100, 3500, 3000]));
  });

  it('TC-008 a backfill with an older base_ts is skipped', () => {
    expect(at(5, '2025-03')!.current_balance).toBe(3000);
    expect(at(5, '2025-03')!.base_ts).toBe(T1);
  });

  it('TC-009 bulk backfill: 100 months inserted before existing rows, which are patched at index 2', () => {
    for (let i = 0; i < 100; i++) {
      expect(at(1200 + i, '2025-03')!.bal_history).toEqual(pad([1000 + i]));
      expect(at(1200 + i, '2025-05')!.bal_history).toEqual(pad([2200 + i, null, 1000 + i]));
    }
  });

  it('TC-011 a gap of 37 months gives [v, NULL × 35]', () => {
    expect(at(11, '2027-02')!.bal_history).toEqual(pad([900]));
  });

  it('TC-012 an ancient backfill (48 months before the first row) touches no other row', () => {
    expect(at(12, '2019-01')!.bal_history).toEqual(pad([1]));
    expect(at(12, '2023-03')!.bal_history).toEqual(pad([12, 11, 10]));
  });

  it('TC-010 / TC-013 mixed and skewed batch: everything equals the oracle', async () => {
    const expected = oracle(SEED_ORACLE_SPEC, [first, second]);
    expect(diffRows(summary, expected.summary, (r) => `${r.cons_acct_key}|${r.rpt_as_of_mo}`)).toEqual([]);
    expect(diffRows(await h.latest(), expected.latest, (r) => `${r.cons_acct_key}`)).toEqual([]);
    expect(at(13, '2025-06')!.bal_history).toEqual(pad(Array.from({ length: 30 }, (_, i) => 29 - i)));
  });

  it('TC-014 / TC-015 validate: no duplicates, every array 36 long, latest consistent', async () => {
    const violations = await validate(h.pipeline);
    expect(violations.map((v) => [v.check, v.count])).toEqual([
      ['duplicate (key, month) in summary', 0],
      ['history array of wrong length in summary', 0],
      ['duplicate key in latest', 0],
      ['latest differs from the newest summary row', 0],
      // The pipeline's own state (issue 10): ledger, staged batches, rejects, source windows.
      ['two committed ledger rows for one (batch, step)', 0],
      ['duplicate staged (batch, key, month)', 0],
      ['rejects of a batch beyond what its classify counted', 0],
      ['batch source window does not continue the previous batch (overlap or gap)', 0],
    ]);
  });

  it('validate reports a planted duplicate and a planted short array (it can fail)', async () => {
    const t = h.config.summaryTable.sql;
    await h.runner.query(`INSERT INTO ${t} SELECT * FROM ${t} WHERE cons_acct_key = 1 AND rpt_as_of_mo = '2025-07'`);
    await h.runner.query(`UPDATE ${t} SET dpd_history = slice(dpd_history, 1, 35) WHERE cons_acct_key = 2`);
    const counts = Object.fromEntries((await validate(h.pipeline)).map((v) => [v.check, v.count]));
    expect(counts).toEqual({
      'duplicate (key, month) in summary': 1,
      'history array of wrong length in summary': 4, // key 2's rows: 2025-04 … 2025-06 and 2025-09
      'duplicate key in latest': 0,
      'latest differs from the newest summary row': 1, // key 2 (key 1's two newest rows are identical copies)
      'two committed ledger rows for one (batch, step)': 0,
      'duplicate staged (batch, key, month)': 0,
      'rejects of a batch beyond what its classify counted': 0,
      'batch source window does not continue the previous batch (overlap or gap)': 0,
    });
  });
});
