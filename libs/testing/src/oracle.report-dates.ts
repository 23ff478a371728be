// The reference result of shared/SPEC.md §4b (the report-date table) and §4c (unbounded history), beside
// §4/§4a's oracle (oracle.ts): summary, latest and the unbounded table as a pure function of every main
// and report row ever ingested, rebuilt from scratch on each call.
import {
  OracleSpec,
  OutputRow,
  Reject,
  Row,
  Scalar,
  applyBatch,
  clearAncientDate,
  compareScalars,
  isDeleteRow,
  latestRows,
  monthIndex,
  monthLabel,
  rejectReason,
  reportedWinners,
  rollingValue,
  summaryRow,
} from './oracle';

/** SPEC §4b's report table, by prepared names (hist_rpt_dt_cols). */
export interface ReportSpec {
  keyColumn: string;
  dateColumn: string;
  tsColumn: string;
  /** §4a's delete column (the main row's name too); null when the table has none. */
  deleteColumn: string | null;
  /** Those of insert_dt, update_dt, insert_time, update_time the table has, in that order. */
  orderColumns: string[];
}

/** SPEC §4c's `unbounded_history`. */
export interface UnboundedSpec {
  suffix: string;
  maxLength: number | null;
}

/** One ingest-and-process step: main source rows and report rows (either may be empty). */
export interface MixedBatch {
  source: Row[];
  reports: Row[];
}

export type ReportRejectReason = 'NULL_KEY' | 'NULL_DATE' | 'NULL_TIMESTAMP';

export interface ReportReject {
  reason: ReportRejectReason;
  /** The report row as ingested. */
  row: Row;
  batch: number;
}

export interface ReportOracleResult {
  summary: OutputRow[];
  latest: OutputRow[];
  /** §4c's table, one row per latest row; empty without an UnboundedSpec. */
  unbounded: OutputRow[];
  rejects: Reject[];
  reportRejects: ReportReject[];
  /** Report winners whose (key, month) has no main winner yet: they wait (SPEC §4b). */
  waiting: Row[];
}

/**
 * A report row's reject reason, or null when valid: a NULL key, a NULL date (a year < 1000 counts as NULL,
 * SPEC §3 step 5), a NULL base_ts.
 *
 * reportRejectReason(r, {k: 1, d: '0999-01-01', ts: T}) === 'NULL_DATE'
 */
export function reportRejectReason(report: ReportSpec, row: Row): ReportRejectReason | null {
  if (row[report.keyColumn] === null || row[report.keyColumn] === undefined) return 'NULL_KEY';
  const date = clearAncientDate(row[report.dateColumn] ?? null);
  if (date === null) return 'NULL_DATE';
  if (row[report.tsColumn] === null || row[report.tsColumn] === undefined) return 'NULL_TIMESTAMP';
  return null;
}

/** The (key, month) of a valid report row: the month of its date ('2024-02-20' → 2024-02). */
export function reportCell(report: ReportSpec, row: Row): string {
  return `${JSON.stringify(row[report.keyColumn] ?? null)}@${String(row[report.dateColumn]).slice(0, 7)}`;
}

/**
 * SPEC §4b's order of report rows across batches: base_ts, then each ordering column, descending with NULL
 * lowest. Positive when `a` is greater; 0 for a tie on all of them (a later tie never replaces).
 */
export function compareReports(report: ReportSpec, a: Row, b: Row): number {
  for (const column of [report.tsColumn, ...report.orderColumns]) {
    const by = compareScalars(a[column] ?? null, b[column] ?? null);
    if (by !== 0) return by;
  }
  return 0;
}

/**
 * Folds one batch of valid report rows into the report winners D: the batch's candidate per cell is the
 * greatest by compareReports, a full tie going to the greater date, then the greater delete code (NULL
 * lowest); it replaces the applied D only when strictly greater by compareReports.
 *
 * D {1@2024-02: ts 5}, batch [{1, 2024-02-20, ts 5}] → unchanged
 */
export function applyReportBatch(report: ReportSpec, winners: Map<string, Row>, batch: Row[]): Map<string, Row> {
  const inBatch = (a: Row, b: Row) =>
    compareReports(report, a, b) ||
    compareScalars(a[report.dateColumn] ?? null, b[report.dateColumn] ?? null) ||
    (report.deleteColumn ? compareScalars(a[report.deleteColumn] ?? null, b[report.deleteColumn] ?? null) : 0);
  const candidates = new Map<string, Row>();
  for (const row of batch) {
    const cell = reportCell(report, row);
    const current = candidates.get(cell);
    if (current === undefined || inBatch(row, current) > 0) candidates.set(cell, row);
  }
  const next = new Map(winners);
  for (const [cell, candidate] of candidates) {
    const applied = next.get(cell);
    if (applied === undefined || compareReports(report, candidate, applied) > 0) next.set(cell, candidate);
  }
  return next;
}

