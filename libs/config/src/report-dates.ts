import { ConfigIssue } from './errors';
import {
  DEFAULT_SOFT_DELETE,
  PipelineConfig,
  REPORT_ORDER_COLUMNS,
  ReportDates,
  SoftDelete,
  SourceColumn,
  UnboundedHistory,
} from './config.types';
import { PreparedTypes } from './config.expressions';
import { ValueType, typeOfSparkType } from '@app/expression';
import { TableName } from './table-name';
import { SPARK_TYPE, SPARK_TYPE_EXPECTED } from './source-schema';

type Json = Record<string, unknown>;

export const DEFAULT_UNBOUNDED_SUFFIX = '_history_unbounded';
/** A month per element: 1,000 years is more than any account has, and bounds a padded array. */
export const MAX_UNBOUNDED_LENGTH = 12000;

/** What the report-date and unbounded-history keys are checked against: the rest of the loaded config. */
export interface ReportContext {
  defaultCatalog: string;
  keyColumn: string;
  dateColumn: string;
  tsColumn: string;
  softDelete: SoftDelete | null;
  /** Prepared column names by lower-cased name. */
  prepared: Map<string, string>;
  /** Types of the prepared columns as far as the config tells them (config.expressions.ts). */
  types: PreparedTypes;
  /** Columns of the latest table (column-model.ts). */
  latestColumns: string[];
  rollingNames: string[];
  /** Tables the config names already, by key; a new table must be none of them. */
  tables: [string, TableName | undefined][];
}

const isObject = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * `hist_rpt_dt_table`, `hist_rpt_dt_cols` and `hist_rpt_dt_schema` (SPEC §4b): null when none is given.
 * Every name in hist_rpt_dt_cols has a role: the key, primary_date_column, max_identifier_column (prepared
 * names), §4a's delete column (required when soft delete is on; with it off `soft_del_cd` where the main
 * row has one too), or one of insert_dt, update_dt, insert_time, update_time. With hist_rpt_dt_schema each
 * name must be a column of it and the roles' types must fit; without it the types are inferred from the
 * main source (inferReportSchema), and an existing table is checked when it is read (checkReportTable).
 * Example: cols ["k", "d", "ts", "soft_del_cd", "update_dt"] with key k, date d, base_ts ts →
 *   {keyColumn: 'k', dateColumn: 'd', tsColumn: 'ts', deleteColumn: 'soft_del_cd', orderColumns: ['update_dt']}.
 */
export function parseReportDates(raw: Json, ctx: ReportContext, issues: ConfigIssue[]): ReportDates | null {
  const given = ['hist_rpt_dt_table', 'hist_rpt_dt_cols', 'hist_rpt_dt_schema'].filter((k) => raw[k] !== undefined);
  if (given.length === 0) return null;
  const table = parseTable(raw, 'hist_rpt_dt_table', ctx, issues);
  const deleteColumn = ctx.softDelete?.column ?? ctx.prepared.get(DEFAULT_SOFT_DELETE.column) ?? null;
  const roles: [string, string | null, string][] = [
    ['key', ctx.keyColumn, 'primary_column'],
    ['date', ctx.dateColumn, 'primary_date_column'],
    ['ts', ctx.tsColumn, 'max_identifier_column'],
    ['delete', deleteColumn, ctx.softDelete ? 'soft_delete.column, SPEC §4a' : 'carried, soft delete is off'],
    ...REPORT_ORDER_COLUMNS.map((c): [string, string, string] => [c, c, 'an ordering column']),
  ];
  const allowed = roles
    .filter(([, name]) => name)
    .map(([, name, why]) => `"${name}" (${why})`)
    .join(', ');

  const colsRaw = raw['hist_rpt_dt_cols'];
  const named = new Map<string, string>();
  const columns: string[] = [];
  if (!Array.isArray(colsRaw) || colsRaw.length === 0) {
    issues.push({
      key: 'hist_rpt_dt_cols',
      expected: `a non-empty array of the report table's columns, each a prepared name of one of ${allowed}`,
      received: colsRaw,
    });
  } else {
    colsRaw.forEach((name, i) => {
      const role =
        typeof name === 'string'
          ? roles.find(([, n]) => n !== null && n.toLowerCase() === name.toLowerCase())
          : undefined;
      if (!role) return issues.push({ key: `hist_rpt_dt_cols[${i}]`, expected: `one of ${allowed}`, received: name });
      if (named.has(role[0]))
        return issues.push({ key: `hist_rpt_dt_cols[${i}]`, expected: 'each column once', received: name });
      named.set(role[0], name as string);
      columns.push(name as string);
    });
    for (const [role, name, why] of roles.slice(0, ctx.softDelete ? 4 : 3)) {
      if (!named.has(role))
        issues.push({
          key: 'hist_rpt_dt_cols',
          expected: `the column "${name}" (${why}): SPEC §4b's report row has the key, the date, base_ts and §4a's delete column`,
          received: colsRaw,
        });
    }
  }

  const schemaRaw = raw['hist_rpt_dt_schema'];
  const schema: SourceColumn[] = [];
  if (schemaRaw !== undefined && !isObject(schemaRaw)) {
    issues.push({
      key: 'hist_rpt_dt_schema',
      expected: 'an object of report column → Spark SQL type',
      received: schemaRaw,
    });
  } else if (schemaRaw !== undefined) {
    for (const [name, type] of Object.entries(schemaRaw)) {
      if (typeof type !== 'string' || !SPARK_TYPE.test(type.trim()))
        issues.push({ key: `hist_rpt_dt_schema.${name}`, expected: SPARK_TYPE_EXPECTED, received: type });
      else schema.push({ name, type: type.trim().toUpperCase() });
    }
    columns.forEach((name, i) => {
      if (!Object.keys(schemaRaw).includes(name))
        issues.push({
          key: `hist_rpt_dt_cols[${i}]`,
          expected: 'a column of hist_rpt_dt_schema, the table the project creates (names are exact)',
          received: name,
        });
    });
    checkRoleTypes(schema, named, ctx, issues);
  }
  if (!table || columns.length === 0) return null;
  return {
    table,
    columns,
    keyColumn: named.get('key') ?? ctx.keyColumn,
    dateColumn: named.get('date') ?? ctx.dateColumn,
    tsColumn: named.get('ts') ?? ctx.tsColumn,
    deleteColumn: named.get('delete') ?? null,
    orderColumns: REPORT_ORDER_COLUMNS.filter((c) => named.has(c)).map((c) => named.get(c)!),
    schema,
    schemaInferred: schemaRaw === undefined,
  };
}

