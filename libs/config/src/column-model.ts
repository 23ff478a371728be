import { ColumnModel, PipelineConfig } from './config.types';

export function historyColumn(rollingName: string): string {
  return `${rollingName}_history`;
}

/** SPEC §4c: the unbounded array of a rolling column, e.g. ('bal', '_history_unbounded') → bal_history_unbounded. */
export function unboundedColumn(rollingName: string, suffix: string): string {
  return `${rollingName}${suffix}`;
}

/**
 * The column lists of the prepared rows, the summary and the latest table.
 * Example: columns {a→k, b→m}, inferred [x], rolling [{name: r, mapper_column: y}] →
 * prepared [k, m, x, y], histories [r_history].
 */
export function columnModel(config: PipelineConfig): ColumnModel {
  const prepared: string[] = [];
  const add = (name: string) => {
    if (!prepared.some((p) => p.toLowerCase() === name.toLowerCase())) prepared.push(name);
  };
  config.columns.forEach((c) => add(c.dest));
  config.inferred.forEach((c) => add(c.name));
  config.rolling.forEach((r) => add(r.mapperColumn));
  const internal = ownColumns(config);
  const visible = [...prepared];
  prepared.push(...internal);
  const histories = config.rolling.map((r) => historyColumn(r.name));
  const grids = config.grids.map((g) => g.name);
  const summary = [...visible, ...histories, ...grids];
  const latest: string[] = [];
  const addLatest = (name: string) => {
    if (!latest.some((p) => p.toLowerCase() === name.toLowerCase())) latest.push(name);
  };
  [
    config.keyColumn,
    config.monthColumn,
    config.dateColumn,
    config.tsColumn,
    ...histories,
    ...grids,
    ...config.latestAddonCols,
  ].forEach(addLatest);
  const unboundedArrays = config.unboundedHistory
    ? config.rolling.map((r) => unboundedColumn(r.name, config.unboundedHistory!.suffix))
    : [];
  return {
    prepared,
    histories,
    grids,
    summary,
    internal,
    latest,
    unboundedArrays,
    unbounded: unboundedArrays.length ? [...latest, ...unboundedArrays] : [],
  };
}

/** SPEC §4b (docs/report-dates.md): the names of W's own date and delete code, and of the flag that they are set. */
export interface OwnColumns {
  date: string;
  /** Null when the report table has no delete column. */
  code: string | null;
  kept: string;
}

/**
 * The internal columns that keep the main winner W's own date and delete code beside the effective row E
 * (SPEC §4b), or null without hist_rpt_dt_table. `kept` is NULL in a row written before the report table
 * was turned on: then the visible date and code are W's own.
 * Example: date acct_dt, delete column soft_del_cd → {date: '__own_acct_dt', code: '__own_soft_del_cd', kept: '__own_kept'}.
 */
export function ownColumnNames(config: PipelineConfig): OwnColumns | null {
  const report = config.reportDates;
  if (!report) return null;
  return {
    date: `__own_${config.dateColumn}`,
    code: report.deleteColumn ? `__own_${report.deleteColumn}` : null,
    kept: '__own_kept',
  };
}

function ownColumns(config: PipelineConfig): string[] {
  const own = ownColumnNames(config);
  return own ? [own.date, ...(own.code ? [own.code] : []), own.kept] : [];
}