/** Which of SPEC §4b's five lines gives E: 1 no D, 2 both deleted, 3 W's, 4 D's date and code, 5 W's. */
export type EffectiveLine = 1 | 2 | 3 | 4 | 5;

/**
 * SPEC §4b's effective row: W with its date and delete column from the first line that holds (del() is
 * §4a's test, false with soft delete off; a comparison with NULL is false). Every other column is W's.
 *
 * W {d: '2024-02-10', del: 4}, D {d: '2024-02-20', del: null} → line 4: {...W, d: '2024-02-20', del: null}
 */
export function effectiveRow(
  spec: OracleSpec,
  report: ReportSpec,
  w: Row,
  d: Row | undefined,
): { row: Row; line: EffectiveLine } {
  if (d === undefined) return { row: w, line: 1 };
  const code = spec.softDelete?.column ?? report.deleteColumn;
  const delW = isDeleteRow(spec, w);
  const delD = spec.softDelete
    ? isDeleteRow(spec, {
        [spec.softDelete.column]: report.deleteColumn === null ? null : (d[report.deleteColumn] ?? null),
      })
    : false;
  const wDate = w[spec.dateColumn] ?? null;
  const dDate = d[report.dateColumn] ?? null;
  const later = (a: Scalar, b: Scalar) => a !== null && b !== null && compareScalars(a, b) > 0;
  if (delW && delD) return { row: { ...w, [spec.dateColumn]: null }, line: 2 };
  if (!delW && (delD || later(wDate, dDate))) return { row: w, line: 3 };
  if (!delD && (delW || later(dDate, wDate))) {
    const row: Row = { ...w, [spec.dateColumn]: dDate };
    if (code !== null && report.deleteColumn !== null && code in w) row[code] = d[report.deleteColumn] ?? null;
    return { row, line: 4 };
  }
  return { row: w, line: 5 };
}

/**
 * SPEC §4c for one key: element i of a rolling column's array is the effective winner's mapper value at
 * month M − i (M = latest's month), i = 0 … M − F (F = the key's earliest month not deleted), NULL where
 * a month has no row or is deleted; `maxLength` cuts or pads it.
 *
 * months 2024-01 (bal 1), 2024-02 deleted, 2024-04 (bal 4) → [4, null, null, 1]; maxLength 2 → [4, null]
 */
export function unboundedArray(
  spec: OracleSpec,
  rollingName: string,
  reported: Map<string, Row>,
  key: Scalar,
  latestMonth: string,
  firstMonth: string,
  maxLength: number | null,
): Scalar[] {
  const rolling = spec.rolling.find((r) => r.name === rollingName)!;
  const m = monthIndex(latestMonth);
  const length = maxLength ?? m - monthIndex(firstMonth) + 1;
  const out: Scalar[] = [];
  for (let i = 0; i < length; i += 1) {
    const row =
      m - i >= monthIndex(firstMonth) ? reported.get(`${JSON.stringify(key)}@${monthLabel(m - i)}`) : undefined;
    out.push(row === undefined ? null : rollingValue(rolling.type, row[rolling.mapperColumn]));
  }
  return out;
}

/**
 * SPEC §4, §4a, §4b and §4c in one call: W per cell from the main rows (§4), D per cell from the report
 * rows, E from both, then summary and latest from E as oracle() builds them from W, and the unbounded table.
 *
 * batches [{source: [1@02 bal 210 del 4 d 02-10], reports: [{1, 02-20, active}]}] → E(02) = bal 210, d 02-20, active
 */
