import { PipelineConfig, TableName, columnModel, tablesOf } from '@app/config';
import { typeOfSparkType } from '@app/expression';
import { CompiledJob, JOB_SCHEMA_VERSION, JobStep } from '../job.types';
import { elementType } from '../history';
import { MONTH_INT, preparedQuery } from '../prepare';
import { list, lit, q } from '../sql';
import { summaryRows } from './rows';
import { RERESOLVE, createReportWinners, ownColumnTypes, reportWinnersTable } from '../report-dates';
import { UNBOUNDED_CELLS, unboundedCellsType } from './unbounded';

export interface InitOptions {
  /** Create the source table from source_schema, and the report-date table (SPEC §4b) from hist_rpt_dt_schema, when missing (local runs, tests). */
  createSource: boolean;
  /** Iceberg write.merge/update/delete.mode for summary and latest (default merge-on-read: TABLE_LAYOUT). */
  writeMode?: 'copy-on-write' | 'merge-on-read';
}

/**
 * The layout of summary and latest (README "Table layout"), applied by every init, so a table created by
 * an earlier release (copy-on-write, unordered) is migrated in place: table properties and the sort order
 * change only how later commits write, never what a read returns.
 * - merge-on-read: a backfill writes its changed rows and a position-delete file per touched data file,
 *   instead of copy-on-write's rewrite of every data file holding one changed row (issue #9: 1.28M rows
 *   rewritten for 1,000 records). The deletes are applied by the maintenance the pipeline schedules
 *   (libs/engine/src/maintenance.ts).
 * - delete granularity `file`: one delete file per data file, so compaction drops it with its data file.
 * - rows sorted by key inside each written file (locally: no range shuffle on write), so file and row-group
 *   key ranges are narrow after compaction and one account's rows are found from the min/max statistics.
 *   No Parquet bloom filter on the key: Iceberg writes it at its 1 MB maximum into every file, which made
 *   a backfill's small per-partition files 1 MB each and was the larger part of a small batch's time.
 */
export const TABLE_LAYOUT = {
  version: '2',
  versionProperty: 'summary-pipeline.layout-version',
  writeMode: 'merge-on-read' as const,
} as const;

function props(extra: Record<string, string> = {}): string {
  const all = { 'format-version': '2', ...extra };
  return `TBLPROPERTIES (${Object.entries(all)
    .map(([k, v]) => `${lit(k)} = ${lit(v)}`)
    .join(', ')})`;
}

/**
 * Idempotent DDL: namespaces, then source and report dates (optional), summary, latest, unbounded history
 * (when configured), batches, rejects, audit, ledger.
 * Summary, latest and batches are created with CTAS over the (empty) prepared source query, so their
 * column types are exactly what the jobs produce: no type mapping lives in TypeScript.
 */
