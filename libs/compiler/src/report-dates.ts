import { OwnColumns, PipelineConfig, ReportDates, TableName, columnModel, ownColumnNames } from '@app/config';
import { MONTH_INT, RAW_ROW, REJECT_REASON, mainCodeColumn, winnerOrder } from './prepare';
import { lit, list, q } from './sql';

// SPEC §4b in the compiled jobs (docs/report-dates.md): classify stages the effective row E in place of the
// main winner W, so the case jobs' §4/§4a SQL applies to E unchanged.

/** Internal column of a staged row: a re-resolve row (a cell whose E a batch of report rows changed). */
export const RERESOLVE = '__reresolve';
/** Internal column of report winner rows: the stored D kept its place (the batch's candidate did not beat it). */
const OLD = '__old';

/** The report winners table (D per cell, waiting cells included): `<summary>_report_winners` beside summary. */
export function reportWinnersTable(config: PipelineConfig): TableName {
  return config.summaryTable.sibling(`${config.summaryTable.table}_report_winners`);
}

/** The report table's config, for the jobs that run only with it. */
export function reportOf(config: PipelineConfig): { report: ReportDates; own: OwnColumns } {
  const report = config.reportDates;
  const own = ownColumnNames(config);
  if (!report || !own) throw new Error('the config has no hist_rpt_dt_table (SPEC §4b)');
  return { report, own };
}

/** §4a's test on any SQL value: its string is one of the codes (NULL is not); 'false' with soft delete off. */
export function deletedValue(config: PipelineConfig, expr: string): string {
  if (!config.softDelete) return 'false';
  return `coalesce(CAST(${expr} AS STRING) IN (${config.softDelete.codes.map(lit).join(', ')}), false)`;
}

/**
 * SPEC §4b's five lines: E's date and code from W's own (wDate, wCode) and the report winner (hasD, dDate,
 * dCode). A comparison with NULL is false; every other column of E is W's.
 *
 * line 2 (both deleted) → date NULL, W's code; line 4 (a veto, or D's later date) → D's date and code.
 */
export function effectiveSql(
  config: PipelineConfig,
  w: { date: string; code: string | null },
  d: { has: string; date: string; code: string | null },
): { date: string; code: string | null } {
  const delW = w.code ? deletedValue(config, w.code) : 'false';
  const delD = d.code ? deletedValue(config, d.code) : 'false';
  const line2 = `${delW} AND ${delD}`;
  const line3 = `NOT ${delW} AND (${delD} OR coalesce(${w.date} > ${d.date}, false))`;
  const line4 = `NOT ${delD} AND (${delW} OR coalesce(${d.date} > ${w.date}, false))`;
  const date = `CASE WHEN NOT ${d.has} THEN ${w.date} WHEN ${line2} THEN NULL WHEN ${line3} THEN ${w.date} WHEN ${line4} THEN ${d.date} ELSE ${w.date} END`;
  const code =
    w.code === null
      ? null
      : d.code === null
        ? w.code
        : `CASE WHEN NOT ${d.has} OR ${line2} OR ${line3} THEN ${w.code} WHEN ${line4} THEN ${d.code} ELSE ${w.code} END`;
  return { date, code };
}

/** The report row's columns in the winners table's order: key, month, date, code, base_ts, ordering columns. */
function winnerColumns(report: ReportDates): string[] {
  return [
    report.keyColumn,
    MONTH_INT,
    report.dateColumn,
    ...(report.deleteColumn ? [report.deleteColumn] : []),
    report.tsColumn,
    ...report.orderColumns,
  ];
}

/**
 * SPEC §4b's report rows prepared: the date with a year < 1000 as NULL, the month of the date, the raw row
 * and the reject reason (NULL_KEY, NULL_DATE, NULL_TIMESTAMP; NULL for a valid row).
 */