/**
 * Types of hist_rpt_dt_schema that cannot give SPEC §4b's result: base_ts must order (TIMESTAMP or DATE),
 * the date must have a month (DATE or TIMESTAMP), and the key, date and delete column must be of the main
 * source's type family where that is known (E takes the report row's date and code into the winner's row).
 */
function checkRoleTypes(
  schema: SourceColumn[],
  named: Map<string, string>,
  ctx: ReportContext,
  issues: ConfigIssue[],
): void {
  const typeOf = (role: string): [string, string, ValueType] | undefined => {
    const name = named.get(role);
    const column = schema.find((s) => s.name === name);
    return name && column ? [name, column.type, typeOfSparkType(column.type)] : undefined;
  };
  const ts = typeOf('ts');
  if (ts && !['timestamp', 'date'].includes(ts[2]))
    issues.push({
      key: `hist_rpt_dt_schema.${ts[0]}`,
      expected: 'a TIMESTAMP (or DATE): the newer base_ts wins the report row (SPEC §4b)',
      received: ts[1],
    });
  const date = typeOf('date');
  if (date && !['timestamp', 'date'].includes(date[2]))
    issues.push({
      key: `hist_rpt_dt_schema.${date[0]}`,
      expected: "a DATE (or TIMESTAMP): a report row's month is the month of its date (SPEC §4b)",
      received: date[1],
    });
  for (const role of ['key', 'date', 'delete']) {
    const found = typeOf(role);
    const main = found && ctx.types.get(found[0].toLowerCase());
    if (!found || !main || ['unknown', 'null'].includes(main.type) || main.type === found[2]) continue;
    issues.push({
      key: `hist_rpt_dt_schema.${found[0]}`,
      expected: `a ${main.type} type like the main source's "${found[0]}" (${main.from}): it is matched with or taken into the main row`,
      received: found[1],
    });
  }
}

/**
 * The report table's types when the project creates it without hist_rpt_dt_schema: the key, date, base_ts
 * and delete column as the main source types the same prepared column (source_schema or its inference),
 * insert_dt/update_dt DATE, insert_time/update_time STRING (a time of day, as the production feed writes it).
 * Example: key cons_acct_key BIGINT in the source, cols [cons_acct_key, acct_dt, base_ts, update_time] →
 *   [cons_acct_key BIGINT, acct_dt DATE, base_ts TIMESTAMP, update_time STRING].
 */
