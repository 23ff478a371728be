// Counts, from the data alone, how often each situation the property tests must cover occurs in a
// scenario of raw ALT rows. "Existing" always means: delivered as a valid row in an EARLIER batch.
import { ALT_ORACLE_SPEC } from './alt-config';
import { applyBatch, compareScalars, isDeleteRow, monthIndex, rejectReason, type Row, type Scalar } from './oracle';

export const SCENARIO_FEATURES = [
  /** a forward or new-account month whose previous month of the key is ≥ 2 months earlier */
  'gaps',
  /** …with ≥ 6 missing months in between (so the previous value is out of every window) */
  'longGaps',
  /** a new month strictly between the key's existing first and latest months */
  'backfillsIntoGaps',
  /** an existing month again with a greater ts */
  'corrections',
  /** an existing month again with a smaller ts */
  'staleCorrections',
  /** a new month before the key's first month and ≥ 6 months before its latest */
  'ancientBackfills',
  /** a key with no existing month delivering ≥ 2 months in one batch */
  'newAccountsWithSeveralMonths',
  /** an existing key with ≥ 2 months after its latest in one batch */
  'severalForwardMonthsInBatch',
  /** an existing key with a new month below and a month above its latest in one batch */
  'backfillAndForwardInBatch',
  /** an existing key with ≥ 2 new months below its latest in one batch */
  'severalBackfillsInBatch',
  /** a valid row equal in every column to an earlier row of the same batch */
  'identicalDuplicatesInBatch',
  /** a valid row with the key, month and ts of an earlier row of the same batch, other values differing */
  'differingDuplicatesInBatch',
  /** a valid row equal in every column to a row of an earlier batch */
  'identicalRedeliveries',
  /** an existing month with the winner's ts in a later batch and different values (it must lose) */
  'sameTsChangedInLaterBatch',
  /** a cell whose winner changed to one with NULL balance or days_late where the old one had a value */
  'nullUpdates',
  /** rows with bal −1 or −999 */
  'sentinelBalances',
  /** a valid row for a (key, month) never seen before with a ts below the max ts of all earlier batches */
  'lateRowsWithOldTs',
  'invalidNullKey',
  /** month 'YYYY-MM' with MM outside 01–12 */
  'invalidMonthOutOfRange',
  /** month not shaped 'YYYY-MM' (e.g. '24-01') */
  'invalidMonthMalformed',
  'invalidMonthNull',
  'invalidNullTs',
  /** rows with opn before year 1000 */
  'ancientOpenDates',
  // SPEC §4a (soft delete on ALT_CONFIG: del_cd 1 or 4), each counted where the delete or restore wins:
  /** a reported month below the key's latest becomes deleted */
  'deletesOfPastMonths',
  /** the key's latest month becomes deleted (latest falls back or the key leaves latest) */
  'deletesOfLatest',
  /** a key that had a latest row has none after the batch (all its months deleted) */
  'keysLeavingLatest',
  /** a delete for a month beyond the key's latest (no row there yet) */
  'deletesBeyondLatest',
  /** a delete for a key with no row at all */
  'deletesOfUnknownKeys',
  /** a deleted month gets a winner without a delete code */
  'restores',
  /** …for a month beyond the key's latest (e.g. the month that was latest before its delete) */
  'restoresBeyondLatest',
  /** one (key, month) with a delete row and a row without a code in one batch */
  'deleteAndRestoreInBatch',
  /** a month after the key's greatest month, which is deleted (it is a gap for the new month) */
  'forwardAfterDeletedMonth',
] as const;

export type ScenarioFeature = (typeof SCENARIO_FEATURES)[number];
export type ScenarioDescription = Record<ScenarioFeature, number> & {
  rows: number;
  validRows: number;
  accounts: number;
};

const HISTORY = 6;
const { keyColumn: KEY, monthColumn: MONTH, tsColumn: TS } = ALT_ORACLE_SPEC;

interface Prepared {
  raw: Row;
  row: Row;
  key: string;
  month: number;
}

/**
 * describeScenario([[{ id: 1, per: '2024-01', lts: T0, ... }], [{ id: 1, per: '2024-03', lts: T1, ... }]])
 *   → { gaps: 1, longGaps: 0, corrections: 0, ..., rows: 2, validRows: 2, accounts: 1 }
 */
