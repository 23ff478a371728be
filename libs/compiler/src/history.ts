import { GridColumn, PipelineConfig, RollingColumn, historyColumn } from '@app/config';
import { lit, q } from './sql';

export function elementType(r: RollingColumn): string {
  return r.type === 'String' ? 'STRING' : r.type === 'Long' ? 'BIGINT' : 'INT';
}

/** The window every case job reasons in: the longest history. */
export function maxLength(config: PipelineConfig): number {
  return Math.max(1, ...config.rolling.map((r) => r.length));
}

/** Field name of rolling column i inside the per-month value struct (safe, unquoted). */
export function valueField(i: number): string {
  return `v${i}`;
}

/**
 * The per-month value struct of one row: named_struct('v0', CAST(`balance` AS INT), 'v1', ...).
 * `source` picks each rolling column's value, e.g. (r) => q(r.mapperColumn) for a prepared row, or
 * (r) => `e.${q(r.mapperColumn)}` for a stored summary row (its history[0] is that value).
 */
export function valueStruct(config: PipelineConfig, source: (r: RollingColumn) => string): string {
  if (!config.rolling.length) return `named_struct('v', 0)`;
  return `named_struct(${config.rolling.map((r, i) => `'${valueField(i)}', CAST(${source(r)} AS ${elementType(r)})`).join(', ')})`;
}

/**
 * History of rolling column i for a row at month `monthInt`, from a map month_int → value struct:
 * transform(sequence(0, L − 1), i -> try_element_at(vals, monthInt − i).v0). Months missing from the
 * map give NULL (gaps, and anything older than the window).
 */
export function historyFromValues(r: RollingColumn, i: number, valsExpr: string, monthInt: string): string {
  return `transform(sequence(0, ${r.length - 1}), i -> try_element_at(${valsExpr}, ${monthInt} - i).${valueField(i)})`;
}

/**
 * Forward (CASE_II) history for a row at `monthInt` from the batch's own months (> latest month) and
 * the latest row's array (months ≤ latest month): index i is month m − i; when that month is at or
 * before the latest month L it sits at index L − (m − i) of the latest history (NULL past its end).
 */
export function forwardHistory(
  r: RollingColumn,
  i: number,
  valsExpr: string,
  monthInt: string,
  latestMonthInt: string,
  latestAlias: string,
): string {
  const latestHistory = `${latestAlias}.${q(historyColumn(r.name))}`;
  const fromBatch = `try_element_at(${valsExpr}, ${monthInt} - i).${valueField(i)}`;
  const fromLatest = `CAST(try_element_at(${latestHistory}, ${latestMonthInt} - ${monthInt} + i + 1) AS ${elementType(r)})`;
  return `transform(sequence(0, ${r.length - 1}), i -> CASE WHEN ${monthInt} - i > ${latestMonthInt} THEN ${fromBatch} ELSE ${fromLatest} END)`;
}

/** grid = history with NULL → placeholder, as strings, joined by the separator (SPEC §4). */
export function gridExpr(g: GridColumn, historyExpr: string): string {
  return `concat_ws(${lit(g.separator)}, transform(${historyExpr}, x -> coalesce(CAST(x AS STRING), ${lit(g.placeholder)})))`;
}
