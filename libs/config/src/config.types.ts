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
}

/** Column lists every compiled job shares, derived once from the config. */
export interface ColumnModel {
  /** Prepared scalar columns in order: renamed, then inferred, then new mapper columns. */
  prepared: string[];
  /** `<name>_history` per rolling column, in config order. */
  histories: string[];
  grids: string[];
  /** Columns of the summary table: prepared, histories, grids. */
  summary: string[];
  /** Columns of the latest table. */
  latest: string[];
}