export function reportPreparedQuery(config: PipelineConfig, fromView: string, withRawRow = true): string {
  const { report } = reportOf(config);
  const date = `CASE WHEN year(${q(report.dateColumn)}) < 1000 THEN NULL ELSE CAST(${q(report.dateColumn)} AS DATE) END`;
  const cols = [
    q(report.keyColumn),
    `(CAST(year(p.__d) AS INT) * 12 + CAST(month(p.__d) AS INT) - 1) AS ${q(MONTH_INT)}`,
    `p.__d AS ${q(report.dateColumn)}`,
    ...(report.deleteColumn ? [q(report.deleteColumn)] : []),
    q(report.tsColumn),
    ...report.orderColumns.map(q),
    ...(withRawRow ? [q(RAW_ROW)] : []),
    `CASE WHEN ${q(report.keyColumn)} IS NULL THEN 'NULL_KEY' WHEN p.__d IS NULL THEN 'NULL_DATE' ` +
      `WHEN ${q(report.tsColumn)} IS NULL THEN 'NULL_TIMESTAMP' END AS ${q(REJECT_REASON)}`,
  ];
  const raw = withRawRow
    ? `, to_json(struct(*), map('timestampFormat', 'yyyy-MM-dd HH:mm:ss', 'dateFormat', 'yyyy-MM-dd')) AS ${q(RAW_ROW)}`
    : '';
  return `SELECT\n${list(cols)}\nFROM (SELECT *, ${date} AS __d${raw} FROM ${q(fromView)}) p`;
}

/** init: the report winners table, typed by the prepared report query over the empty report table. */
export function createReportWinners(config: PipelineConfig): string {
  const { report } = reportOf(config);
  return [
    `CREATE TABLE IF NOT EXISTS ${reportWinnersTable(config).sql}`,
    'USING iceberg',
    `PARTITIONED BY (${q(MONTH_INT)})`,
    "TBLPROPERTIES ('format-version' = '2')",
    `AS SELECT ${winnerColumns(report).map(q).join(', ')}`,
    'FROM (',
    reportPreparedQuery(config, '__init_rpt', false),
    ') r',
  ].join('\n');
}

/** The SQL types of SPEC §4b's internal summary columns, for `ALTER TABLE … ADD COLUMNS` on a table of an earlier release. */
export function ownColumnTypes(config: PipelineConfig, typeOf: (column: string) => string): [string, string][] {
  const { own } = reportOf(config);
  return [
    [own.date, typeOf(config.dateColumn)],
    ...(own.code ? [[own.code, typeOf(mainCodeColumn(config))] as [string, string]] : []),
    [own.kept, 'BOOLEAN'],
  ];
}

/**
 * The classify steps of SPEC §4b, after `__prepared` (main rows) and `__batch_rpt` (the batch's report
 * rows) exist. Each read is bounded by the batch: the winners table and summary are read at the batch's
 * cells only (a broadcast join on key and month). Produces:
 *   `__rpt_prepared` the report rows prepared (rejects among them);
 *   `__main_w`       the deduplicated valid main rows (W candidates, W's own values);
 *   `__cells`        every (key, month) the batch touches;
 *   `__rpt_d`        D' per cell: the batch's candidate if it beats the stored D, else the stored D (`__old`);
 *   `__stored`       summary's scalar columns at the cells (W's own values in the `__own_*` columns).
 */
