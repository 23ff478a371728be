import { ColumnModel, PipelineConfig, columnModel, ownColumnNames } from '@app/config';
import { lit, list, monthIntSql, q } from './sql';

/** Internal columns carried next to the prepared ones; never written to summary. */
export const MONTH_INT = '__month_int';
export const REJECT_REASON = '__reject_reason';
export const RAW_ROW = '__source_row';

export const REJECT_REASONS = ['NULL_KEY', 'INVALID_MONTH', 'NULL_TIMESTAMP'] as const;

const JSON_OPTIONS = "map('timestampFormat', 'yyyy-MM-dd HH:mm:ss', 'dateFormat', 'yyyy-MM-dd')";

/**
 * SPEC §3 as a chain of nested layers over the view `fromView` (raw source rows):
 * rename → column_transformations (in order) → inferred_columns (in order) → rolling mapper_exprs
 * (all at once, on the row after inferred) → date_col_list year < 1000 → NULL → validity.
 * Output: the prepared columns plus __source_row (raw row as JSON, for rejects), __month_int and
 * __reject_reason (NULL for a valid row).
 * Subqueries, not a WITH clause: classify caches this query (CACHE TABLE), and Spark 3.5 never finds a cached
 * query with a WITH clause again (its CTE ids change every time the view is analyzed), so every view built on
 * it would be computed again by each later step (runner/tests/test_cache_reuse.py).
 *
 * Example: columns {acct → k, mo → m}, transformation k: `abs(k)` →
 *   SELECT … FROM (SELECT (abs(k)) AS `k`, `m`, `__source_row` FROM (
 *     SELECT `acct` AS `k`, `mo` AS `m`, to_json(...) AS `__source_row` FROM `src`) p0) p1
 */
export function preparedQuery(config: PipelineConfig, fromView: string, withRawRow = true): string {
  const model = columnModel(config);
  let layers = 0;
  let current = config.columns.map((c) => c.dest);
  const carry = withRawRow ? [RAW_ROW] : [];
  const rename = config.columns.map((c) => `${q(c.source)} AS ${q(c.dest)}`);
  if (withRawRow) rename.push(`to_json(struct(*), ${JSON_OPTIONS}) AS ${q(RAW_ROW)}`);
  let from = `(\nSELECT\n${list(rename)}\nFROM ${q(fromView)}\n) p0`;

  const layer = (overrides: Map<string, string>, added: string[]) => {
    const cols = current.map((c) =>
      overrides.has(c.toLowerCase()) ? `(${overrides.get(c.toLowerCase())}) AS ${q(c)}` : q(c),
    );
    for (const a of added) cols.push(`(${overrides.get(a.toLowerCase())}) AS ${q(a)}`);
    layers += 1;
    from = `(\nSELECT\n${list([...cols, ...carry.map(q)])}\nFROM ${from}\n) p${layers}`;
    current = [...current, ...added];
  };
  const has = (c: string) => current.some((x) => x.toLowerCase() === c.toLowerCase());

  for (const t of config.transformations) layer(new Map([[t.name.toLowerCase(), t.expr]]), []);
  for (const c of config.inferred) layer(new Map([[c.name.toLowerCase(), c.expr]]), has(c.name) ? [] : [c.name]);
  if (config.rolling.length) {
    const overrides = new Map<string, string>();
    const added: string[] = [];
    for (const r of config.rolling) {
      overrides.set(r.mapperColumn.toLowerCase(), r.mapperExpr);
      if (!has(r.mapperColumn) && !added.some((a) => a.toLowerCase() === r.mapperColumn.toLowerCase()))
        added.push(r.mapperColumn);
    }
    layer(overrides, added);
  }
  if (config.dateColumns.length) {
    // Legacy feeds carry 0001-01-01 style placeholders; SPEC §3 step 5 (seed v4 replace_invalid_years).
    layer(
      new Map(
        config.dateColumns.map((d) => [
          d.toLowerCase(),
          `CASE WHEN year(${q(d)}) < 1000 THEN NULL ELSE CAST(${q(d)} AS DATE) END`,
        ]),
      ),
      [],
    );
  }

  const key = q(config.keyColumn);
  const month = q(config.monthColumn);
  const ts = q(config.tsColumn);
  const reason = `CASE
      WHEN ${key} IS NULL THEN 'NULL_KEY'
      WHEN ${month} IS NULL OR NOT (CAST(${month} AS STRING) RLIKE '^[0-9]{4}-(0[1-9]|1[0-2])$') THEN 'INVALID_MONTH'
      WHEN ${ts} IS NULL THEN 'NULL_TIMESTAMP'
    END`;
  const own = ownColumnNames(config);
  const final = [
    ...model.prepared.filter((c) => !model.internal.includes(c)).map(q),
    // SPEC §4b: W's own date and code, kept beside the E classify stages (docs/report-dates.md).
    ...(own
      ? [
          `${q(config.dateColumn)} AS ${q(own.date)}`,
          ...(own.code ? [`${q(mainCodeColumn(config))} AS ${q(own.code)}`] : []),
          `true AS ${q(own.kept)}`,
        ]
      : []),
    ...carry.map(q),
    `CASE WHEN ${month} RLIKE '^[0-9]{4}-(0[1-9]|1[0-2])$' THEN ${monthIntSql(month)} END AS ${q(MONTH_INT)}`,
    `${reason} AS ${q(REJECT_REASON)}`,
  ];
  return `SELECT\n${list(final)}\nFROM ${from}`;
}

/** SPEC §4b: the main row's prepared column that carries the report table's delete column (same name, any case). */
export function mainCodeColumn(config: PipelineConfig): string {
  const code = config.reportDates?.deleteColumn;
  if (!code) throw new Error('mainCodeColumn: the report table has no delete column');
  return columnModel(config).prepared.find((c) => c.toLowerCase() === code.toLowerCase()) ?? code;
}

/** Columns, in order, that break equal-base_ts ties inside one batch (README "Ties"). */
export function tieBreakColumns(config: PipelineConfig, model: ColumnModel = columnModel(config)): string[] {
  const skip = new Set([config.keyColumn, config.monthColumn, config.tsColumn].map((c) => c.toLowerCase()));
  return model.prepared.filter((c) => !skip.has(c.toLowerCase()));
}

/** ORDER BY of the in-batch dedupe: newest base_ts, then every other prepared column descending. */
export function winnerOrder(config: PipelineConfig): string {
  return [`${q(config.tsColumn)} DESC`, ...tieBreakColumns(config).map((c) => `${q(c)} DESC NULLS LAST`)].join(', ');
}

export { lit };