export function reportOracle(
  spec: OracleSpec,
  report: ReportSpec,
  batches: MixedBatch[],
  unbounded: UnboundedSpec | null = null,
): ReportOracleResult {
  const rejects: Reject[] = [];
  const reportRejects: ReportReject[] = [];
  let winners = new Map<string, Row>();
  let reports = new Map<string, Row>();
  batches.forEach((batch, index) => {
    const valid: Row[] = [];
    for (const source of batch.source) {
      const row = spec.prepare(source);
      const reason = rejectReason(spec, row);
      if (reason === null) valid.push(row);
      else rejects.push({ reason, row, source, batch: index });
    }
    winners = applyBatch(spec, winners, valid);
    const validReports: Row[] = [];
    for (const row of batch.reports) {
      const reason = reportRejectReason(report, row);
      if (reason === null) validReports.push(row);
      else reportRejects.push({ reason, row, batch: index });
    }
    reports = applyReportBatch(report, reports, validReports);
  });
  const effective = new Map(
    [...winners].map(([cell, w]) => [cell, effectiveRow(spec, report, w, reports.get(cell)).row]),
  );
  const ordered = [...effective.values()].sort(
    (a, b) =>
      compareScalars(a[spec.keyColumn] ?? null, b[spec.keyColumn] ?? null) ||
      compareScalars(a[spec.monthColumn] ?? null, b[spec.monthColumn] ?? null),
  );
  const reported = reportedWinners(spec, effective);
  const summary = ordered.map((e) => summaryRow(spec, reported, e));
  const latest = latestRows(spec, summary);
  const waiting = [...reports].filter(([cell]) => !winners.has(cell)).map(([, d]) => d);
  return {
    summary,
    latest,
    unbounded: unbounded ? unboundedRows(spec, reported, latest, unbounded) : [],
    rejects,
    reportRejects,
    waiting,
  };
}

/** §4c: each latest row with `<name><suffix>` per rolling column; F from the effective rows not deleted. */
function unboundedRows(
  spec: OracleSpec,
  reported: Map<string, Row>,
  latest: OutputRow[],
  unbounded: UnboundedSpec,
): OutputRow[] {
  const first = new Map<string, string>();
  for (const row of reported.values()) {
    const key = JSON.stringify(row[spec.keyColumn] ?? null);
    const month = String(row[spec.monthColumn]);
    if (!first.has(key) || month < first.get(key)!) first.set(key, month);
  }
  return latest.map((l) => {
    const key = l[spec.keyColumn] as Scalar;
    const out: OutputRow = { ...l };
    for (const r of spec.rolling) {
      out[`${r.name}${unbounded.suffix}`] = unboundedArray(
        spec,
        r.name,
        reported,
        key,
        String(l[spec.monthColumn]),
        first.get(JSON.stringify(key))!,
        unbounded.maxLength,
      );
    }
    return out;
  });
}

/** SPEC §4b's counts of one batch, as the audit and the metrics carry them. */
export interface ReportCounts {
  read: number;
  rejected: number;
  /** Valid report rows of the batch whose (key, month) has no main winner after it: they wait. */
  unmatched: number;
  /** Cells whose main winner is a delete row and whose effective row is not, that were not so before the batch. */
  vetoes: number;
  /** Cells whose main winner the batch left as it was and whose effective date or code it changed. */
  reResolved: number;
}

/**
 * reportOracle's per-batch counts (the same folds, compared before and after each batch).
 *
 * [{source: [1@02 delete], reports: []}, {source: [], reports: [{1, 02-20, active}]}]
 *   → [{read 0, …}, {read 1, rejected 0, unmatched 0, vetoes 1, reResolved 1}]
 */
export function reportCounts(spec: OracleSpec, report: ReportSpec, batches: MixedBatch[]): ReportCounts[] {
  let winners = new Map<string, Row>();
  let reports = new Map<string, Row>();
  const resolve = (cell: string, w: Row | undefined, ds: Map<string, Row>) =>
    w === undefined ? undefined : effectiveRow(spec, report, w, ds.get(cell)).row;
  const vetoed = (w: Row | undefined, e: Row | undefined) =>
    w !== undefined && e !== undefined && isDeleteRow(spec, w) && !isDeleteRow(spec, e);
  return batches.map((batch) => {
    const valid = batch.reports.filter((r) => reportRejectReason(report, r) === null);
    const nextWinners = applyBatch(
      spec,
      winners,
      batch.source.map(spec.prepare).filter((row) => rejectReason(spec, row) === null),
    );
    const nextReports = applyReportBatch(report, reports, valid);
    const counts: ReportCounts = {
      read: batch.reports.length,
      rejected: batch.reports.length - valid.length,
      unmatched: 0,
      vetoes: 0,
      reResolved: 0,
    };
    counts.unmatched = valid.filter((r) => !nextWinners.has(reportCell(report, r))).length;
    for (const [cell, w] of nextWinners) {
      const before = resolve(cell, winners.get(cell), reports);
      const after = resolve(cell, w, nextReports);
      if (vetoed(w, after) && !vetoed(winners.get(cell), before)) counts.vetoes += 1;
      const sameW = winners.get(cell) === w;
      const code = spec.softDelete?.column ?? report.deleteColumn;
      const changed =
        before !== undefined &&
        after !== undefined &&
        (before[spec.dateColumn] !== after[spec.dateColumn] || (code !== null && before[code] !== after[code]));
      if (sameW && changed) counts.reResolved += 1;
    }
    winners = nextWinners;
    reports = nextReports;
    return counts;
  });
}
