// Every expected value here is written out by hand from shared/SPEC.md §3–§4 (history length 6 in
// ALT_CONFIG); none is computed by the oracle.
import { ALT_ORACLE_SPEC, altPrepare } from './alt-config';
import { oracle, softDeleteCounts, type OracleSpec, type OutputRow, type Row } from './oracle';

const N = null;
const T0 = '2025-01-01 00:00:00';
const T1 = '2025-01-02 00:00:00';
const T2 = '2025-01-03 00:00:00';

interface Values {
  aod?: string | null;
  bal?: number | null;
  dpd?: number | null;
  st?: string | null;
  opn?: string | null;
  del?: number | null;
}

/** A raw ALT source row. Defaults: as_of_dt the 15th of the month, dpd 0, status 'A', opened 2020-01-01. */
function src(id: number | null, per: string | number | null, lts: string | null, v: Values = {}): Row {
  const aod = typeof per === 'string' ? `${per}-15` : null;
  return {
    id,
    per,
    lts,
    aod: v.aod === undefined ? aod : v.aod,
    bal: v.bal === undefined ? 0 : v.bal,
    dpd: v.dpd === undefined ? 0 : v.dpd,
    st: v.st === undefined ? 'A' : v.st,
    opn: v.opn === undefined ? '2020-01-01' : v.opn,
    del: v.del === undefined ? null : v.del,
  };
}

function run(batches: Row[][]) {
  return oracle(ALT_ORACLE_SPEC, batches);
}

function at(summary: OutputRow[], id: number, period: string): OutputRow {
  const found = summary.filter((r) => r.acct_id === id && r.period === period);
  if (found.length !== 1) throw new Error(`expected one summary row for ${id}@${period}, got ${found.length}`);
  return found[0];
}

function balances(summary: OutputRow[], id: number, period: string) {
  return at(summary, id, period).balance_history;
}

describe('altPrepare (SPEC §3 for ALT_CONFIG)', () => {
  it('renames, nulls balance sentinels, infers rating and clears dates before year 1000', () => {
    expect(altPrepare(src(7, '2024-01', T0, { bal: -999, dpd: 45, opn: '0999-12-31' }))).toEqual({
      acct_id: 7,
      period: '2024-01',
      load_ts: T0,
      as_of_dt: '2024-01-15',
      balance: N,
      days_late: 45,
      status_cd: 'A',
      opened_dt: N,
      del_cd: N,
      rating: '1',
    });
  });

  it.each([
    [-1, N],
    [-999, N],
    [-2, -2],
    [0, 0],
    [N, N],
  ])('balance %p becomes %p', (bal, expected) => {
    expect(altPrepare(src(1, '2024-01', T0, { bal })).balance).toBe(expected);
  });

  it.each([
    [N, N],
    [-3, '0'],
    [29, '0'],
    [30, '1'],
    [59, '1'],
    [60, '2'],
    [400, '2'],
  ])('days_late %p gives rating %p', (dpd, expected) => {
    expect(altPrepare(src(1, '2024-01', T0, { dpd })).rating).toBe(expected);
  });

  it.each([
    ['0001-01-01', N],
    ['0999-12-31', N],
    ['1000-01-01', '1000-01-01'],
    ['2021-06-30', '2021-06-30'],
    [N, N],
  ])('opened_dt %p becomes %p', (opn, expected) => {
    expect(altPrepare(src(1, '2024-01', T0, { opn })).opened_dt).toBe(expected);
  });
});