export function compileInit(config: PipelineConfig, options: InitOptions): CompiledJob {
  const model = columnModel(config);
  const mode = options.writeMode ?? TABLE_LAYOUT.writeMode;
  const layout = {
    'write.merge.mode': mode,
    'write.update.mode': mode,
    'write.delete.mode': mode,
    'write.delete.granularity': 'file',
    [TABLE_LAYOUT.versionProperty]: TABLE_LAYOUT.version,
  };
  const all: TableName[] = tablesOf(config);
  const namespaces = [...new Map(all.map((t) => [t.namespaceSql, t])).values()];
  const steps: JobStep[] = namespaces.map((t) => ({
    name: `namespace ${t.catalog}.${t.namespace}`,
    kind: 'sql',
    sql: `CREATE NAMESPACE IF NOT EXISTS ${t.namespaceSql}`,
  }));

  if (options.createSource) {
    steps.push({
      name: 'create source',
      kind: 'sql',
      sql: [
        `CREATE TABLE IF NOT EXISTS ${config.sourceTable.sql} (`,
        list(config.sourceSchema.map((c) => `${q(c.name)} ${c.type}`)),
        ') USING iceberg',
        `PARTITIONED BY (${q(sourceName(config, config.monthColumn))})`,
        props(),
      ].join('\n'),
    });
  }
  if (options.createSource && config.reportDates) steps.push(createReportDates(config));
  steps.push({
    name: 'empty source view',
    kind: 'sql',
    sql: `CREATE OR REPLACE TEMPORARY VIEW \`__init_src\` AS SELECT * FROM ${config.sourceTable.sql} WHERE false`,
  });
  steps.push({
    name: 'empty prepared view',
    kind: 'sql',
    sql: `CREATE OR REPLACE TEMPORARY VIEW \`__init_prepared\` AS\n${preparedQuery(config, '__init_src', false)}`,
  });

  const histories = config.rolling.map(
    (r) =>
      `transform(sequence(0, ${r.length - 1}), i -> CAST(${q(r.mapperColumn)} AS ${elementType(r)})) AS ${q(`${r.name}_history`)}`,
  );
  const inner = `SELECT\n${list([...model.prepared.map(q), ...histories])}\nFROM \`__init_prepared\``;
  steps.push({
    name: 'create summary',
    kind: 'sql',
    sql: [
      `CREATE TABLE IF NOT EXISTS ${config.summaryTable.sql}`,
      'USING iceberg',
      `PARTITIONED BY (${q(config.monthColumn)})`,
      props({ ...layout, 'write.distribution-mode': 'hash' }),
      `AS ${summaryRows(config, model, inner)}`,
    ].join('\n'),
  });
  steps.push({
    name: 'create latest',
    kind: 'sql',
    sql: [
      `CREATE TABLE IF NOT EXISTS ${config.latestTable.sql}`,
      'USING iceberg',
      props(layout),
      'AS SELECT',
      list(model.latest.map(q)),
      `FROM ${config.summaryTable.sql} WHERE false`,
    ].join('\n'),
  });
  const unbounded = config.unboundedHistory;
  if (unbounded) {
    // SPEC §4c: latest's columns and one array per rolling column, typed as its history (the same elements).
    // Then the internal map of the key's months (unbounded.ts), which keeps the batches' cost following the batch.
    const arrays = config.rolling.map((r, i) => `${q(model.histories[i])} AS ${q(model.unboundedArrays[i])}`);
    arrays.push(`CAST(NULL AS ${unboundedCellsType(config)}) AS ${q(UNBOUNDED_CELLS)}`);
    steps.push({
      name: 'create unbounded history',
      kind: 'sql',
      sql: [
        `CREATE TABLE IF NOT EXISTS ${unbounded.table.sql}`,
        'USING iceberg',
        props(layout),
        'AS SELECT',
        list([...model.latest.map(q), ...arrays]),
        `FROM ${config.latestTable.sql} WHERE false`,
      ].join('\n'),
    });
  }
  for (const t of [config.summaryTable, config.latestTable, ...(unbounded ? [unbounded.table] : [])]) {
    // Idempotent: the same properties and order again; on a table of an earlier release, the migration.
    steps.push({ name: `layout ${t.plain}`, kind: 'sql', sql: `ALTER TABLE ${t.sql} SET ${props(layout)}` });
    steps.push({
      name: `sort order ${t.plain}`,
      kind: 'sql',
      sql: `ALTER TABLE ${t.sql} WRITE LOCALLY ORDERED BY ${q(config.keyColumn)}`,
    });
  }
  steps.push({
    name: 'create batches',
    kind: 'sql',
    sql: `CREATE TABLE IF NOT EXISTS ${config.tables.batches.sql}\nUSING iceberg\nPARTITIONED BY (\`batch_id\`)\n${props()}\nAS SELECT\n${list(
      [
        'CAST(NULL AS STRING) AS `batch_id`',
        'CAST(NULL AS STRING) AS `case`',
        `CAST(NULL AS INT) AS ${q(MONTH_INT)}`,
        ...model.prepared.map(q),
        ...(config.reportDates ? [`CAST(NULL AS BOOLEAN) AS ${q(RERESOLVE)}`] : []),
      ],
    )}\nFROM \`__init_prepared\``,
  });
  if (config.reportDates) {
    // SPEC §4b: D per cell, waiting cells included (docs/report-dates.md).
    steps.push({
      name: 'empty report view',
      kind: 'sql',
      sql: `CREATE OR REPLACE TEMPORARY VIEW \`__init_rpt\` AS SELECT * FROM ${config.reportDates.table.sql} WHERE false`,
    });
    steps.push({ name: 'create report winners', kind: 'sql', sql: createReportWinners(config) });
    steps.push({
      name: `sort order ${reportWinnersTable(config).plain}`,
      kind: 'sql',
      sql: `ALTER TABLE ${reportWinnersTable(config).sql} WRITE LOCALLY ORDERED BY ${q(config.reportDates.keyColumn)}`,
    });
  }
  steps.push({
    name: 'create rejects',
    kind: 'sql',
    sql: [
      `CREATE TABLE IF NOT EXISTS ${config.tables.rejects.sql} (`,
      '  batch_id STRING, reason STRING, key STRING, month STRING, source_row STRING, rejected_at TIMESTAMP',
      ') USING iceberg',
      'PARTITIONED BY (batch_id)',
      props(),
    ].join('\n'),
  });
  steps.push({
    name: 'create audit',
    kind: 'sql',
    sql: [
      `CREATE TABLE IF NOT EXISTS ${config.tables.audit.sql} (`,
      '  event_id STRING, event_type STRING, batch_id STRING, `case` STRING, status STRING, attempt INT,',
      '  occurred_at TIMESTAMP, duration_ms BIGINT, `rows` BIGINT, watermark STRING, details STRING',
      ') USING iceberg',
      'PARTITIONED BY (days(occurred_at))',
      props(),
    ].join('\n'),
  });
  // The ledger is the runner's bookkeeping (exactly-once, rollback): it owns the table's columns.
  steps.push({ name: 'create ledger', kind: 'ledger_table', table: config.tables.ledger.plain });

  return {
    schemaVersion: JOB_SCHEMA_VERSION,
    jobId: 'init',
    kind: 'init',
    description: `create namespaces and tables for ${config.summaryTable.plain}`,
    tags: {},
    params: { createSource: options.createSource, writeMode: mode },
    ledger: null,
    targets: [],
    steps,
  };
}

