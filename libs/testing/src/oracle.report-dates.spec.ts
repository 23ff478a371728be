// Every expected value here is written out by hand from shared/SPEC.md §4b and §4c; none is computed by
// the oracle. The spec is the §4b example's: one rolling column `bal` of length 4, §4a codes 1 and 4.
import type { OracleSpec, Row } from './oracle';
import {
  MixedBatch,
  ReportSpec,
  applyReportBatch,
  effectiveRow,
  reportCounts,
  reportOracle,
} from './oracle.report-dates';

const N = null;
const T0 = '2025-01-01 00:00:00';
const T1 = '2025-01-02 00:00:00';
const T2 = '2025-01-03 00:00:00';

const SPEC: OracleSpec = {
  keyColumn: 'k',
  monthColumn: 'm',
  tsColumn: 'ts',
  dateColumn: 'd',
  rolling: [{ name: 'bal', mapperColumn: 'bal', length: 4, type: 'Integer' }],
  grids: [],
  latestColumns: ['bal', 'del'],
  tieBreakColumns: ['d', 'bal', 'del'],
  prepare: (row) => ({ ...row }),
  softDelete: { column: 'del', codes: ['1', '4'] },
};
const OFF: OracleSpec = { ...SPEC, softDelete: null };
const REPORT: ReportSpec = {
  keyColumn: 'k',
  dateColumn: 'd',
  tsColumn: 'ts',
  deleteColumn: 'del',
  orderColumns: ['insert_dt', 'update_dt', 'insert_time', 'update_time'],
};

/** A main row of key 1 (or `k`) at 2024-`mm`, dated the 15th unless given. */
function main(mm: string, bal: number, ts: string, over: Partial<Row> = {}): Row {
  return { k: 1, m: `2024-${mm}`, d: `2024-${mm}-15`, ts, bal, del: N, ...over };
}
/** A report row of key 1 (or `k`) dated 2024-`mmdd`. */
function rpt(mmdd: string, ts: string, del: string | number | null = N, over: Partial<Row> = {}): Row {
  return { k: 1, d: `2024-${mmdd}`, ts, del, insert_dt: N, update_dt: N, insert_time: N, update_time: N, ...over };
}
const run = (batches: MixedBatch[], spec = SPEC) =>
  reportOracle(spec, REPORT, batches, { suffix: '_history_unbounded', maxLength: null });
const src = (...rows: Row[]): MixedBatch => ({ source: rows, reports: [] });
const rep = (...rows: Row[]): MixedBatch => ({ source: [], reports: rows });
const at = (summary: Record<string, unknown>[], mm: string) => summary.find((r) => r.k === 1 && r.m === `2024-${mm}`)!;

describe('SPEC §4b worked example (H = 4, bal)', () => {
  const history = [main('01', 100, T0), main('02', 200, T0), main('03', 300, T0)];
  const deleteRow = main('02', 210, T1, { d: '2024-02-10', del: 4 });
  const report = rpt('02-20', T0);

  it('the report row vetoes the delete: E(02) = bal 210, date 02-20, active; 03 = [300, 210, 100, NULL]', () => {
    const { summary, latest } = run([src(...history), { source: [deleteRow], reports: [report] }]);
    expect(at(summary, '02')).toMatchObject({
      bal: 210,
      d: '2024-02-20',
      del: N,
      ts: T1,
      bal_history: [210, 100, N, N],
    });
    expect(at(summary, '03').bal_history).toEqual([300, 210, 100, N]);
    expect(latest).toMatchObject([{ m: '2024-03', bal_history: [300, 210, 100, N] }]);
  });

  it('without the report row 02 is a tombstone and 03 = [300, NULL, 100, NULL]', () => {
    const { summary } = run([src(...history), src(deleteRow)]);
    expect(at(summary, '02')).toMatchObject({ bal: 210, d: '2024-02-10', del: 4, bal_history: [N, 100, N, N] });
    expect(at(summary, '03').bal_history).toEqual([300, N, 100, N]);
  });

  it('gives the same result with the report row before, with or after its main row, or alone in a batch', () => {
    const expected = run([src(...history), { source: [deleteRow], reports: [report] }]);
    for (const batches of [
      [rep(report), src(...history), src(deleteRow)],
      [src(...history), rep(report), src(deleteRow)],
      [src(...history), src(deleteRow), rep(report)],
      [{ source: [...history, deleteRow], reports: [report] }],
    ]) {
      const got = run(batches);
      expect([got.summary, got.latest, got.unbounded]).toEqual([expected.summary, expected.latest, expected.unbounded]);
    }
  });
});