export function reportViews(
  config: PipelineConfig,
  cache: (name: string, sql: string) => string,
): { name: string; sql: string }[] {
  const { report } = reportOf(config);
  const key = q(config.keyColumn);
  const rkey = q(report.keyColumn);
  const mi = q(MONTH_INT);
  const month = q(config.monthColumn);
  const model = columnModel(config);
  const order = [q(report.tsColumn), ...report.orderColumns.map(q)].map((c) => `${c} DESC NULLS LAST`);
  const inBatch = [
    ...order,
    `${q(report.dateColumn)} DESC NULLS LAST`,
    ...(report.deleteColumn ? [`${q(report.deleteColumn)} DESC NULLS LAST`] : []),
  ].join(', ');
  const cols = winnerColumns(report).map(q).join(', ');
  const storedWinners = winnerColumns(report)
    .map((c) => `o.${q(c)}`)
    .join(', ');
  const monthLabel = (m: string) =>
    `concat(lpad(CAST(floor(${m} / 12) AS STRING), 4, '0'), '-', lpad(CAST(${m} % 12 + 1 AS STRING), 2, '0'))`;
  return [
    { name: 'prepare report rows', sql: cache('__rpt_prepared', reportPreparedQuery(config, '__batch_rpt')) },
    {
      name: 'main candidates',
      sql: cache(
        '__main_w',
        [
          'SELECT * FROM (',
          `  SELECT *, row_number() OVER (PARTITION BY ${key}, ${month} ORDER BY ${winnerOrder(config)}) AS __rank`,
          '  FROM `__prepared`',
          `  WHERE ${q(REJECT_REASON)} IS NULL`,
          ') WHERE __rank = 1',
        ].join('\n'),
      ),
    },
    {
      name: 'batch cells',
      sql: cache(
        '__cells',
        [
          `SELECT ${key}, ${mi}, ${monthLabel(mi)} AS \`__month\` FROM (`,
          `  SELECT ${key}, ${mi} FROM \`__main_w\``,
          '  UNION',
          `  SELECT ${rkey} AS ${key}, ${mi} FROM \`__rpt_prepared\` WHERE ${q(REJECT_REASON)} IS NULL`,
          ')',
        ].join('\n'),
      ),
    },
    {
      name: 'report winners',
      sql: cache(
        '__rpt_d',
        [
          `SELECT ${cols}, ${q(OLD)} FROM (`,
          `  SELECT u.*, row_number() OVER (PARTITION BY ${rkey}, ${mi} ORDER BY ${order.join(', ')}, ${q(OLD)} DESC) AS __rank`,
          '  FROM (',
          `    SELECT ${cols}, false AS ${q(OLD)} FROM (`,
          `      SELECT *, row_number() OVER (PARTITION BY ${rkey}, ${mi} ORDER BY ${inBatch}) AS __rank`,
          `      FROM \`__rpt_prepared\` WHERE ${q(REJECT_REASON)} IS NULL`,
          '    ) WHERE __rank = 1',
          '    UNION ALL',
          `    SELECT /*+ BROADCAST(c) */ ${storedWinners}, true AS ${q(OLD)}`,
          `    FROM ${reportWinnersTable(config).sql} o`,
          `    JOIN \`__cells\` c ON c.${key} = o.${rkey} AND c.${mi} = o.${mi}`,
          '  ) u',
          ') WHERE __rank = 1',
        ].join('\n'),
      ),
    },
    {
      name: 'stored cells',
      sql: cache(
        '__stored',
        [
          `SELECT /*+ BROADCAST(c) */ ${model.prepared.map((c) => `s.${q(c)}`).join(', ')}, c.${mi}`,
          `FROM ${config.summaryTable.sql} s`,
          `JOIN \`__cells\` c ON c.${key} = s.${key} AND CAST(s.${month} AS STRING) = c.\`__month\``,
        ].join('\n'),
      ),
    },
  ];
}

/** W's own date and code of a stored row (alias): the `__own_*` columns once kept, else the visible ones. */
function storedOwn(config: PipelineConfig, alias: string): { date: string; code: string | null } {
  const { own, report } = reportOf(config);
  const kept = `coalesce(${alias}.${q(own.kept)}, false)`;
  return {
    date: `CASE WHEN ${kept} THEN ${alias}.${q(own.date)} ELSE ${alias}.${q(config.dateColumn)} END`,
    code:
      own.code && report.deleteColumn
        ? `CASE WHEN ${kept} THEN ${alias}.${q(own.code)} ELSE ${alias}.${q(mainCodeColumn(config))} END`
        : null,
  };
}

function dOf(config: PipelineConfig, alias: string): { has: string; date: string; code: string | null } {
  const { report } = reportOf(config);
  return {
    has: `(${alias}.${q(report.keyColumn)} IS NOT NULL)`,
    date: `${alias}.${q(report.dateColumn)}`,
    code: report.deleteColumn ? `${alias}.${q(report.deleteColumn)}` : null,
  };
}

