// The reference result of shared/SPEC.md §4: summary and latest as a pure function of every source row
// ever ingested, given as an ordered list of batches. It rebuilds everything from scratch on each call, so
// it shares no code path (cases, windows, patching) with the pipeline it judges.

export type Scalar = string | number | boolean | null; // dates 'YYYY-MM-DD', timestamps 'YYYY-MM-DD HH:MM:SS'
export type Row = Record<string, Scalar>;
export type Cell = Scalar | Scalar[];
export type OutputRow = Record<string, Cell>;

export interface RollingSpec {
  name: string;
  mapperColumn: string;
  length: number;
  type: 'Integer' | 'String';
}

export interface GridSpec {
  name: string;
  rollingName: string;
  placeholder: string;
  separator: string;
}

export interface OracleSpec {
  keyColumn: string;
  monthColumn: string;
  tsColumn: string;
  rolling: RollingSpec[];
  grids: GridSpec[];
  latestColumns: string[];
  dateColumn: string;
  tieBreakColumns: string[];
  prepare: (sourceRow: Row) => Row;
  /** SPEC §4a: a winner whose `column`, as a string, is one of `codes` withdraws its month; absent = off. */
  softDelete?: { column: string; codes: string[] } | null;
}

export type RejectReason = 'NULL_KEY' | 'INVALID_MONTH' | 'NULL_TIMESTAMP';

export interface Reject {
  reason: RejectReason;
  /** The prepared row (destination names). */
  row: Row;
  /** The raw row as ingested (source names). */
  source: Row;
  /** Index of the batch in the oracle's input. */
  batch: number;
}

export interface OracleResult {
  summary: OutputRow[];
  latest: OutputRow[];
  rejects: Reject[];
}

const MONTH_PATTERN = /^[0-9]{4}-(0[1-9]|1[0-2])$/;

/**
 * Total order on scalars used for keys, timestamps and tie-breaks: null < boolean < number < string;
 * numbers numerically, strings by code unit (so ISO dates and timestamps compare chronologically).
 *
 * compareScalars(2, 10) < 0; compareScalars('2024-01-31', '2024-02-01') < 0; compareScalars(null, 0) < 0
 */
export function compareScalars(a: Scalar, b: Scalar): number {
  const rank = (v: Scalar): number => (v === null ? 0 : typeof v === 'boolean' ? 1 : typeof v === 'number' ? 2 : 3);
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (a === b || a === null || b === null) return 0;
  return a < b ? -1 : 1;
}

/**
 * 'YYYY-MM' → year * 12 + month − 1, and back.
 *
 * monthIndex('2024-01') === 24288; monthLabel(24287) === '2023-12'
 */
export function monthIndex(month: string): number {
  return Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1;
}