describe('oracle: forward and new accounts', () => {
  it('a new account gets [v, null, …] and its full summary and latest rows', () => {
    const { summary, latest, rejects } = run([[src(1, '2024-01', T0, { bal: 100, dpd: 35, st: 'O' })]]);
    expect(rejects).toEqual([]);
    expect(summary).toEqual([
      {
        acct_id: 1,
        period: '2024-01',
        load_ts: T0,
        as_of_dt: '2024-01-15',
        balance: 100,
        days_late: 35,
        status_cd: 'O',
        opened_dt: '2020-01-01',
        del_cd: N,
        rating: '1',
        balance_history: [100, N, N, N, N, N],
        dpd_history: [35, N, N, N, N, N],
        rating_history: ['1', N, N, N, N, N],
        rating_grid: '1|-|-|-|-|-',
      },
    ]);
    expect(latest).toEqual([
      {
        acct_id: 1,
        period: '2024-01',
        as_of_dt: '2024-01-15',
        load_ts: T0,
        balance_history: [100, N, N, N, N, N],
        dpd_history: [35, N, N, N, N, N],
        rating_history: ['1', N, N, N, N, N],
        rating_grid: '1|-|-|-|-|-',
        balance: 100,
        status_cd: 'O',
      },
    ]);
    expect(Object.keys(latest[0])).toEqual([
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
    ]);
  });

  it('chains several months of a new account delivered in one batch', () => {
    const { summary } = run([
      [src(1, '2024-03', T0, { bal: 3 }), src(1, '2024-01', T0, { bal: 1 }), src(1, '2024-02', T0, { bal: 2 })],
    ]);
    expect(balances(summary, 1, '2024-01')).toEqual([1, N, N, N, N, N]);
    expect(balances(summary, 1, '2024-02')).toEqual([2, 1, N, N, N, N]);
    expect(balances(summary, 1, '2024-03')).toEqual([3, 2, 1, N, N, N]);
  });

  it('shifts an adjacent forward month onto the previous history', () => {
    const { summary } = run([
      [src(1, '2024-01', T0, { bal: 100, dpd: 10 })],
      [src(1, '2024-02', T1, { bal: 200, dpd: 40 })],
    ]);
    expect(balances(summary, 1, '2024-01')).toEqual([100, N, N, N, N, N]);
    expect(at(summary, 1, '2024-02')).toMatchObject({
      balance_history: [200, 100, N, N, N, N],
      dpd_history: [40, 10, N, N, N, N],
      rating_history: ['1', '0', N, N, N, N],
      rating_grid: '1|0|-|-|-|-',
    });
  });

  it('pads a 3-month forward step with NULLs: [v, null, null, prev, …]', () => {
    const { summary } = run([[src(1, '2024-01', T0, { bal: 1 })], [src(1, '2024-04', T1, { bal: 4 })]]);
    expect(balances(summary, 1, '2024-04')).toEqual([4, N, N, 1, N, N]);
  });

  it('keeps a value 5 months back at the last index', () => {
    const { summary } = run([[src(1, '2024-01', T0, { bal: 1 })], [src(1, '2024-06', T1, { bal: 6 })]]);
    expect(balances(summary, 1, '2024-06')).toEqual([6, N, N, N, N, 1]);
  });

  it.each(['2024-07', '2024-09', '2026-01'])(
    'a gap of at least the history length to %s gives [v, null × 5]',
    (month) => {
      const { summary } = run([[src(1, '2024-01', T0, { bal: 1 })], [src(1, month, T1, { bal: 9 })]]);
      expect(balances(summary, 1, month)).toEqual([9, N, N, N, N, N]);
    },
  );

  it('crosses a year boundary', () => {
    const { summary } = run([[src(1, '2023-11', T0, { bal: 11 }), src(1, '2024-02', T0, { bal: 2 })]]);
    expect(balances(summary, 1, '2024-02')).toEqual([2, N, N, 11, N, N]);
  });
});

