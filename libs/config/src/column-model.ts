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
  const histories = config.rolling.map((r) => historyColumn(r.name));
  const grids = config.grids.map((g) => g.name);
  const summary = [...prepared, ...histories, ...grids];
  const latest: string[] = [];
  const addLatest = (name: string) => {
    if (!latest.some((p) => p.toLowerCase() === name.toLowerCase())) latest.push(name);
  };
  [config.keyColumn, config.monthColumn, config.dateColumn, config.tsColumn, ...histories, ...grids, ...config.latestAddonCols].forEach(
    addLatest,
  );
  const unboundedArrays = config.unboundedHistory ? config.rolling.map((r) => unboundedColumn(r.name, config.unboundedHistory!.suffix)) : [];
  return { prepared, histories, grids, summary, latest, unboundedArrays, unbounded: unboundedArrays.length ? [...latest, ...unboundedArrays] : [] };
}
