import type { PipelineConfig } from './config.types';
import { TableName } from './table-name';

/**
 * Every table a config names: source, summary, latest, the pipeline's own, then the report-date table
 * (SPEC §4b) and the unbounded-history table (§4c) when configured. What init and the engine's catalogs cover.
 */
export function tablesOf(config: PipelineConfig): TableName[] {
  return [
    config.sourceTable,
    config.summaryTable,
    config.latestTable,
    ...Object.values(config.tables),
    ...(config.reportDates ? [config.reportDates.table] : []),
    ...(config.unboundedHistory ? [config.unboundedHistory.table] : []),
  ];
}