describe('oracle: backfill', () => {
  const firstBatch = [
    src(1, '2024-01', T0, { bal: 1 }),
    src(1, '2024-04', T0, { bal: 4 }),
    src(1, '2024-08', T0, { bal: 8 }),
  ];

  it('fills a gap and patches the later rows at index (month − m)', () => {
    const { summary, latest } = run([firstBatch, [src(1, '2024-03', T1, { bal: 3 })]]);
    expect(summary.map((r) => r.period)).toEqual(['2024-01', '2024-03', '2024-04', '2024-08']);
    expect(balances(summary, 1, '2024-01')).toEqual([1, N, N, N, N, N]);
    expect(balances(summary, 1, '2024-03')).toEqual([3, N, 1, N, N, N]);
    expect(balances(summary, 1, '2024-04')).toEqual([4, 3, N, 1, N, N]);
    expect(balances(summary, 1, '2024-08')).toEqual([8, N, N, N, 4, 3]);
    expect(latest).toHaveLength(1);
    expect(latest[0]).toMatchObject({ period: '2024-08', balance: 8, balance_history: [8, N, N, N, 4, 3] });
  });

  it('gives the same result whether the gap month arrives first, last or with the others', () => {
    const expected = [
      [1, N, N, N, N, N],
      [3, N, 1, N, N, N],
      [4, 3, N, 1, N, N],
      [8, N, N, N, 4, 3],
    ];
    const backfill = src(1, '2024-03', T1, { bal: 3 });
    for (const batches of [[firstBatch, [backfill]], [[backfill], firstBatch], [[...firstBatch, backfill]]]) {
      expect(run(batches).summary.map((r) => r.balance_history)).toEqual(expected);
    }
  });

  it('never lets a value older than 5 months before a row appear in it (ancient backfill)', () => {
    const { summary, latest } = run([
      [src(1, '2024-06', T0, { bal: 6 })],
      [src(1, '2023-12', T1, { bal: 99 }), src(1, '2023-01', T1, { bal: 13 })],
    ]);
    expect(balances(summary, 1, '2023-01')).toEqual([13, N, N, N, N, N]);
    expect(balances(summary, 1, '2023-12')).toEqual([99, N, N, N, N, N]);
    expect(balances(summary, 1, '2024-06')).toEqual([6, N, N, N, N, N]);
    expect(latest[0]).toMatchObject({ period: '2024-06', balance_history: [6, N, N, N, N, N] });
  });

  it('keeps latest at the greatest month when a backfill arrives', () => {
    const { latest } = run([[src(1, '2024-05', T0, { bal: 5 })], [src(1, '2024-02', T1, { bal: 2 })]]);
    expect(latest).toEqual([expect.objectContaining({ period: '2024-05', balance_history: [5, N, N, 2, N, N] })]);
  });
});

describe('oracle: corrections and the ts rule', () => {
  const base = [src(1, '2024-01', T1, { bal: 10 }), src(1, '2024-02', T1, { bal: 20 })];

  it('a correction with a newer ts wins and is patched into the later row', () => {
    const { summary } = run([base, [src(1, '2024-01', T2, { bal: 11 })]]);
    expect(at(summary, 1, '2024-01')).toMatchObject({ balance: 11, load_ts: T2, balance_history: [11, N, N, N, N, N] });
    expect(balances(summary, 1, '2024-02')).toEqual([20, 11, N, N, N, N]);
  });

  it('a stale correction (older ts) loses', () => {
    const { summary } = run([base, [src(1, '2024-01', T0, { bal: 99 })]]);
    expect(at(summary, 1, '2024-01')).toMatchObject({ balance: 10, load_ts: T1 });
    expect(balances(summary, 1, '2024-02')).toEqual([20, 10, N, N, N, N]);
  });

  it('an equal ts in a later batch loses, whatever its values', () => {
    const { summary } = run([base, [src(1, '2024-01', T1, { bal: 99, aod: '2024-01-31', st: 'Z' })]]);
    expect(at(summary, 1, '2024-01')).toMatchObject({ balance: 10, as_of_dt: '2024-01-15', status_cd: 'A' });
    expect(balances(summary, 1, '2024-02')).toEqual([20, 10, N, N, N, N]);
  });

  it('a null update replaces the older value in every history', () => {
    const { summary, latest } = run([
      [src(1, '2024-01', T0, { bal: 10, dpd: 5 }), src(1, '2024-02', T0, { bal: 20, dpd: 6 })],
      [src(1, '2024-01', T1, { bal: -999, dpd: N })],
    ]);
    expect(at(summary, 1, '2024-01')).toMatchObject({
      balance: N,
      days_late: N,
      rating: N,
      rating_grid: '-|-|-|-|-|-',
    });
    expect(at(summary, 1, '2024-02')).toMatchObject({
      balance_history: [20, N, N, N, N, N],
      dpd_history: [6, N, N, N, N, N],
      rating_history: ['0', N, N, N, N, N],
      rating_grid: '0|-|-|-|-|-',
    });
    expect(latest[0]).toMatchObject({ period: '2024-02', rating_grid: '0|-|-|-|-|-' });
  });
});