export function monthLabel(index: number): string {
  const year = Math.floor(index / 12);
  const month = index - year * 12 + 1;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`;
}

/**
 * The reject reason of a prepared row, or null when it is valid (checked in SPEC §3 order).
 *
 * rejectReason(spec, { acct_id: 1, period: '2024-13', load_ts: '2025-01-01 00:00:00' }) === 'INVALID_MONTH'
 */
export function rejectReason(spec: OracleSpec, row: Row): RejectReason | null {
  if (isNull(row[spec.keyColumn])) return 'NULL_KEY';
  const month = row[spec.monthColumn];
  if (typeof month !== 'string' || !MONTH_PATTERN.test(month)) return 'INVALID_MONTH';
  if (isNull(row[spec.tsColumn])) return 'NULL_TIMESTAMP';
  return null;
}

/**
 * Which of two rows of one (key, month) inside one batch is the candidate: greater ts, then each
 * tie-break column descending with NULLS LAST. Positive when `a` wins.
 *
 * With tieBreakColumns ['bal']: {ts: 5, bal: null} vs {ts: 5, bal: 0} → negative (non-null beats null)
 */
export function compareCandidates(spec: OracleSpec, a: Row, b: Row): number {
  const byTs = compareScalars(value(a, spec.tsColumn), value(b, spec.tsColumn));
  if (byTs !== 0) return byTs;
  for (const column of spec.tieBreakColumns) {
    const byColumn = compareScalars(value(a, column), value(b, column));
    if (byColumn !== 0) return byColumn; // null ranks lowest, so descending order puts it last
  }
  return 0;
}

/**
 * Folds one batch into the winners: the batch's candidate per (key, month) replaces the current winner
 * only when there is none or its ts is strictly greater (SPEC §4: an equal ts never replaces).
 *
 * winners {k1@2024-01: ts 5}, batch [{k1, 2024-01, ts 5, bal 9}] → unchanged
 */
export function applyBatch(spec: OracleSpec, winners: Map<string, Row>, batch: Row[]): Map<string, Row> {
  const candidates = new Map<string, Row>();
  for (const row of batch) {
    const id = cellId(spec, row);
    const current = candidates.get(id);
    if (current === undefined || compareCandidates(spec, row, current) > 0) candidates.set(id, row);
  }
  const next = new Map(winners);
  for (const [id, candidate] of candidates) {
    const winner = next.get(id);
    if (winner === undefined || compareScalars(value(candidate, spec.tsColumn), value(winner, spec.tsColumn)) > 0) {
      next.set(id, candidate);
    }
  }
  return next;
}

/**
 * SPEC §4a: whether a prepared row is a delete row (its delete column, as a string, is one of the codes).
 *
 * With softDelete {column: 'del_cd', codes: ['1', '4']}: {del_cd: 4} → true; {del_cd: 2} → false; {del_cd: null} → false
 */
export function isDeleteRow(spec: OracleSpec, row: Row): boolean {
  if (!spec.softDelete) return false;
  const v = row[spec.softDelete.column];
  return v !== null && v !== undefined && spec.softDelete.codes.includes(String(v));
}

/**
 * The winners that hold a value for the histories: every winner that is not a delete row (SPEC §4a: a
 * deleted month is NULL in every history, as if it had no row).
 */
export function reportedWinners(spec: OracleSpec, winners: Map<string, Row>): Map<string, Row> {
  if (!spec.softDelete) return winners;
  return new Map([...winners].filter(([, row]) => !isDeleteRow(spec, row)));
}

/**
 * A rolling value in the array's type: Integer → number (a numeric string is parsed, anything else is
 * NULL, as a non-ANSI Spark cast), String → string.
 *
 * rollingValue('Integer', '42') === 42; rollingValue('String', 7) === '7'; rollingValue('String', null) === null
 */
export function rollingValue(type: RollingSpec['type'], v: Scalar | undefined): Scalar {
  if (v === null || v === undefined) return null;
  if (type === 'String') return String(v);
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^\s*-?[0-9]+\s*$/.test(v)) return Number(v);
  return null;
}

/**
 * The history of one rolling column for the winner at (key, month): element i is the winner at
 * (key, month − i)'s mapper column, or null.
 *
 * winners at 2024-03 (bal 3) and 2024-01 (bal 1), length 4 → history of 2024-03 = [3, null, 1, null]
 */
export function historyOf(
  spec: OracleSpec,
  rolling: RollingSpec,
  winners: Map<string, Row>,
  key: Scalar,
  month: string,
): Scalar[] {
  const start = monthIndex(month);
  const history: Scalar[] = [];
  for (let i = 0; i < rolling.length; i += 1) {
    const earlier = winners.get(cellKey(key, monthLabel(start - i)));
    history.push(earlier === undefined ? null : rollingValue(rolling.type, earlier[rolling.mapperColumn]));
  }
  return history;
}

/**
 * A grid string: NULL → placeholder, each element cast to string, joined with the separator.
 *
 * gridOf([0, null, 2], '-', '|') === '0|-|2'
 */
export function gridOf(history: Scalar[], placeholder: string, separator: string): string {
  return history.map((v) => (v === null ? placeholder : String(v))).join(separator);
}

export function historyColumn(rolling: RollingSpec): string {
  return `${rolling.name}_history`;
}

/** A summary row: the winner's prepared columns, then every history, then every grid. */
export function summaryRow(spec: OracleSpec, winners: Map<string, Row>, winner: Row): OutputRow {
  const key = value(winner, spec.keyColumn);
  const month = String(winner[spec.monthColumn]);
  const row: OutputRow = { ...winner };
  const histories = new Map<string, Scalar[]>();
  for (const rolling of spec.rolling) {
    const history = historyOf(spec, rolling, winners, key, month);
    histories.set(rolling.name, history);
    row[historyColumn(rolling)] = history;
  }
  for (const grid of spec.grids) {
    const history = histories.get(grid.rollingName);
    if (history === undefined) {
      throw new Error(
        `Grid '${grid.name}' names rolling column '${grid.rollingName}'; expected one of: ${spec.rolling.map((r) => r.name).join(', ')}`,
      );
    }
    row[grid.name] = gridOf(history, grid.placeholder, grid.separator);
  }
  return row;
}

/** The columns of a latest row, in order and without duplicates. */
export function latestColumnsOf(spec: OracleSpec): string[] {
  const columns = [
    spec.keyColumn,
    spec.monthColumn,
    spec.dateColumn,
    spec.tsColumn,
    ...spec.rolling.map(historyColumn),
    ...spec.grids.map((g) => g.name),
    ...spec.latestColumns,
  ];
  return [...new Set(columns)];
}

/**
 * latest: per key, its summary row with the greatest month that is not deleted (SPEC §4a), projected to
 * latestColumnsOf(spec); a key whose months are all deleted has none.
 * Expects `summary` sorted by key then month (as oracle() returns it).
 */
export function latestRows(spec: OracleSpec, summary: OutputRow[]): OutputRow[] {
  const byKey = new Map<string, OutputRow>();
  for (const row of summary) if (!isDeleteRow(spec, row as Row)) byKey.set(JSON.stringify(row[spec.keyColumn]), row);
  const columns = latestColumnsOf(spec);
  return [...byKey.values()].map((row) => Object.fromEntries(columns.map((c) => [c, row[c] ?? null])));
}

/**
 * SPEC §4 in one call.
 *
 * oracle(ALT_ORACLE_SPEC, [[{ id: 1, per: '2024-01', lts: '2025-01-01 00:00:00', bal: 10, ... }]])
 *   → summary [{ acct_id: 1, period: '2024-01', ..., balance_history: [10, null, null, null, null, null] }]
 */
export function oracle(spec: OracleSpec, batches: Row[][]): OracleResult {
  const rejects: Reject[] = [];
  let winners = new Map<string, Row>();
  batches.forEach((batch, batchIndex) => {
    const valid: Row[] = [];
    for (const source of batch) {
      const row = spec.prepare(source);
      const reason = rejectReason(spec, row);
      if (reason === null) valid.push(row);
      else rejects.push({ reason, row, source, batch: batchIndex });
    }
    winners = applyBatch(spec, winners, valid);
  });
  const ordered = [...winners.values()].sort(
    (a, b) =>
      compareScalars(value(a, spec.keyColumn), value(b, spec.keyColumn)) ||
      compareScalars(value(a, spec.monthColumn), value(b, spec.monthColumn)),
  );
  // SPEC §4a: a deleted month keeps its summary row (a tombstone), but no history sees its value.
  const reported = reportedWinners(spec, winners);
  const summary = ordered.map((winner) => summaryRow(spec, reported, winner));
  return { summary, latest: latestRows(spec, summary), rejects };
}

/**
 * SPEC §4a counts per batch: months whose winner became a delete row (`deleted`), and deleted months whose
 * winner became a row without a delete code (`restored`). What the pipeline reports per batch.
 *
 * batches [[k1@2024-01], [k1@2024-01 delete, newer], [k1@2024-01 no code, newer]]
 *   → [{deleted: 0, restored: 0}, {deleted: 1, restored: 0}, {deleted: 0, restored: 1}]
 */
export function softDeleteCounts(spec: OracleSpec, batches: Row[][]): { deleted: number; restored: number }[] {
  let winners = new Map<string, Row>();
  return batches.map((batch) => {
    const valid = batch.map(spec.prepare).filter((row) => rejectReason(spec, row) === null);
    const next = applyBatch(spec, winners, valid);
    let deleted = 0;
    let restored = 0;
    for (const [id, winner] of next) {
      const old = winners.get(id);
      if (old === winner) continue;
      if (isDeleteRow(spec, winner)) deleted += 1;
      else if (old !== undefined && isDeleteRow(spec, old)) restored += 1;
    }
    winners = next;
    return { deleted, restored };
  });
}

function isNull(v: Scalar | undefined): boolean {
  return v === null || v === undefined;
}

function value(row: Row, column: string): Scalar {
  return row[column] ?? null;
}

function cellKey(key: Scalar, month: string): string {
  return `${JSON.stringify(key)}@${month}`;
}

function cellId(spec: OracleSpec, row: Row): string {
  return cellKey(value(row, spec.keyColumn), String(row[spec.monthColumn]));
}

/**
 * SPEC §3 date_col_list rule: a date with year < 1000 becomes NULL.
 *
 * clearAncientDate('0999-12-31') === null; clearAncientDate('1000-01-01') === '1000-01-01'
 */
export function clearAncientDate(date: Scalar): Scalar {
  if (typeof date !== 'string') return date;
  const year = /^(-?[0-9]+)-/.exec(date);
  return year !== null && Number(year[1]) < 1000 ? null : date;
}
