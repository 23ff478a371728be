import { PipelineConfig, SourceColumn } from './config.types';

/** The Spark SQL types a schema key (`source_schema`, `hist_rpt_dt_schema`) takes. */
export const SPARK_TYPE =
  /^(BIGINT|LONG|INT|INTEGER|SMALLINT|TINYINT|STRING|DATE|TIMESTAMP|TIMESTAMP_NTZ|DOUBLE|FLOAT|BOOLEAN|DECIMAL\(\s*\d+\s*,\s*\d+\s*\))$/i;
export const SPARK_TYPE_EXPECTED =
  'a Spark SQL type (BIGINT, INT, STRING, DATE, TIMESTAMP, DOUBLE, BOOLEAN, DECIMAL(p,s), ...)';

/**
 * Source column types when the config has no `source_schema` (the production example has none: there the
 * source table already exists). Only used when the project creates the source table itself:
 * key → BIGINT, base_ts → TIMESTAMP, dates (date_col_list, primary_date_column) → DATE,
 * mapper columns of Integer/Long rolling columns → BIGINT, everything else → STRING.
 */
export function inferSourceSchema(config: PipelineConfig): SourceColumn[] {
  const lower = (xs: string[]) => new Set(xs.map((x) => x.toLowerCase()));
  const dates = lower([...config.dateColumns, config.dateColumn]);
  const numeric = lower(config.rolling.filter((r) => r.type !== 'String').map((r) => r.mapperColumn));
  return config.columns.map(({ source, dest }) => {
    const d = dest.toLowerCase();
    let type = 'STRING';
    if (d === config.keyColumn.toLowerCase()) type = 'BIGINT';
    else if (d === config.tsColumn.toLowerCase()) type = 'TIMESTAMP';
    else if (d === config.monthColumn.toLowerCase()) type = 'STRING';
    else if (dates.has(d)) type = 'DATE';
    else if (numeric.has(d)) type = 'BIGINT';
    return { name: source, type };
  });
}