describe('oracle: ties inside one batch (ts equal)', () => {
  const pick = (rows: Row[]) => run([rows]).summary[0];

  it.each([
    ['the greater as_of_dt', { aod: '2024-01-20', bal: 1 }, { aod: '2024-01-15', bal: 5 }],
    ['a non-null as_of_dt', { aod: '2024-01-01' }, { aod: N, bal: 9 }],
    ['the greater balance', { bal: 7 }, { bal: 3 }],
    ['a non-null balance over a sentinel (NULL)', { bal: 0 }, { bal: -1 }],
    ['the greater days_late', { dpd: 50 }, { dpd: 10 }],
    ['a non-null days_late', { dpd: 0 }, { dpd: N }],
    ['the greater status_cd', { st: 'B' }, { st: 'A' }],
    ['the greater opened_dt', { opn: '2021-02-01' }, { opn: '2021-01-31' }],
    ['a valid opened_dt over one before year 1000 (NULL)', { opn: '1999-01-01' }, { opn: '0500-01-01' }],
  ])('takes %s, in either order', (_what, winner: Values, loser: Values) => {
    const w = src(1, '2024-01', T0, winner);
    const l = src(1, '2024-01', T0, loser);
    const expected = altPrepare(w);
    expect(pick([w, l])).toMatchObject(expected);
    expect(pick([l, w])).toMatchObject(expected);
  });

  it('a greater ts beats any tie-break column', () => {
    const row = pick([
      src(1, '2024-01', T1, { bal: 1, aod: '2024-01-01' }),
      src(1, '2024-01', T0, { bal: 9, aod: '2024-01-31' }),
    ]);
    expect(row).toMatchObject({ balance: 1, load_ts: T1 });
  });

  it('a tie-broken batch candidate with a newer ts replaces the earlier winner', () => {
    const { summary } = run([
      [src(1, '2024-01', T0, { bal: 100 })],
      [src(1, '2024-01', T1, { bal: 2 }), src(1, '2024-01', T1, { bal: 3 })],
    ]);
    expect(summary).toHaveLength(1);
    expect(summary[0]).toMatchObject({ balance: 3, balance_history: [3, N, N, N, N, N] });
  });
});

describe('oracle: rejects', () => {
  it('rejects invalid rows with the first failing reason, in input order, and keeps them out of summary', () => {
    const batches = [
      [src(N, '2024-01', T0), src(1, '2024-13', T0), src(1, '2024-02', T0, { bal: 2 }), src(1, '24-01', T0)],
      [src(1, N, T0), src(1, '2024-00', T0), src(1, 202401, T0), src(1, '2024-1', T0), src(1, '2024-03', N)],
      [src(N, '2024-99', N), src(1, 'x', N)],
    ];
    const { summary, rejects } = run(batches);
    expect(rejects.map((r) => [r.batch, r.reason, r.source.per])).toEqual([
      [0, 'NULL_KEY', '2024-01'],
      [0, 'INVALID_MONTH', '2024-13'],
      [0, 'INVALID_MONTH', '24-01'],
      [1, 'INVALID_MONTH', N],
      [1, 'INVALID_MONTH', '2024-00'],
      [1, 'INVALID_MONTH', 202401],
      [1, 'INVALID_MONTH', '2024-1'],
      [1, 'NULL_TIMESTAMP', '2024-03'],
      [2, 'NULL_KEY', '2024-99'],
      [2, 'INVALID_MONTH', 'x'],
    ]);
    expect(rejects[0].row).toMatchObject({ acct_id: N, period: '2024-01', load_ts: T0 });
    expect(summary.map((r) => [r.acct_id, r.period, r.balance_history])).toEqual([[1, '2024-02', [2, N, N, N, N, N]]]);
  });
});