export function inferReportSchema(config: PipelineConfig, report: ReportDates): SourceColumn[] {
  const fallback: Record<string, string> = {
    [report.keyColumn]: 'BIGINT',
    [report.dateColumn]: 'DATE',
    [report.tsColumn]: 'TIMESTAMP',
  };
  return report.columns.map((name) => {
    if (report.orderColumns.includes(name)) return { name, type: /_dt$/i.test(name) ? 'DATE' : 'STRING' };
    const source = config.columns.find((c) => c.dest.toLowerCase() === name.toLowerCase())?.source;
    const typed =
      source === undefined ? undefined : config.sourceSchema.find((s) => s.name.toLowerCase() === source.toLowerCase());
    return { name, type: typed?.type ?? fallback[name] ?? 'STRING' };
  });
}

/**
 * An existing report table against hist_rpt_dt_cols (the catalog's columns, as DESCRIBE lists them): one
 * issue per listed name the table lacks. What parseReportDates checks against hist_rpt_dt_schema, checked
 * where the table already exists (the production table, or one created by an earlier init).
 * Example: cols [k, d, ts], table columns [k, ts] → [{key: 'hist_rpt_dt_cols[1]', ...}].
 */
export function checkReportTable(report: ReportDates, tableColumns: string[]): ConfigIssue[] {
  const have = new Set(tableColumns.map((c) => c.toLowerCase()));
  return report.columns.flatMap((name, i) =>
    have.has(name.toLowerCase())
      ? []
      : [
          {
            key: `hist_rpt_dt_cols[${i}]`,
            expected: `a column of ${report.table.plain} (it has ${tableColumns.join(', ')})`,
            received: name,
          },
        ],
  );
}

/**
 * `unbounded_history` (SPEC §4c): {table, suffix (default "_history_unbounded"), max_length (null or a
 * positive integer; default null)}, or null when absent. Each rolling column's `<name><suffix>` must not be
 * a column of latest, whose columns the table also has.
 * Example: {"table": "edf.unbounded"} → {table: local.edf.unbounded, suffix: '_history_unbounded', maxLength: null}.
 */
export function parseUnboundedHistory(raw: Json, ctx: ReportContext, issues: ConfigIssue[]): UnboundedHistory | null {
  const x = raw['unbounded_history'];
  if (x === undefined) return null;
  if (!isObject(x)) {
    issues.push({
      key: 'unbounded_history',
      expected: 'an object {"table": <name>, "suffix": "_history_unbounded", "max_length": null or a positive integer}',
      received: x,
    });
    return null;
  }
  for (const k of Object.keys(x)) {
    if (!['table', 'suffix', 'max_length'].includes(k))
      issues.push({
        key: `unbounded_history.${k}`,
        expected: 'one of table, suffix, max_length',
        received: 'an unknown key',
      });
  }
  const table = parseTable(x, 'unbounded_history.table', ctx, issues);
  const suffix = x['suffix'] ?? DEFAULT_UNBOUNDED_SUFFIX;
  const suffixOk = typeof suffix === 'string' && /^[A-Za-z0-9_]+$/.test(suffix);
  if (!suffixOk)
    issues.push({
      key: 'unbounded_history.suffix',
      expected: 'a non-empty suffix of letters, digits and _ (each array is <rolling name><suffix>)',
      received: suffix,
    });
  else {
    const latest = new Set(ctx.latestColumns.map((c) => c.toLowerCase()));
    const clash = ctx.rollingNames.find((n) => latest.has(`${n}${suffix}`.toLowerCase()));
    if (clash)
      issues.push({
        key: 'unbounded_history.suffix',
        expected: `a suffix whose "<rolling name><suffix>" is not a column of latest ("${clash}${suffix}" is)`,
        received: suffix,
      });
  }
  const max = x['max_length'] ?? null;
  const maxOk =
    max === null || (typeof max === 'number' && Number.isInteger(max) && max >= 1 && max <= MAX_UNBOUNDED_LENGTH);
  if (!maxOk)
    issues.push({
      key: 'unbounded_history.max_length',
      expected: `null (as long as the key's months) or an integer from 1 to ${MAX_UNBOUNDED_LENGTH}`,
      received: max,
    });
  if (!table || !suffixOk || !maxOk) return null;
  return { table, suffix: suffix as string, maxLength: max as number | null };
}

/** A table key: a name, and not a table the config names already (two roles in one table mix their rows). */
function parseTable(obj: Json, key: string, ctx: ReportContext, issues: ConfigIssue[]): TableName | undefined {
  const text = obj[key.split('.').pop()!];
  const name = typeof text === 'string' ? TableName.parse(text, ctx.defaultCatalog) : undefined;
  if (!name) {
    issues.push({ key, expected: 'a table name "namespace.table" or "catalog.namespace.table"', received: text });
    return undefined;
  }
  const same = ctx.tables.find(([, t]) => t?.plain.toLowerCase() === name.plain.toLowerCase());
  if (same) issues.push({ key, expected: `a table of its own, not ${same[0]}'s`, received: text });
  return name;
}
