import { TableName } from './table-name';

export type RollingType = 'Integer' | 'Long' | 'String';

export interface RollingColumn {
  /** The array is `<name>_history`. */
  name: string;
  /** Evaluated on the prepared row (SPEC §3 step 4) into `mapperColumn`. */
  mapperExpr: string;
  mapperColumn: string;
  /** Array length (`num_cols`, default `history_length`). */
  length: number;
  type: RollingType;
}

export interface GridColumn {
  name: string;
  /** A rolling column's `name`; the grid renders `<rollingName>_history`. */
  rollingName: string;
  placeholder: string;
  separator: string;
}

export interface NamedExpr {
  name: string;
  expr: string;
}

export interface SourceColumn {
  name: string;
  /** Spark SQL type, e.g. BIGINT, STRING, DATE, TIMESTAMP, DECIMAL(18,2). */
  type: string;
}

/** Where the pipeline keeps its own state; extension key `pipeline_tables` (defaults beside the summary). */
export interface PipelineTables {
  rejects: TableName;
  audit: TableName;
  ledger: TableName;
  batches: TableName;
}

/**
 * SPEC §4a: a valid row whose `column` (a prepared column), cast to a string, is one of `codes` withdraws
 * its (key, month). Config key `soft_delete`; null when off.
 */
export interface SoftDelete {
  column: string;
  codes: string[];
}

/** SPEC §4a's default: what the production pipeline uses, on when the prepared row has this column. */
export const DEFAULT_SOFT_DELETE: SoftDelete = { column: 'soft_del_cd', codes: ['1', '4'] };

/** SPEC §4b's ordering columns of a report row after base_ts, in tie order; a table has any of them. */
export const REPORT_ORDER_COLUMNS = ['insert_dt', 'update_dt', 'insert_time', 'update_time'] as const;

/**
 * SPEC §4b: the report-date table (`hist_rpt_dt_table`, `hist_rpt_dt_cols`, `hist_rpt_dt_schema`). Every
 * name is the table's column as `hist_rpt_dt_cols` spells it; each is the prepared name of the same role.
 */
export interface ReportDates {
  table: TableName;
  /** `hist_rpt_dt_cols` in file order. */
  columns: string[];
  keyColumn: string;
  dateColumn: string;
  tsColumn: string;
  /** §4a's delete column; with soft delete off `soft_del_cd` where both tables have it (carried, never acted on), else null. */
  deleteColumn: string | null;
  /** Those of REPORT_ORDER_COLUMNS the table has, in that order (the report winner's tie order after base_ts). */
  orderColumns: string[];
  /** Column types where the project creates the table: `hist_rpt_dt_schema`, or inferred from the main source (source-schema.ts). */
  schema: SourceColumn[];
  schemaInferred: boolean;
}

/** SPEC §4c: `unbounded_history`, a latest row per key with `<rolling name><suffix>` arrays back to its first month. */
export interface UnboundedHistory {
  table: TableName;
  suffix: string;
  /** Cut or pad every array to this length; null: as long as the key's months (M − F + 1). */
  maxLength: number | null;
}

/** The validated, normalised seed-v4 config (SPEC §2) plus our documented extensions. */
export interface PipelineConfig {
  sourceTable: TableName;
  summaryTable: TableName;
  latestTable: TableName;
  tables: PipelineTables;
  /** Destination (prepared) names of the key columns. */
  keyColumn: string;
  monthColumn: string;
  dateColumn: string;
  tsColumn: string;
  historyLength: number;
  /** Source → destination renames, in file order. */
  columns: { source: string; dest: string }[];
  transformations: NamedExpr[];
  inferred: NamedExpr[];
  coalesceExclusionCols: string[];
  dateColumns: string[];
  latestAddonCols: string[];
  rolling: RollingColumn[];
  grids: GridColumn[];
  performance: Record<string, number>;
  spark: Record<string, string>;
  /** Explicit `source_schema`, or types inferred from the config (documented in the README). */
  sourceSchema: SourceColumn[];
  sourceSchemaInferred: boolean;
  defaultCatalog: string;
  /** `expression_policy` as honoured: "trusted" only where the deployment allows it (config.expressions.ts). */
  expressionPolicy: 'restricted' | 'trusted';
  /** SPEC §4a, or null: `soft_delete` as given, by default soft_del_cd with codes 1 and 4 when that column exists. */
  softDelete: SoftDelete | null;
  /** Source columns a file to ingest may leave out (stored NULL); every other column must be on every line. */
  ingestOptionalColumns: string[];
  /** SPEC §4b, or null when the config has no `hist_rpt_dt_table`. */
  reportDates: ReportDates | null;
  /** SPEC §4c, or null when the config has no `unbounded_history`. */
  unboundedHistory: UnboundedHistory | null;
}

/** Column lists every compiled job shares, derived once from the config. */
export interface ColumnModel {
  /** Prepared scalar columns in order: renamed, then inferred, then new mapper columns. */
  prepared: string[];
  /** `<name>_history` per rolling column, in config order. */
  histories: string[];
  grids: string[];
  /** Columns of the summary table a reader sees: prepared, histories, grids (internal columns left out). */
  summary: string[];
  /**
   * SPEC §4b: internal columns kept in summary (after the grids) and carried at the end of `prepared` when
   * hist_rpt_dt_table is set: W's own date and delete code and whether they were kept (docs/report-dates.md).
   * Empty without the report table, so its jobs are unchanged.
   */
  internal: string[];
  /** Columns of the latest table. */
  latest: string[];
  /** SPEC §4c: `<name><suffix>` per rolling column, in config order; empty without unbounded_history. */
  unboundedArrays: string[];
  /** Columns of the unbounded-history table: latest's, then unboundedArrays; empty without it. */
  unbounded: string[];
}