describe('the effective row E: each of the five lines', () => {
  const w = main('02', 7, T1);
  const wDel = main('02', 7, T1, { del: 4 });

  it('1: no report winner → W', () => {
    expect(effectiveRow(SPEC, REPORT, wDel, undefined)).toEqual({ row: wDel, line: 1 });
  });

  it("2: both deleted → date NULL, W's code (the month stays deleted)", () => {
    expect(effectiveRow(SPEC, REPORT, wDel, rpt('02-20', T0, '1'))).toEqual({
      row: { ...wDel, d: N, del: 4 },
      line: 2,
    });
    const { summary, latest } = run([src(main('01', 1, T0), wDel), rep(rpt('02-20', T0, '1'))]);
    expect(at(summary, '02')).toMatchObject({ d: N, del: 4, bal_history: [N, 1, N, N] });
    expect(latest).toMatchObject([{ m: '2024-01' }]);
  });

  it("3: W not deleted and D deleted, or W later → W's (the report table withdraws nothing)", () => {
    expect(effectiveRow(SPEC, REPORT, w, rpt('02-20', T2, 4))).toEqual({ row: w, line: 3 });
    expect(effectiveRow(SPEC, REPORT, w, rpt('02-10', T2))).toEqual({ row: w, line: 3 });
  });

  it("4: D not deleted and W deleted (a veto, whatever the dates), or D later → D's date and code", () => {
    expect(effectiveRow(SPEC, REPORT, wDel, rpt('02-01', T0, '0'))).toEqual({
      row: { ...wDel, d: '2024-02-01', del: '0' },
      line: 4,
    });
    expect(effectiveRow(SPEC, REPORT, w, rpt('02-28', T0, N))).toEqual({
      row: { ...w, d: '2024-02-28', del: N },
      line: 4,
    });
  });

  it("5: otherwise → W's: equal dates, or a NULL date on either side (a comparison with NULL is false)", () => {
    expect(effectiveRow(SPEC, REPORT, w, rpt('02-15', T0, '2'))).toEqual({ row: w, line: 5 });
    const noDate = { ...w, d: N };
    expect(effectiveRow(SPEC, REPORT, noDate, rpt('02-20', T0))).toEqual({ row: noDate, line: 5 });
  });

  it("every other column is W's: the two base_ts are never compared", () => {
    const { summary } = run([src(main('02', 7, T0, { del: 4 })), rep(rpt('02-20', T2))]);
    expect(at(summary, '02')).toMatchObject({ ts: T0, bal: 7, d: '2024-02-20', del: N });
  });
});

describe('the report winner D: ties', () => {
  const apply = (...batches: Row[][]) =>
    batches.reduce((d, b) => applyReportBatch(REPORT, d, b), new Map<string, Row>()).get('1@2024-02');

  it('the greater base_ts wins, then insert_dt, update_dt, insert_time, update_time, each descending, NULL lowest', () => {
    expect(apply([rpt('02-01', T2), rpt('02-20', T1, N, { insert_dt: '2025-09-09' })])).toMatchObject({
      d: '2024-02-01',
    });
    expect(
      apply([
        rpt('02-01', T1, N, { insert_dt: '2025-01-02' }),
        rpt('02-20', T1, N, { insert_dt: '2025-01-01', update_dt: '2025-12-31' }),
      ]),
    ).toMatchObject({ d: '2024-02-01' });
    expect(apply([rpt('02-01', T1, N, { update_time: '10:00:00' }), rpt('02-20', T1)])).toMatchObject({
      d: '2024-02-01',
    });
    expect(
      apply([rpt('02-01', T1, N, { insert_time: '09:00:00' }), rpt('02-20', T1, N, { update_time: '23:00:00' })]),
    ).toMatchObject({ d: '2024-02-01' });
  });

  it('a later batch that ties on all of them never replaces the applied row; a greater one does', () => {
    expect(apply([rpt('02-01', T1, '4')], [rpt('02-20', T1, N)])).toMatchObject({ d: '2024-02-01', del: '4' });
    expect(apply([rpt('02-01', T1, '4')], [rpt('02-20', T1, N, { update_dt: '2025-01-01' })])).toMatchObject({
      d: '2024-02-20',
      del: N,
    });
  });

  it('inside one batch a full tie goes to the greater date, then the greater code, NULL lowest', () => {
    expect(apply([rpt('02-01', T1, '4'), rpt('02-20', T1, N)])).toMatchObject({ d: '2024-02-20' });
    expect(apply([rpt('02-20', T1, N), rpt('02-20', T1, '1'), rpt('02-20', T1, '0')])).toMatchObject({ del: '1' });
  });

  it("a report row's month is its date's: rows of one month compete, other months do not", () => {
    const d = [rpt('02-01', T1), rpt('03-01', T2)].reduce(
      (acc, r) => applyReportBatch(REPORT, acc, [r]),
      new Map<string, Row>(),
    );
    expect([...d.keys()]).toEqual(['1@2024-02', '1@2024-03']);
  });
});