describe('oracle: ordering and other specs', () => {
  it('sorts by key numerically, then by month', () => {
    const { summary, latest } = run([
      [
        src(10, '2024-02', T0),
        src(9, '2024-03', T0),
        src(100, '2024-01', T0),
        src(10, '2023-12', T0),
        src(9, '2024-01', T0),
      ],
    ]);
    expect(summary.map((r) => `${r.acct_id}@${r.period}`)).toEqual([
      '9@2024-01',
      '9@2024-03',
      '10@2023-12',
      '10@2024-02',
      '100@2024-01',
    ]);
    expect(latest.map((r) => `${r.acct_id}@${r.period}`)).toEqual(['9@2024-03', '10@2024-02', '100@2024-01']);
  });

  it('builds a grid with its own placeholder and separator from a String rolling column named apart from its mapper column', () => {
    const spec: OracleSpec = {
      keyColumn: 'k',
      monthColumn: 'm',
      tsColumn: 'ts',
      dateColumn: 'd',
      rolling: [{ name: 'amt', mapperColumn: 'amount', length: 3, type: 'String' }],
      grids: [{ name: 'amt_grid', rollingName: 'amt', placeholder: '?', separator: ',' }],
      latestColumns: ['amount', 'amt_grid'],
      tieBreakColumns: ['amount'],
      prepare: (row) => ({ ...row }),
    };
    const { summary, latest } = oracle(spec, [
      [
        { k: 'b', m: '2024-01', ts: 1, d: '2024-01-31', amount: 5 },
        { k: 'b', m: '2024-03', ts: 1, d: '2024-03-31', amount: 12 },
        { k: 'a', m: '2024-02', ts: 1, d: '2024-02-29', amount: N },
      ],
    ]);
    expect(summary.map((r) => [r.k, r.m, r.amt_history, r.amt_grid])).toEqual([
      ['a', '2024-02', [N, N, N], '?,?,?'],
      ['b', '2024-01', ['5', N, N], '5,?,?'],
      ['b', '2024-03', ['12', N, '5'], '12,?,5'],
    ]);
    expect(latest[1]).toEqual({
      k: 'b',
      m: '2024-03',
      d: '2024-03-31',
      ts: 1,
      amt_history: ['12', N, '5'],
      amt_grid: '12,?,5',
      amount: 12,
    });
  });
});

