import { ColumnModel, PipelineConfig, historyColumn } from '@app/config';
import { gridExpr } from '../history';
import { list, q } from '../sql';

/**
 * Wraps a query that yields the prepared columns and every `<name>_history` into the exact summary
 * row shape (column order of the summary table), adding the grids computed from the histories.
 */
export function summaryRows(config: PipelineConfig, model: ColumnModel, inner: string): string {
  const grids = config.grids.map((g) => `${gridExpr(g, `h.${q(historyColumn(g.rollingName))}`)} AS ${q(g.name)}`);
  const visible = model.prepared.filter((c) => !model.internal.includes(c));
  // SPEC §4b's internal columns last: where they were added to a table of an earlier release, they are its last columns too.
  const columns = [
    ...visible.map((c) => `h.${q(c)}`),
    ...model.histories.map((c) => `h.${q(c)}`),
    ...grids,
    ...model.internal.map((c) => `h.${q(c)}`),
  ];
  return ['SELECT', list(columns), 'FROM (', inner, ') h'].join('\n');
}

/** Projects summary-shaped rows (view or alias) onto the latest table's columns. */
export function latestColumns(model: ColumnModel, alias: string): string {
  return list(model.latest.map((c) => `${alias}.${q(c)}`));
}