/** The join of a main candidate `w` to its cell's D' (alias rd). */
export function reportJoin(config: PipelineConfig, w: string): string {
  const { report } = reportOf(config);
  return `LEFT JOIN \`__rpt_d\` rd ON rd.${q(report.keyColumn)} = ${w}.${q(config.keyColumn)} AND rd.${q(MONTH_INT)} = ${w}.${q(MONTH_INT)}`;
}

/**
 * The staged columns of a main candidate `w` joined to D' (alias rd): E's date and code in place of W's,
 * W's own in the `__own_*` columns (from preparedQuery), and `__reresolve` false.
 */
export function effectiveColumns(config: PipelineConfig, w: string): string[] {
  const model = columnModel(config);
  const e = effectiveSql(
    config,
    {
      date: `${w}.${q(config.dateColumn)}`,
      code: reportOf(config).report.deleteColumn ? `${w}.${q(mainCodeColumn(config))}` : null,
    },
    dOf(config, 'rd'),
  );
  return [...model.prepared.map((c) => replaced(config, c, w, e)), `false AS ${q(RERESOLVE)}`];
}

function replaced(
  config: PipelineConfig,
  column: string,
  alias: string,
  e: { date: string; code: string | null },
): string {
  if (column === config.dateColumn) return `${e.date} AS ${q(column)}`;
  if (e.code && config.reportDates?.deleteColumn && column === mainCodeColumn(config))
    return `${e.code} AS ${q(column)}`;
  return `${alias}.${q(column)}`;
}

/**
 * Re-resolve rows: cells with a stored row whose D this batch changed and whose W it left (no main
 * candidate with a greater base_ts), where E's date or code changes. Staged as CASE_III with `__reresolve`.
 */
export function reresolveRows(config: PipelineConfig, batchId: string): string {
  const { own, report } = reportOf(config);
  const model = columnModel(config);
  const key = q(config.keyColumn);
  const mi = q(MONTH_INT);
  const w = storedOwn(config, 's');
  const e = effectiveSql(config, w, dOf(config, 'd'));
  const cols = model.prepared.map((c) => {
    if (c === own.date) return `${w.date} AS ${q(c)}`;
    if (own.code && c === own.code) return `${w.code} AS ${q(c)}`;
    if (c === own.kept) return `true AS ${q(c)}`;
    return replaced(config, c, 's', e);
  });
  const codeChanged = e.code ? ` OR NOT (${e.code} <=> s.${q(mainCodeColumn(config))})` : '';
  return `SELECT\n${list([`${lit(batchId)} AS batch_id`, `'CASE_III' AS \`case\``, `s.${mi}`, ...cols, `true AS ${q(RERESOLVE)}`])}
FROM \`__stored\` s
JOIN \`__rpt_d\` d ON d.${q(report.keyColumn)} = s.${key} AND d.${mi} = s.${mi} AND NOT d.${q(OLD)}
LEFT ANTI JOIN \`__main_w\` m ON m.${key} = s.${key} AND m.${mi} = s.${mi} AND m.${q(config.tsColumn)} > s.${q(config.tsColumn)}
WHERE NOT (${e.date} <=> s.${q(config.dateColumn)})${codeChanged}`;
}

/**
 * SPEC §4b's counts of a batch (kind 'report'): report rows read and rejected, valid report rows that wait
 * for their main row (unmatched), cells newly vetoed, cells re-resolved (the staged re-resolve rows).
 */