describe('report rows without their main row, rejects and counts', () => {
  it('a report row before its main row waits, counted as unmatched, and applies when the main row comes', () => {
    const before = run([src(main('01', 1, T0)), rep(rpt('02-20', T0))]);
    expect(before.waiting).toEqual([rpt('02-20', T0)]);
    expect(before.summary).toHaveLength(1);
    const after = run([src(main('01', 1, T0)), rep(rpt('02-20', T0)), src(main('02', 2, T1, { del: 1 }))]);
    expect(after.waiting).toEqual([]);
    expect(at(after.summary, '02')).toMatchObject({ d: '2024-02-20', del: N, bal_history: [2, 1, N, N] });
  });

  it('rejects a NULL key, a NULL date or one before year 1000, a NULL base_ts: never in D, never stopping the rest', () => {
    const bad = [
      rpt('02-20', T0, N, { k: N }),
      { ...rpt('02-20', T0), d: '0999-02-20' },
      { ...rpt('02-20', T0), d: N },
      rpt('02-20', N as unknown as string),
    ];
    const { reportRejects, summary } = run([src(main('02', 2, T0, { del: 4 })), rep(...bad, rpt('02-25', T0, '4'))]);
    expect(reportRejects.map((r) => [r.reason, r.batch])).toEqual([
      ['NULL_KEY', 1],
      ['NULL_DATE', 1],
      ['NULL_DATE', 1],
      ['NULL_TIMESTAMP', 1],
    ]);
    expect(at(summary, '02')).toMatchObject({ d: N, del: 4 });
  });

  it('counts per batch: read, rejected, unmatched, vetoes and re-resolved cells (a batch of report rows alone)', () => {
    const batches = [
      src(main('01', 1, T0), main('02', 2, T0, { del: 4 })),
      rep(rpt('02-20', T0), rpt('03-01', T0), rpt('01-20', T0, N, { k: N })),
      rep(rpt('01-31', T0)),
      src(main('03', 3, T0)),
    ];
    expect(reportCounts(SPEC, REPORT, batches)).toEqual([
      { read: 0, rejected: 0, unmatched: 0, vetoes: 0, reResolved: 0 },
      { read: 3, rejected: 1, unmatched: 1, vetoes: 1, reResolved: 1 },
      { read: 1, rejected: 0, unmatched: 0, vetoes: 0, reResolved: 1 }, // 01's date settled to 01-31
      { read: 0, rejected: 0, unmatched: 0, vetoes: 0, reResolved: 0 }, // 03 is a new main row, not a re-resolution
    ]);
  });

  it('with soft delete off a code is carried, never acted on: the later date and its code, the month kept', () => {
    const { summary, latest } = run(
      [src(main('01', 1, T0), main('02', 2, T0, { del: 4 })), rep(rpt('02-20', T0, '1'))],
      OFF,
    );
    expect(at(summary, '02')).toMatchObject({ d: '2024-02-20', del: '1', bal_history: [2, 1, N, N] });
    expect(latest).toMatchObject([{ m: '2024-02', del: '1' }]);
  });
});

describe('SPEC §4c unbounded history', () => {
  // Key 1: 2023-11 (bal 5), 2024-01 (1), 2024-02 deleted, 2024-05 (bal 50), 2024-07 deleted (after latest).
  const rows = [
    main('01', 1, T0),
    main('02', 2, T0, { del: 4 }),
    main('05', 50, T0),
    main('07', 70, T0, { del: 1 }),
    { ...main('01', 5, T0), m: '2023-11', d: '2023-11-15' },
  ];
  const unbounded = (batches: MixedBatch[], maxLength: number | null, spec = SPEC) =>
    reportOracle(spec, REPORT, batches, { suffix: '_all', maxLength }).unbounded;

  it('worked example: latest 2024-05, first 2023-11 → 7 months back to F, NULL for gaps and deleted months', () => {
    expect(unbounded([src(...rows)], N)).toEqual([
      {
        k: 1,
        m: '2024-05',
        d: '2024-05-15',
        ts: T0,
        bal_history: [50, N, N, N],
        bal: 50,
        del: N,
        bal_all: [50, N, N, N, 1, N, 5],
      },
    ]);
  });

  it("max_length cuts or pads; its first H elements are latest's history", () => {
    expect(unbounded([src(...rows)], 3)[0].bal_all).toEqual([50, N, N]);
    expect(unbounded([src(...rows)], 9)[0].bal_all).toEqual([50, N, N, N, 1, N, 5, N, N]);
  });

  it('F is the earliest month not deleted, and a veto counts its month again', () => {
    const first = [main('01', 1, T0, { del: 4 }), main('03', 3, T0)];
    expect(unbounded([src(...first)], N)[0].bal_all).toEqual([3]);
    expect(unbounded([src(...first), rep(rpt('01-20', T0))], N)[0].bal_all).toEqual([3, N, 1]);
  });

  it('a key with no latest row has no unbounded row; soft delete off keeps every month', () => {
    expect(unbounded([src(main('01', 1, T0, { del: 1 }))], N)).toEqual([]);
    expect(unbounded([src(main('01', 1, T0, { del: 1 }), main('02', 2, T0))], N, OFF)[0].bal_all).toEqual([2, 1]);
  });
});