export function describeScenario(batches: Row[][]): ScenarioDescription {
  const counts = Object.fromEntries(SCENARIO_FEATURES.map((f) => [f, 0])) as Record<ScenarioFeature, number>;
  let winners = new Map<string, Row>();
  const earlierRaw = new Set<string>();
  let watermark: Scalar = null;
  const reportedKeys = new Set<string>();
  let rows = 0;
  let validRows = 0;

  batches.forEach((batch, b) => {
    rows += batch.length;
    countRaw(batch, counts);
    const valid = prepareValid(batch, counts);
    validRows += valid.length;
    const existing = monthsByKey(winners);
    countRows(valid, existing, earlierRaw, b === 0 ? null : watermark, counts);
    countKeys(valid, existing, counts);
    const next = applyBatch(
      ALT_ORACLE_SPEC,
      winners,
      valid.map((p) => p.row),
    );
    countNullUpdates(winners, next, counts);
    countSoftDeletes(valid, winners, next, counts);
    winners = next;
    for (const p of valid) {
      if (!isDeleteRow(ALT_ORACLE_SPEC, p.row)) reportedKeys.add(p.key);
      earlierRaw.add(JSON.stringify(p.raw));
      if (compareScalars(p.row[TS], watermark) > 0) watermark = p.row[TS];
    }
  });
  // Accounts are keys with a row that is not a delete: a delete for an unknown key is not one.
  const accounts = new Set(
    [...winners.values()]
      .filter((r) => !isDeleteRow(ALT_ORACLE_SPEC, r) || earlierHasReported(r))
      .map((r) => JSON.stringify(r[KEY])),
  );
  return { ...counts, rows, validRows, accounts: accounts.size };

  function earlierHasReported(row: Row): boolean {
    return reportedKeys.has(JSON.stringify(row[KEY]));
  }
}

function countRaw(batch: Row[], counts: Record<ScenarioFeature, number>): void {
  for (const raw of batch) {
    if (raw.bal === -1 || raw.bal === -999) counts.sentinelBalances += 1;
    if (typeof raw.opn === 'string' && Number(raw.opn.split('-')[0]) < 1000) counts.ancientOpenDates += 1;
  }
}

function prepareValid(batch: Row[], counts: Record<ScenarioFeature, number>): Prepared[] {
  const valid: Prepared[] = [];
  for (const raw of batch) {
    const row = ALT_ORACLE_SPEC.prepare(raw);
    const reason = rejectReason(ALT_ORACLE_SPEC, row);
    const month = row[MONTH];
    if (reason === 'NULL_KEY') counts.invalidNullKey += 1;
    else if (reason === 'NULL_TIMESTAMP') counts.invalidNullTs += 1;
    else if (reason === 'INVALID_MONTH') {
      if (month === null) counts.invalidMonthNull += 1;
      else if (/^[0-9]{4}-[0-9]{2}$/.test(String(month))) counts.invalidMonthOutOfRange += 1;
      else counts.invalidMonthMalformed += 1;
    } else valid.push({ raw, row, key: JSON.stringify(row[KEY]), month: monthIndex(String(month)) });
  }
  return valid;
}

function monthsByKey(winners: Map<string, Row>): Map<string, Map<number, Row>> {
  const byKey = new Map<string, Map<number, Row>>();
  for (const row of winners.values()) {
    const key = JSON.stringify(row[KEY]);
    const months = byKey.get(key) ?? new Map<number, Row>();
    months.set(monthIndex(String(row[MONTH])), row);
    byKey.set(key, months);
  }
  return byKey;
}

function countRows(
  valid: Prepared[],
  existing: Map<string, Map<number, Row>>,
  earlierRaw: Set<string>,
  watermark: Scalar,
  counts: Record<ScenarioFeature, number>,
): void {
  const inBatch = new Map<string, string[]>();
  for (const p of valid) {
    const raw = JSON.stringify(p.raw);
    const winner = existing.get(p.key)?.get(p.month);
    if (winner !== undefined) {
      const byTs = compareScalars(p.row[TS], winner[TS]);
      if (byTs > 0) counts.corrections += 1;
      if (byTs < 0) counts.staleCorrections += 1;
      if (byTs === 0 && Object.keys(p.row).some((c) => p.row[c] !== winner[c])) counts.sameTsChangedInLaterBatch += 1;
    } else if (watermark !== null && compareScalars(p.row[TS], watermark) < 0) {
      counts.lateRowsWithOldTs += 1;
    }
    if (earlierRaw.has(raw)) counts.identicalRedeliveries += 1;
    const cell = `${p.key}@${p.month}@${String(p.row[TS])}`;
    const seen = inBatch.get(cell) ?? [];
    if (seen.includes(raw)) counts.identicalDuplicatesInBatch += 1;
    else if (seen.length > 0) counts.differingDuplicatesInBatch += 1;
    inBatch.set(cell, [...seen, raw]);
  }
}