/**
 * SPEC §4b's report-date table as the project creates it: hist_rpt_dt_schema's columns (or their inference),
 * partitioned by the month of the date when it is a DATE or TIMESTAMP, as the month partitions the source.
 */
function createReportDates(config: PipelineConfig): JobStep {
  const report = config.reportDates!;
  const date = report.schema.find((c) => c.name === report.dateColumn);
  const byMonth =
    date && ['date', 'timestamp'].includes(typeOfSparkType(date.type))
      ? `\nPARTITIONED BY (months(${q(date.name)}))`
      : '';
  return {
    name: 'create report dates',
    kind: 'sql',
    sql: `CREATE TABLE IF NOT EXISTS ${report.table.sql} (\n${list(report.schema.map((c) => `${q(c.name)} ${c.type}`))}\n) USING iceberg${byMonth}\n${props()}`,
  };
}

/** The source-side name of a destination column (configs name key columns by destination). */
export function sourceName(config: PipelineConfig, dest: string): string {
  return config.columns.find((c) => c.dest.toLowerCase() === dest.toLowerCase())?.source ?? dest;
}

/**
 * SPEC §4b turned on for a pipeline of an earlier release, without a rebuild: the internal columns summary
 * and batches lack, added by `ALTER TABLE … ADD COLUMNS` (Iceberg: metadata only). A stored row's NULL
 * `__own_kept` then says its visible date and code are W's own. `missing` lists what each table lacks;
 * `typeOf` gives a summary column's SQL type (DESCRIBE). Empty when nothing is missing.
 */
export function compileReportUpgrade(
  config: PipelineConfig,
  missing: { summary: string[]; batches: string[] },
  typeOf: (column: string) => string,
): CompiledJob | null {
  const types = new Map([...ownColumnTypes(config, typeOf), [RERESOLVE, 'BOOLEAN']]);
  const steps: JobStep[] = [];
  for (const [table, columns] of [
    [config.summaryTable, missing.summary],
    [config.tables.batches, missing.batches],
  ] as const) {
    if (columns.length)
      steps.push({
        name: `add columns ${table.plain}`,
        kind: 'sql',
        sql: `ALTER TABLE ${table.sql} ADD COLUMNS (${columns.map((c) => `${q(c)} ${types.get(c)}`).join(', ')})`,
      });
  }
  if (!steps.length) return null;
  return {
    schemaVersion: JOB_SCHEMA_VERSION,
    jobId: 'init-report-dates',
    kind: 'init',
    description: 'add SPEC §4b internal columns to summary and batches',
    tags: {},
    params: {},
    ledger: null,
    targets: [],
    steps,
  };
}
