// The counts below are worked out by hand from the rows, one comment per row.
import type { Row } from './oracle';
import { describeScenario } from './scenario-features';

const T = (day: number) => `2026-01-${String(day).padStart(2, '0')} 00:00:00`;

function src(
  id: number | null,
  per: string | null,
  lts: string | null,
  bal: number | null = 0,
  opn = '2020-01-01',
  del: number | null = null,
): Row {
  return { id, per, lts, aod: null, bal, dpd: 0, st: 'O', opn, del };
}
const del = (id: number, per: string, lts: string, code = 1): Row => src(id, per, lts, 0, '2020-01-01', code);

const NO_SOFT_DELETES = {
  deletesOfPastMonths: 0,
  deletesOfLatest: 0,
  keysLeavingLatest: 0,
  deletesBeyondLatest: 0,
  deletesOfUnknownKeys: 0,
  restores: 0,
  restoresBeyondLatest: 0,
  deleteAndRestoreInBatch: 0,
  forwardAfterDeletedMonth: 0,
};

describe('describeScenario', () => {
  it('counts each feature of a hand-made scenario', () => {
    const first = src(1, '2024-01', T(10), 1);
    const batches: Row[][] = [
      [
        first,
        src(1, '2024-03', T(10)), // gap of one month; with 2024-01: a new account with several months
        src(1, '2024-03', T(10)), // identical duplicate in the batch
        src(1, '2024-03', T(10), 99), // differing duplicate in the batch
        src(2, '2024-01', T(10)),
        src(2, '2024-02', T(10)), // second new account with several months
        src(null, '2024-01', T(10)), // null key
        src(1, '2024-13', T(10)), // month out of range
        src(1, '24-01', T(10)), // malformed month
        src(1, null, T(10)), // null month
        src(1, '2024-04', null), // null ts
        src(3, '2024-01', T(10), -999, '0500-01-01'), // sentinel, ancient open date
      ],
      [
        src(1, '2024-02', T(20)), // backfill into the gap 2024-01 … 2024-03
        src(1, '2024-11', T(20)), // forward after 7 missing months: a gap and a long gap
        src(1, '2024-12', T(20)), // second forward month of key 1; forward + backfill in one batch
        src(2, '2024-01', T(30), null), // correction with a newer ts that nulls the balance
        src(2, '2024-02', T(5)), // stale correction
        src(3, '2024-01', T(10), 7), // same ts as the applied row, other balance
        { ...first }, // identical re-delivery
        src(1, '2023-06', T(5)), // ancient backfill (before 2024-01 and ≤ 2024-03 − 6) with an old ts
      ],
    ];
    expect(describeScenario(batches)).toEqual({
      gaps: 2,
      longGaps: 1,
      backfillsIntoGaps: 1,
      corrections: 1,
      staleCorrections: 1,
      ancientBackfills: 1,
      newAccountsWithSeveralMonths: 2,
      severalForwardMonthsInBatch: 1,
      backfillAndForwardInBatch: 1,
      severalBackfillsInBatch: 1,
      identicalDuplicatesInBatch: 1,
      differingDuplicatesInBatch: 1,
      identicalRedeliveries: 1,
      sameTsChangedInLaterBatch: 1,
      nullUpdates: 1,
      sentinelBalances: 1,
      lateRowsWithOldTs: 1,
      invalidNullKey: 1,
      invalidMonthOutOfRange: 1,
      invalidMonthMalformed: 1,
      invalidMonthNull: 1,
      invalidNullTs: 1,
      ancientOpenDates: 1,
      ...NO_SOFT_DELETES,
      rows: 20,
      validRows: 15,
      accounts: 3,
    });
  });

  it('counts each soft-delete situation (SPEC §4a) of a hand-made scenario', () => {
    const batches: Row[][] = [
      [
        src(1, '2024-01', T(10)),
        src(1, '2024-02', T(10)),
        src(1, '2024-03', T(10)),
        src(2, '2024-01', T(10)),
        src(3, '2024-01', T(10)),
      ],
      [
        del(1, '2024-01', T(20), 4), // a past month of key 1
        del(1, '2024-03', T(20)), // key 1's latest month (latest falls back to 2024-02)
        del(2, '2024-01', T(20)), // key 2's only month: latest of 2 is deleted and 2 leaves latest
        del(3, '2024-05', T(20)), // beyond key 3's latest
        del(9, '2024-01', T(20)), // a key never seen
        src(3, '2024-01', T(20), 0, '2020-01-01', 2), // code 2 is not a delete code: a correction
      ],
      [
        src(1, '2024-03', T(30)), // restores key 1's former latest month, beyond its latest 2024-02
        src(1, '2024-01', T(30)), // restores a past month
        del(3, '2024-01', T(29)), // a delete and …
        src(3, '2024-01', T(30)), // … a restore of one (key, month) in one batch; the restore wins
        src(3, '2024-06', T(30)), // after key 3's greatest month 2024-05, which is deleted
      ],
    ];
    expect(describeScenario(batches)).toMatchObject({
      deletesOfPastMonths: 1,
      deletesOfLatest: 2,
      keysLeavingLatest: 1,
      deletesBeyondLatest: 1,
      deletesOfUnknownKeys: 1,
      restores: 2,
      restoresBeyondLatest: 1,
      deleteAndRestoreInBatch: 1,
      forwardAfterDeletedMonth: 1,
      corrections: 8, // every row of batches 2 and 3 at an existing month with a newer ts
      accounts: 3,
    });
  });
});