function countKeys(
  valid: Prepared[],
  existing: Map<string, Map<number, Row>>,
  counts: Record<ScenarioFeature, number>,
): void {
  const monthsInBatch = new Map<string, Set<number>>();
  for (const p of valid) monthsInBatch.set(p.key, (monthsInBatch.get(p.key) ?? new Set<number>()).add(p.month));
  for (const [key, batchMonths] of monthsInBatch) {
    const known = [...(existing.get(key)?.keys() ?? [])].sort((a, b) => a - b);
    const all = [...new Set([...known, ...batchMonths])].sort((a, b) => a - b);
    const months = [...batchMonths];
    if (known.length === 0) {
      if (months.length >= 2) counts.newAccountsWithSeveralMonths += 1;
    } else {
      const first = known[0];
      const latest = known[known.length - 1];
      const forward = months.filter((m) => m > latest);
      const backfill = months.filter((m) => m < latest && !known.includes(m));
      counts.backfillsIntoGaps += backfill.filter((m) => m > first).length;
      counts.ancientBackfills += backfill.filter((m) => m < first && m <= latest - HISTORY).length;
      if (forward.length >= 2) counts.severalForwardMonthsInBatch += 1;
      if (backfill.length >= 2) counts.severalBackfillsInBatch += 1;
      if (forward.length >= 1 && backfill.length >= 1) counts.backfillAndForwardInBatch += 1;
    }
    const latest = known.length === 0 ? -Infinity : known[known.length - 1];
    for (const m of months.filter((month) => month > latest)) {
      const previous = all.filter((month) => month < m).pop();
      if (previous === undefined) continue;
      if (m - previous >= 2) counts.gaps += 1;
      if (m - previous - 1 >= HISTORY) counts.longGaps += 1;
    }
  }
}

function countNullUpdates(
  before: Map<string, Row>,
  after: Map<string, Row>,
  counts: Record<ScenarioFeature, number>,
): void {
  for (const [cell, winner] of after) {
    const old = before.get(cell);
    if (old === undefined || old === winner) continue;
    const lost = (c: string): boolean => old[c] !== null && winner[c] === null;
    if (lost('balance') || lost('days_late')) counts.nullUpdates += 1;
  }
}

/** Per key: its greatest month that is not deleted (the latest row's month), if any. */
function latestMonths(winners: Map<string, Row>): Map<string, number> {
  const latest = new Map<string, number>();
  for (const row of winners.values()) {
    if (isDeleteRow(ALT_ORACLE_SPEC, row)) continue;
    const key = JSON.stringify(row[KEY]);
    const month = monthIndex(String(row[MONTH]));
    if (!latest.has(key) || latest.get(key)! < month) latest.set(key, month);
  }
  return latest;
}

function countSoftDeletes(
  valid: Prepared[],
  before: Map<string, Row>,
  after: Map<string, Row>,
  counts: Record<ScenarioFeature, number>,
): void {
  const isDelete = (row: Row) => isDeleteRow(ALT_ORACLE_SPEC, row);
  const latestBefore = latestMonths(before);
  const latestAfter = latestMonths(after);
  const known = monthsByKey(before);
  for (const [cell, winner] of after) {
    const old = before.get(cell);
    if (old === winner) continue;
    const key = JSON.stringify(winner[KEY]);
    const month = monthIndex(String(winner[MONTH]));
    const latest = latestBefore.get(key);
    if (isDelete(winner) && (old === undefined || !isDelete(old))) {
      if (!known.has(key)) counts.deletesOfUnknownKeys += 1;
      else if (latest === undefined || month > latest) counts.deletesBeyondLatest += 1;
      else if (month === latest) counts.deletesOfLatest += 1;
      else counts.deletesOfPastMonths += 1;
    } else if (!isDelete(winner) && old !== undefined && isDelete(old)) {
      counts.restores += 1;
      if (latest === undefined || month > latest) counts.restoresBeyondLatest += 1;
    }
  }
  for (const key of latestBefore.keys()) if (!latestAfter.has(key)) counts.keysLeavingLatest += 1;
  const kinds = new Map<string, Set<boolean>>();
  for (const p of valid) {
    const cell = `${p.key}@${p.month}`;
    kinds.set(cell, (kinds.get(cell) ?? new Set<boolean>()).add(isDelete(p.row)));
    const months = known.get(p.key);
    if (months === undefined || isDelete(p.row)) continue;
    const greatest = Math.max(...months.keys());
    if (p.month > greatest && isDelete(months.get(greatest)!)) counts.forwardAfterDeletedMonth += 1;
  }
  for (const seen of kinds.values()) if (seen.size === 2) counts.deleteAndRestoreInBatch += 1;
}
