// The counts below are worked out by hand from the rows, one comment per row.
import type { Row } from './oracle';
import { describeScenario } from './scenario-features';

const T = (day: number) => `2026-01-${String(day).padStart(2, '0')} 00:00:00`;

function src(id: number | null, per: string | null, lts: string | null, bal: number | null = 0, opn = '2020-01-01'): Row {
  return { id, per, lts, aod: null, bal, dpd: 0, st: 'O', opn };
}

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
      rows: 20,
      validRows: 15,
      accounts: 3,
    });
  });
});