// SPEC §4a on ALT_CONFIG: del_cd 1 or 4 withdraws a month (an INT column, compared as a string).
describe('oracle: soft delete (SPEC §4a)', () => {
  const latestOf = (latest: OutputRow[], id: number) => latest.filter((r) => r.acct_id === id);

  it('a deleted past month is NULL in later histories and keeps a tombstone with index 0 NULL', () => {
    const b1 = [
      src(1, '2024-01', T0, { bal: 10 }),
      src(1, '2024-02', T0, { bal: 20 }),
      src(1, '2024-03', T0, { bal: 30 }),
    ];
    const { summary, latest } = run([b1, [src(1, '2024-02', T1, { bal: 99, del: 4 })]]);
    expect(balances(summary, 1, '2024-03')).toEqual([30, N, 10, N, N, N]);
    expect(at(summary, 1, '2024-02')).toMatchObject({
      balance: 99,
      del_cd: 4,
      load_ts: T1,
      balance_history: [N, 10, N, N, N, N],
      rating_grid: '-|0|-|-|-|-',
    });
    expect(latestOf(latest, 1)).toMatchObject([{ period: '2024-03', balance_history: [30, N, 10, N, N, N] }]);
  });

  it('a deleted latest month leaves latest at the newest month not deleted, however far back', () => {
    const b1 = [src(1, '2023-01', T0, { bal: 5 }), src(1, '2024-06', T0, { bal: 60 })];
    const { latest } = run([b1, [src(1, '2024-06', T1, { del: 1 })]]);
    expect(latestOf(latest, 1)).toMatchObject([{ period: '2023-01', balance_history: [5, N, N, N, N, N] }]);
  });

  it('a key whose months are all deleted has no latest row, and its tombstones stay in summary', () => {
    const { summary, latest } = run([[src(1, '2024-01', T0)], [src(1, '2024-01', T1, { del: 1 })]]);
    expect(latestOf(latest, 1)).toEqual([]);
    expect(summary).toHaveLength(1);
  });

  it('a delete beyond latest or for an unknown key is a tombstone only; a later month sees it as a gap', () => {
    const { summary, latest } = run([
      [src(1, '2024-01', T0, { bal: 10 })],
      [src(1, '2024-02', T1, { bal: 20, del: 4 }), src(2, '2024-05', T1, { del: 1 })],
      [src(1, '2024-03', T2, { bal: 30 })],
    ]);
    expect(balances(summary, 1, '2024-02')).toEqual([N, 10, N, N, N, N]);
    expect(balances(summary, 1, '2024-03')).toEqual([30, N, 10, N, N, N]);
    expect(latestOf(latest, 1)).toMatchObject([{ period: '2024-03' }]);
    expect(latestOf(latest, 2)).toEqual([]);
    expect(at(summary, 2, '2024-05').balance_history).toEqual([N, N, N, N, N, N]);
  });

  it('a newer row without a code restores the month, including the month that was latest', () => {
    const b1 = [src(1, '2024-01', T0, { bal: 10 }), src(1, '2024-02', T0, { bal: 20 })];
    const { summary, latest } = run([
      b1,
      [src(1, '2024-02', T1, { del: 1 })],
      [src(1, '2024-02', T2, { bal: 22, del: 2 })],
    ]);
    expect(balances(summary, 1, '2024-02')).toEqual([22, 10, N, N, N, N]);
    expect(latestOf(latest, 1)).toMatchObject([{ period: '2024-02', balance: 22 }]);
  });

  it('an equal ts never replaces the applied row: neither a delete nor a restore', () => {
    const b1 = [src(1, '2024-01', T0, { bal: 10 })];
    expect(latestOf(run([b1, [src(1, '2024-01', T0, { del: 1 })]]).latest, 1)).toMatchObject([{ balance: 10 }]);
    const deleted = [src(1, '2024-01', T0, { del: 1 })];
    expect(latestOf(run([deleted, [src(1, '2024-01', T0, { bal: 5 })]]).latest, 1)).toEqual([]);
  });

  it('a delete and a restore of one (key, month) in one batch: the greater ts wins', () => {
    const b1 = [src(1, '2024-01', T0, { bal: 10 })];
    expect(
      latestOf(run([b1, [src(1, '2024-01', T1, { del: 1 }), src(1, '2024-01', T2, { bal: 11 })]]).latest, 1),
    ).toMatchObject([{ balance: 11 }]);
    expect(
      latestOf(run([b1, [src(1, '2024-01', T2, { del: 1 }), src(1, '2024-01', T1, { bal: 11 })]]).latest, 1),
    ).toEqual([]);
  });

  it('counts per batch the months deleted (a delete became the winner) and restored', () => {
    const batches = [
      [src(1, '2024-01', T0), src(2, '2024-01', T0, { del: 4 })],
      [src(1, '2024-01', T1, { del: 1 }), src(2, '2024-01', T1, { del: 1 }), src(2, '2024-02', T0, { del: 1 })],
      [src(1, '2024-01', T2), src(2, '2024-01', T0), src(2, '2024-02', T1, { del: 0 })],
    ];
    expect(softDeleteCounts(ALT_ORACLE_SPEC, batches)).toEqual([
      { deleted: 1, restored: 0 }, // a delete for an unknown key is a delete too
      { deleted: 3, restored: 0 }, // a newer delete over a tombstone counts again
      { deleted: 0, restored: 2 }, // 2@2024-01 with an older ts restores nothing
    ]);
  });

  it('with soft delete off a delete code is an ordinary value', () => {
    const off: OracleSpec = { ...ALT_ORACLE_SPEC, softDelete: null };
    const { summary, latest } = oracle(off, [[src(1, '2024-01', T0, { bal: 10, del: 1 })]]);
    expect(balances(summary, 1, '2024-01')).toEqual([10, N, N, N, N, N]);
    expect(latestOf(latest, 1)).toHaveLength(1);
  });
});