export function reportCountsQuery(config: PipelineConfig, batchId: string): string {
  const { report } = reportOf(config);
  const key = q(config.keyColumn);
  const rkey = q(report.keyColumn);
  const mi = q(MONTH_INT);
  const ts = q(config.tsColumn);
  const d = dOf(config, 'd');
  const delD = d.code ? deletedValue(config, d.code) : 'false';
  const sOwn = storedOwn(config, 's');
  const delOwn = sOwn.code ? deletedValue(config, sOwn.code) : 'false';
  const mainCode = report.deleteColumn ? mainCodeColumn(config) : null;
  const delM = mainCode ? deletedValue(config, `m.${q(mainCode)}`) : 'false';
  const delVisible = mainCode ? deletedValue(config, `s.${q(mainCode)}`) : 'false';
  const mainWins = `m.${key} IS NOT NULL AND (s.${key} IS NULL OR m.${ts} > s.${ts})`;
  const vetoed = `CASE WHEN ${mainWins} THEN ${delM} WHEN s.${key} IS NOT NULL THEN ${delOwn} ELSE false END AND ${d.has} AND NOT ${delD}`;
  const wasVetoed = `s.${key} IS NOT NULL AND ${delOwn} AND NOT ${delVisible}`;
  const rows = (pairs: string) =>
    `SELECT 'report' AS kind, name, NULL AS month, n, NULL AS watermark FROM (\n  SELECT stack(2, ${pairs}) AS (name, n)`;
  // Per cell, its valid report rows of this batch (a cell of __cells without any is a main row's cell).
  const reported = `SELECT ${rkey}, ${mi}, count(*) AS n FROM \`__rpt_prepared\` WHERE ${q(REJECT_REASON)} IS NULL GROUP BY ${rkey}, ${mi}`;
  const unmatched = `'unmatched', coalesce(sum(CASE WHEN s.${key} IS NULL AND m.${key} IS NULL THEN r.n END), 0)`;
  return [
    rows("'read', count(*), 'rejected', count_if(" + `${q(REJECT_REASON)} IS NOT NULL)`) +
      '\n  FROM `__rpt_prepared`\n)',
    // One pass over the batch's cells: unmatched counts the report rows of cells with neither a stored nor a main row.
    [
      rows(`${unmatched}, 'vetoes', count_if((${vetoed}) AND NOT (${wasVetoed}))`),
      '  FROM `__cells` c',
      `  LEFT JOIN \`__stored\` s ON s.${key} = c.${key} AND s.${mi} = c.${mi}`,
      `  LEFT JOIN \`__main_w\` m ON m.${key} = c.${key} AND m.${mi} = c.${mi}`,
      `  LEFT JOIN \`__rpt_d\` d ON d.${rkey} = c.${key} AND d.${mi} = c.${mi}`,
      `  LEFT JOIN (${reported}) r ON r.${rkey} = c.${key} AND r.${mi} = c.${mi}`,
      ')',
    ].join('\n'),
    [
      "SELECT 'report' AS kind, 'reresolved' AS name, NULL AS month, count(*) AS n, NULL AS watermark",
      `FROM ${config.tables.batches.sql} WHERE batch_id = ${lit(batchId)} AND ${q(RERESOLVE)}`,
    ].join('\n'),
  ].join('\nUNION ALL\n');
}

/** The last classify step: the batch's new report winners into the winners table (idempotent: a re-run adds nothing newer). */
export function mergeReportWinners(config: PipelineConfig): string {
  const { report } = reportOf(config);
  const cols = winnerColumns(report).map(q).join(', ');
  return [
    `MERGE INTO ${reportWinnersTable(config).sql} t`,
    `USING (SELECT ${cols} FROM \`__rpt_d\` WHERE NOT ${q(OLD)}) s`,
    `ON t.${q(report.keyColumn)} = s.${q(report.keyColumn)} AND t.${q(MONTH_INT)} = s.${q(MONTH_INT)}`,
    'WHEN MATCHED THEN UPDATE SET *',
    'WHEN NOT MATCHED THEN INSERT *',
  ].join('\n');
}

/** Report rejects: the reason prefixed `REPORT_`, the month of the date. */
export function reportRejectRows(config: PipelineConfig, batchId: string): string {
  const { report } = reportOf(config);
  return `SELECT\n${list([
    `${lit(batchId)} AS batch_id`,
    `concat('REPORT_', ${q(REJECT_REASON)}) AS reason`,
    `CAST(${q(report.keyColumn)} AS STRING) AS key`,
    `substr(CAST(${q(report.dateColumn)} AS STRING), 1, 7) AS month`,
    `${q(RAW_ROW)} AS source_row`,
    'current_timestamp() AS rejected_at',
  ])}\nFROM \`__rpt_prepared\`\nWHERE ${q(REJECT_REASON)} IS NOT NULL`;
}
